#pragma once
// Domain time. Everything in the domain reads time from a Clock passed in; the admin API can move
// the server's clock forward. The HTTP layer (Date header, SigV4 skew) uses the wall clock instead.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace cl {

// Milliseconds since the Unix epoch.
using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now_ms() const = 0;
};

// Wall clock plus an offset that only moves forward (admin `clock` endpoint).
class OffsetClock final : public Clock {
 public:
  Millis now_ms() const override;
  Millis offset_ms() const { return offset_.load(); }
  void set_offset_ms(Millis offset) { offset_.store(offset); }

 private:
  std::atomic<Millis> offset_{0};
};

// A clock that tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start = 1'700'000'000'000) : now_(start) {}
  Millis now_ms() const override { return now_.load(); }
  void advance_ms(Millis ms) { now_ += ms; }
  void set_ms(Millis ms) { now_ = ms; }

 private:
  std::atomic<Millis> now_;
};

Millis wall_clock_ms();

}  // namespace cl
