#pragma once
// The admin API under /_connect-local/ (plain JSON, not SigV4): health, clock, reset, quotas,
// inventory, external numbers, fault rules, the console's reads and actions; /metrics; and the web
// console at /console.
#include <mutex>
#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "connect/service.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace cl::admin {

inline constexpr std::string_view kPrefix = "/_connect-local/";
inline constexpr std::string_view kMetricsPath = "/metrics";
inline constexpr std::string_view kConsolePath = "/console";

struct AdminConfig {
  std::string version;
  std::string token;    // when set, required as "Authorization: Bearer <token>"
  bool enabled = true;  // false when listening beyond loopback without a token
  std::string store;    // "sqlite" | "postgres"
};

class Admin {
 public:
  // `store` serves the console's reads (state of a scope), which no Connect operation answers.
  Admin(AdminConfig config, const Clock& clock, connect::Service& service, store::Store& store, const Metrics& metrics);
  static bool handles(std::string_view raw_path);
  // Blocking (touches the store): call from a worker thread. Never throws: every failure is a JSON
  // error response (400 bad input, 403/401 refused, 503 store unavailable, 500 otherwise).
  http::Response handle(const http::Request& request);
  // Accounts the console lists scopes of, besides the default one and those it was asked about:
  // the accounts of a credentials file (read leniently; the server has validated it already).
  void know_accounts_of(const std::string& credentials_path);

 private:
  // Why this request may not use the admin API (DNS rebinding, cross-site requests), or "".
  std::string refusal(const http::Request& request) const;
  http::Response route(const http::Request& request, std::string_view path);
  // Console endpoints (console_api.cpp).
  http::Response accounts();
  http::Response state(const store::Scope& scope);
  http::Response domain_call(const store::Scope& scope, const std::string& operation, const Value& input);
  void remember(const store::Scope& scope);

  AdminConfig config_;
  const Clock& clock_;
  connect::Service& service_;
  store::Store& store_;
  const Metrics& metrics_;
  std::mutex accounts_mutex_;
  std::set<std::string> accounts_;  // guarded by accounts_mutex_
};

}  // namespace cl::admin
