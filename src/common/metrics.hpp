#pragma once
// Process metrics in the Prometheus text format: requests by operation and code, latency
// histograms, store commit latency and batch sizes. Recording is lock-free except for the first
// time an (operation, code) pair is seen.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cl {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                  0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
  void observe(double seconds);
  // Appends `name_bucket{labels,le="…"}` lines, `_sum` and `_count`.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

class Metrics {
 public:
  Metrics();
  void record_request(const std::string& op_name, const std::string& code, double seconds);
  void record_commit(double seconds, size_t transactions);
  std::string render() const;

 private:
  struct Operation {
    Histogram latency;
    std::atomic<uint64_t> ok{0};  // the common case, without a lock
    std::mutex mu;
    std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>> codes;  // error codes
  };
  Operation& operation(const std::string& name);
  // Never reused, unlike an address: a thread's cache of operations is keyed by it, and another
  // Metrics may later live where this one did.
  const uint64_t id_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Operation>> operations_;
  Histogram commit_latency_;
  std::atomic<uint64_t> commits_{0}, committed_transactions_{0};
};

}  // namespace cl
