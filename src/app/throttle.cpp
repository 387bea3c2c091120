#include "app/throttle.hpp"

#include <algorithm>

namespace cl::app {

bool Throttle::admit(const std::string& account, const std::string& region, const std::string& operation,
                     Millis now_ms) {
  std::string key = account + "/" + region + "/" + operation;
  std::lock_guard lk(mu_);
  auto [it, fresh] = buckets_.try_emplace(std::move(key), Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_ms - b.updated_ms) / 1000.0 * rate_);
    b.updated_ms = now_ms;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace cl::app
