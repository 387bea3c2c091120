#include "common/clock.hpp"

namespace cl {

Millis wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Millis OffsetClock::now_ms() const { return wall_clock_ms() + offset_.load(); }

}  // namespace cl
