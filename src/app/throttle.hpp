#pragma once
// Token buckets per (account, region, operation), as Amazon Connect throttles its APIs
// (`--throttle aws`: 2 requests/s with a burst of 5). Off by default.
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"

namespace cl::app {

class Throttle {
 public:
  Throttle(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}
  // Takes a token; false when the bucket is empty (answer ThrottlingException).
  bool admit(const std::string& account, const std::string& region, const std::string& operation, Millis now_ms);

 private:
  struct Bucket {
    double tokens;
    Millis updated_ms;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace cl::app
