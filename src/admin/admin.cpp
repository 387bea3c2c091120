#include "admin/admin.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "admin/responses.hpp"
#include "common/crypto.hpp"
#include "common/percent.hpp"
#include "common/value_json.hpp"
#include "store/store.hpp"

namespace cl::admin {

namespace {

constexpr const char* kDefaultAccount = "000000000000";
constexpr const char* kDefaultRegion = "us-east-1";

// The domain clock moves forward by at most a century per call, so offsets stay far from overflow.
constexpr double kMaxAdvanceSeconds = 100.0 * 365 * 24 * 3600;

bool is_loopback_host(std::string_view host) {
  // Host header: name or address, optional :port; IPv6 in brackets.
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost" || host == "localhost.") return true;
  if (host.rfind("127.", 0) != 0) return false;
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

bool json_content_type(std::string_view v) {
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return http::iequals(v, "application/json");
}

std::string query_param(std::string_view query, std::string_view name) {
  std::string found;
  bool seen = false;
  percent::for_each_query_part(query, [&](std::string_view n, std::string_view v) {
    if (seen || n != name) return;
    seen = true;
    found = percent::decode(v).value_or("");
  });
  return found;
}

bool parse_body(const http::Request& req, Value& out, http::Response& err) {
  std::string why;
  if (req.body.empty()) {
    out = Value::map();
    return true;
  }
  if (!from_json(req.body, out, &why) || !out.is_map()) {
    err = error(400, "the body must be a JSON object" + (why.empty() ? "" : ": " + why));
    return false;
  }
  return true;
}

// Throws std::invalid_argument (a 400) unless the account is 12 digits and the region looks like one.
store::Scope checked(store::Scope scope) {
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  if (scope.account_id.size() != 12 || !digits(scope.account_id))
    throw std::invalid_argument("account_id must be 12 digits");
  const std::string& r = scope.region;
  const bool region_ok =
      r.size() >= 9 && r.size() <= 25 && std::isdigit(static_cast<unsigned char>(r.back())) &&
      std::all_of(r.begin(), r.end(), [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; }) &&
      r.find('-') != std::string::npos;
  if (!region_ok) throw std::invalid_argument("region must look like us-east-1");
  return scope;
}

store::Scope scope_from_query(std::string_view query) {
  store::Scope scope{query_param(query, "account_id"), query_param(query, "region")};
  if (scope.account_id.empty()) scope.account_id = kDefaultAccount;
  if (scope.region.empty()) scope.region = kDefaultRegion;
  return checked(std::move(scope));
}

store::Scope scope_from_body(const Value& body) {
  return checked({body.string_or("account_id", kDefaultAccount), body.string_or("region", kDefaultRegion)});
}

}  // namespace

http::Response console_asset(std::string_view path);  // console_assets.cpp

Admin::Admin(AdminConfig config, const Clock& clock, connect::Service& service, store::Store& store,
             const Metrics& metrics)
    : config_(std::move(config)), clock_(clock), service_(service), store_(store), metrics_(metrics) {}

bool Admin::handles(std::string_view raw_path) {
  return raw_path.rfind(kPrefix, 0) == 0 || raw_path == kMetricsPath || raw_path == kConsolePath ||
         raw_path.rfind(std::string(kConsolePath) + "/", 0) == 0;
}

void Admin::know_accounts_of(const std::string& credentials_path) {
  std::ifstream in(credentials_path);
  std::stringstream text;
  text << in.rdbuf();
  Value v;
  if (!from_json(text.str(), v) || !v.is_map()) return;
  const Value* list = v.find("credentials");
  if (!list || !list->is_list()) return;
  std::lock_guard lock(accounts_mutex_);
  for (const auto& c : list->as_list())
    if (c.is_map())
      if (auto account = c.opt_string("account_id")) accounts_.insert(*account);
}

std::string Admin::refusal(const http::Request& request) const {
  // Without a token, the loopback listener is all that protects the API: a page on another site
  // must not reach it through DNS rebinding (a Host that is not a loopback name) ...
  if (config_.token.empty() && !is_loopback_host(request.header("Host")))
    return "the admin API answers only requests addressed to a loopback host";
  // ... nor through the developer's browser (an Origin other than the console's own) ...
  if (request.has_header("Origin")) {
    const std::string own = "http://" + std::string(request.header("Host"));
    if (request.header("Origin") != own) return "cross-origin requests to the admin API are refused";
  }
  // ... nor with a form post (which cannot send a JSON content type without a preflight).
  if ((request.method == "POST" || request.method == "PUT") && !json_content_type(request.header("Content-Type")))
    return "admin writes need Content-Type: application/json";
  return {};
}

http::Response Admin::handle(const http::Request& request) {
  if (!config_.enabled) return error(403, "the admin API is disabled: listen on loopback or set --admin-token");
  // The console's files hold no data: the page asks for the token and sends it on its API calls.
  if (request.raw_path().rfind(kConsolePath, 0) == 0) {
    if (auto why = refusal(request); !why.empty()) return error(403, why);
    if (request.method != "GET" && request.method != "HEAD") return error(405, "GET /console");
    return console_asset(request.raw_path().substr(kConsolePath.size()));
  }
  if (!config_.token.empty()) {
    std::string_view auth = request.header("Authorization");
    if (!crypto::equal(auth, "Bearer " + config_.token)) return error(401, "admin token required");
  }
  if (auto why = refusal(request); !why.empty()) return error(403, why);
  if (request.raw_path() == kMetricsPath) {
    if (request.method != "GET") return error(405, "GET /metrics");
    http::Response r;
    r.body = metrics_.render();
    r.set_header("Content-Type", "text/plain; version=0.0.4");
    return r;
  }
  std::string_view path = request.raw_path().substr(kPrefix.size());
  try {
    return route(request, path);
  } catch (const std::invalid_argument& e) {
    return error(400, e.what());
  } catch (const store::StoreFailure& e) {
    return error(503, std::string("the store is unavailable: ") + e.what());
  } catch (const std::exception& e) {
    return error(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return error(500, "internal error");
  }
}

http::Response Admin::route(const http::Request& req, std::string_view path) {
  const std::string& m = req.method;
  Value body;
  http::Response bad;
  if (path == "health" && m == "GET") {
    Value v = Value::map();
    const auto failure = store_.failure();
    v.set("status", failure ? "failing" : "ok");
    v.set("version", config_.version);
    v.set("store", config_.store);
    if (failure) v.set("reason", *failure);
    return json(failure ? 503 : 200, v);
  }
  if (path == "clock" && (m == "GET" || m == "POST")) {
    if (m == "POST") {
      if (!parse_body(req, body, bad)) return bad;
      const Value* adv = body.find("advance_seconds");
      if (!adv || (adv->kind() != Value::Kind::Int && adv->kind() != Value::Kind::Double) ||
          !std::isfinite(adv->as_double()) || adv->as_double() < 0 || adv->as_double() > kMaxAdvanceSeconds)
        return error(400, "advance_seconds must be a number of seconds from 0 to " +
                              std::to_string(static_cast<int64_t>(kMaxAdvanceSeconds)));
      service_.advance_clock(static_cast<Millis>(std::llround(adv->as_double() * 1000.0)));
    }
    Value v = Value::map();
    v.set("now", static_cast<double>(service_.now_ms()) / 1000.0);
    return json(200, v);
  }
  if (path == "snapshot" && (m == "GET" || m == "PUT")) {
    if (m == "PUT") {
      if (!parse_body(req, body, bad)) return bad;
      service_.import_snapshot(body);
      Value v = Value::map();
      v.set("status", "imported");
      return json(200, v);
    }
    return json(200, service_.export_snapshot());
  }
  if (path == "reset" && m == "POST") {
    service_.reset();
    Value v = Value::map();
    v.set("status", "reset");
    return json(200, v);
  }
  if (path == "quotas" && (m == "GET" || m == "PUT")) {
    store::Scope scope;
    if (m == "PUT") {
      if (!parse_body(req, body, bad)) return bad;
      scope = scope_from_body(body);
      Value changes = body;
      changes.as_map().erase("account_id");
      changes.as_map().erase("region");
      service_.set_quotas(scope, changes);
    } else {
      scope = scope_from_query(req.raw_query());
    }
    Value v = service_.quotas(scope).to_value();
    v.set("account_id", scope.account_id);
    v.set("region", scope.region);
    return json(200, v);
  }
  if (path == "inventory" && (m == "GET" || m == "POST")) {
    if (m == "POST") {
      if (!parse_body(req, body, bad)) return bad;
      const Value* blocks = body.find("blocks");
      if (!blocks || !blocks->is_list()) return error(400, "blocks must be a list");
      std::vector<inventory::BlockSpec> specs;
      for (const auto& b : blocks->as_list()) {
        if (!b.is_map() || !b.opt_string("country") || !b.opt_string("type") || !b.opt_string("prefix") ||
            !b.opt_int("length"))
          return error(400, "each block needs country, type, prefix and length");
        if (*b.opt_int("length") < 2 || *b.opt_int("length") > 16)
          return error(400, "length counts the '+' and the digits of an E.164 number: 2 to 16");
        specs.push_back({*b.opt_string("country"), *b.opt_string("type"), *b.opt_string("prefix"),
                         static_cast<int>(*b.opt_int("length"))});
      }
      service_.add_blocks(specs);
    }
    Value list = Value::list();
    for (const auto& b : service_.blocks()) {
      Value v = Value::map();
      v.set("country", b.country);
      v.set("type", b.type);
      v.set("prefix", b.prefix);
      v.set("length", int64_t{b.length});
      list.push_back(std::move(v));
    }
    Value v = Value::map();
    v.set("blocks", std::move(list));
    return json(200, v);
  }
  if (path == "external-numbers" && (m == "GET" || m == "POST")) {
    if (m == "POST") {
      if (!parse_body(req, body, bad)) return bad;
      const Value* numbers = body.find("numbers");
      if (!numbers || !numbers->is_list()) return error(400, "numbers must be a list");
      std::vector<store::ExternalNumber> list;
      for (const auto& n : numbers->as_list()) {
        if (!n.is_map() || !n.opt_string("source_arn") || !n.opt_string("phone_number") || !n.opt_string("country") ||
            !n.opt_string("type"))
          return error(400, "each number needs source_arn, phone_number, country and type");
        list.push_back({*n.opt_string("source_arn"), *n.opt_string("phone_number"), *n.opt_string("country"),
                        *n.opt_string("type")});
      }
      service_.add_external_numbers(list);
    }
    Value list = Value::list();
    for (const auto& n : service_.external_numbers()) {
      Value v = Value::map();
      v.set("source_arn", n.source_arn);
      v.set("phone_number", n.number);
      v.set("country", n.country);
      v.set("type", n.type);
      list.push_back(std::move(v));
    }
    Value v = Value::map();
    v.set("numbers", std::move(list));
    return json(200, v);
  }
  if (path == "faults" && (m == "GET" || m == "POST" || m == "DELETE")) {
    if (m == "POST") {
      if (!parse_body(req, body, bad)) return bad;
      service_.add_fault_rule(connect::FaultRule::from_value(body));
    } else if (m == "DELETE") {
      std::string id = query_param(req.raw_query(), "id");
      if (id.empty())
        service_.clear_fault_rules();
      else if (!service_.remove_fault_rule(id))
        return error(404, "no fault rule " + id);
    }
    Value list = Value::list();
    for (const auto& r : service_.fault_rules()) list.push_back(r.to_value());
    Value v = Value::map();
    v.set("faults", std::move(list));
    return json(200, v);
  }
  if (path == "accounts" && m == "GET") return accounts();
  if (path == "state" && m == "GET") return state(scope_from_query(req.raw_query()));
  if ((path == "search" || path == "claim" || path == "release") && m == "POST") {
    if (!parse_body(req, body, bad)) return bad;
    const store::Scope scope = scope_from_body(body);
    Value in = Value::map();
    // The domain expects model-validated input: the members' types and ranges are checked here.
    auto copy = [&](const char* from, const char* to) {
      const Value* v = body.find(from);
      if (!v) return;
      const bool ok = std::string_view(from) == "max_results"
                          ? v->kind() == Value::Kind::Int && v->as_int() >= 1 && v->as_int() <= 10
                      : std::string_view(from) == "tags"
                          ? v->is_map() && v->as_map().size() <= 50 &&
                                std::all_of(v->as_map().begin(), v->as_map().end(),
                                            [](const auto& kv) { return kv.second.is_string(); })
                          : v->is_string() && v->as_string().size() <= 500;
      if (!ok) throw std::invalid_argument(std::string(from) + " has the wrong type or is out of range");
      in.set(to, *v);
    };
    if (path == "search") {
      copy("target_arn", "TargetArn");
      copy("country", "PhoneNumberCountryCode");
      copy("type", "PhoneNumberType");
      copy("prefix", "PhoneNumberPrefix");
      copy("max_results", "MaxResults");
      return domain_call(scope, "SearchAvailablePhoneNumbers", in);
    }
    if (path == "claim") {
      copy("target_arn", "TargetArn");
      copy("phone_number", "PhoneNumber");
      copy("description", "PhoneNumberDescription");
      copy("tags", "Tags");
      return domain_call(scope, "ClaimPhoneNumber", in);
    }
    copy("phone_number_id", "PhoneNumberId");
    return domain_call(scope, "ReleasePhoneNumber", in);
  }
  return error(404, "no admin endpoint " + req.method + " /_connect-local/" + std::string(path));
}

}  // namespace cl::admin
