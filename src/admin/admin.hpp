#pragma once
// The admin API under /_connect-local/ (plain JSON, not SigV4): health, clock, reset, quotas,
// inventory, external numbers, fault rules; and /metrics.
#include <string>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "connect/service.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace cl::admin {

inline constexpr std::string_view kPrefix = "/_connect-local/";
inline constexpr std::string_view kMetricsPath = "/metrics";

struct AdminConfig {
  std::string version;
  std::string token;     // when set, required as "Authorization: Bearer <token>"
  bool enabled = true;   // false when listening beyond loopback without a token
};

class Admin {
 public:
  Admin(AdminConfig config, store::Store& store, OffsetClock& clock, connect::Service& service,
        connect::FaultRules& faults, const Metrics& metrics);
  static bool handles(std::string_view raw_path);
  // Blocking (touches the store): call from a worker thread.
  http::Response handle(const http::Request& request);
  // Restores the persisted clock offset (at start-up).
  void load_clock();

 private:
  http::Response route(const http::Request& request, std::string_view path);
  AdminConfig config_;
  store::Store& store_;
  OffsetClock& clock_;
  connect::Service& service_;
  connect::FaultRules& faults_;
  const Metrics& metrics_;
};

}  // namespace cl::admin
