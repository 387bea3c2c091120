#include "admin/admin.hpp"

#include <stdexcept>

#include "common/crypto.hpp"
#include "common/percent.hpp"
#include "common/value_json.hpp"

namespace cl::admin {

namespace {

constexpr const char* kClockOffsetKey = "clock_offset_ms";

http::Response json(unsigned status, const Value& body) {
  http::Response r;
  r.status = status;
  r.body = to_json(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

http::Response error(unsigned status, const std::string& message) {
  Value v = Value::map();
  v.set("error", message);
  return json(status, v);
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

}  // namespace

Admin::Admin(AdminConfig config, store::Store& store, OffsetClock& clock, connect::Service& service,
             connect::FaultRules& faults, const Metrics& metrics)
    : config_(std::move(config)), store_(store), clock_(clock), service_(service), faults_(faults), metrics_(metrics) {}

bool Admin::handles(std::string_view raw_path) { return raw_path.rfind(kPrefix, 0) == 0 || raw_path == kMetricsPath; }

void Admin::load_clock() {
  store_.read([&](store::Txn& t) {
    if (auto v = t.setting(kClockOffsetKey)) clock_.set_offset_ms(std::stoll(*v));
  });
}

http::Response Admin::handle(const http::Request& request) {
  if (!config_.enabled) return error(403, "the admin API is disabled: listen on loopback or set --admin-token");
  if (!config_.token.empty()) {
    std::string_view auth = request.header("Authorization");
    if (!crypto::equal(auth, "Bearer " + config_.token)) return error(401, "admin token required");
  }
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
  }
}

http::Response Admin::route(const http::Request& req, std::string_view path) {
  const std::string& m = req.method;
  Value body;
  http::Response bad;
  if (path == "health" && m == "GET") {
    Value v = Value::map();
    v.set("status", "ok");
    v.set("version", config_.version);
    v.set("store", store_.backend());
    return json(200, v);
  }
  if (path == "clock" && (m == "GET" || m == "POST")) {
    if (m == "POST") {
      if (!parse_body(req, body, bad)) return bad;
      const Value* adv = body.find("advance_seconds");
      if (!adv || (adv->kind() != Value::Kind::Int && adv->kind() != Value::Kind::Double) || adv->as_double() < 0)
        return error(400, "advance_seconds must be a non-negative number");
      const Millis offset = clock_.offset_ms() + static_cast<Millis>(adv->as_double() * 1000.0);
      store_.write([&](store::Txn& t) { t.put_setting(kClockOffsetKey, std::to_string(offset)); });
      clock_.set_offset_ms(offset);
    }
    Value v = Value::map();
    v.set("now", static_cast<double>(clock_.now_ms()) / 1000.0);
    return json(200, v);
  }
  if (path == "reset" && m == "POST") {
    clock_.set_offset_ms(0);
    service_.reset(clock_.now_ms());
    faults_.clear();
    Value v = Value::map();
    v.set("status", "reset");
    return json(200, v);
  }
  if (path == "quotas" && (m == "GET" || m == "PUT")) {
    store::Scope scope;
    if (m == "PUT") {
      if (!parse_body(req, body, bad)) return bad;
      scope.account_id = body.string_or("account_id", "000000000000");
      scope.region = body.string_or("region", "us-east-1");
      Value changes = body;
      changes.as_map().erase("account_id");
      changes.as_map().erase("region");
      service_.set_quotas(scope, changes);
    } else {
      scope.account_id = query_param(req.raw_query(), "account_id");
      scope.region = query_param(req.raw_query(), "region");
      if (scope.account_id.empty()) scope.account_id = "000000000000";
      if (scope.region.empty()) scope.region = "us-east-1";
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
        if (!b.is_map() || !b.opt_string("country") || !b.opt_string("type") || !b.opt_string("prefix") || !b.opt_int("length"))
          return error(400, "each block needs country, type, prefix and length");
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
      faults_.add(connect::FaultRule::from_value(body));
    } else if (m == "DELETE") {
      std::string id = query_param(req.raw_query(), "id");
      if (id.empty())
        faults_.clear();
      else if (!faults_.remove(id))
        return error(404, "no fault rule " + id);
    }
    Value list = Value::list();
    for (const auto& r : faults_.list()) list.push_back(r.to_value());
    Value v = Value::map();
    v.set("faults", std::move(list));
    return json(200, v);
  }
  return error(404, "no admin endpoint " + req.method + " /_connect-local/" + std::string(path));
}

}  // namespace cl::admin
