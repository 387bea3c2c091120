#include "connect/quotas.hpp"

#include <stdexcept>

#include "common/value_json.hpp"

namespace cl::connect {

namespace {
std::string key(const store::Scope& s) { return "quotas/" + s.account_id + "/" + s.region; }

int64_t non_negative(const Value& v, const char* name) {
  if (v.kind() != Value::Kind::Int || v.as_int() < 0)
    throw std::invalid_argument(std::string(name) + " must be a non-negative integer");
  return v.as_int();
}
}  // namespace

Value Quotas::to_value() const {
  Value v = Value::map();
  v.set("phone_numbers_per_instance", phone_numbers_per_instance);
  v.set("instances", instances);
  v.set("claim_release_ratio", claim_release_ratio);
  v.set("claim_release_window_days", claim_release_window_days);
  v.set("claim_release_rule", claim_release_rule);
  v.set("cooldown_days", cooldown_days);
  return v;
}

void Quotas::apply(const Value& v) {
  if (!v.is_map()) throw std::invalid_argument("quotas must be a JSON object");
  if (auto* x = v.find("phone_numbers_per_instance")) phone_numbers_per_instance = non_negative(*x, "phone_numbers_per_instance");
  if (auto* x = v.find("instances")) instances = non_negative(*x, "instances");
  if (auto* x = v.find("claim_release_window_days")) claim_release_window_days = non_negative(*x, "claim_release_window_days");
  if (auto* x = v.find("cooldown_days")) cooldown_days = non_negative(*x, "cooldown_days");
  if (auto* x = v.find("claim_release_ratio")) {
    if ((x->kind() != Value::Kind::Int && x->kind() != Value::Kind::Double) || x->as_double() < 0)
      throw std::invalid_argument("claim_release_ratio must be a non-negative number");
    claim_release_ratio = x->as_double();
  }
  if (auto* x = v.find("claim_release_rule")) {
    if (x->kind() != Value::Kind::Bool) throw std::invalid_argument("claim_release_rule must be a boolean");
    claim_release_rule = x->as_bool();
  }
}

Quotas load_quotas(store::Txn& t, const store::Scope& scope, const Quotas& defaults) {
  Quotas q = defaults;
  if (auto text = t.setting(key(scope))) {
    Value v;
    if (from_json(*text, v)) q.apply(v);
  }
  return q;
}

void save_quotas(store::Txn& t, const store::Scope& scope, const Quotas& q) { t.put_setting(key(scope), to_json(q.to_value())); }

}  // namespace cl::connect
