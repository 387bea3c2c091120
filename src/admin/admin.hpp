#pragma once
// The admin API under /_connect-local/ (plain JSON, not SigV4): health, clock, reset, quotas,
// inventory, external numbers, fault rules; and /metrics.
#include <string>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "connect/service.hpp"
#include "http/message.hpp"

namespace cl::admin {

inline constexpr std::string_view kPrefix = "/_connect-local/";
inline constexpr std::string_view kMetricsPath = "/metrics";

struct AdminConfig {
  std::string version;
  std::string token;     // when set, required as "Authorization: Bearer <token>"
  bool enabled = true;   // false when listening beyond loopback without a token
  std::string store;     // "sqlite" | "postgres"
};

class Admin {
 public:
  Admin(AdminConfig config, const Clock& clock, connect::Service& service, const Metrics& metrics);
  static bool handles(std::string_view raw_path);
  // Blocking (touches the store): call from a worker thread. Never throws: every failure is a JSON
  // error response (400 bad input, 403/401 refused, 503 store unavailable, 500 otherwise).
  http::Response handle(const http::Request& request);

 private:
  // Why this request may not use the admin API (DNS rebinding, cross-site requests), or "".
  std::string refusal(const http::Request& request) const;
  http::Response route(const http::Request& request, std::string_view path);
  AdminConfig config_;
  const Clock& clock_;
  connect::Service& service_;
  const Metrics& metrics_;
};

}  // namespace cl::admin
