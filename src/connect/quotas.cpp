#include "connect/quotas.hpp"

#include <stdexcept>

#include "common/value_json.hpp"

namespace cl::connect {

namespace {
std::string key(const store::Scope& s) { return "quotas/" + s.account_id + "/" + s.region; }

// Bounds keep every derived time and count far from overflow.
constexpr int64_t kMaxCount = 1'000'000'000;
constexpr int64_t kMaxDays = 36'500;

int64_t bounded(const Value& v, const char* name, int64_t max) {
  if (v.kind() != Value::Kind::Int || v.as_int() < 0 || v.as_int() > max)
    throw std::invalid_argument(std::string(name) + " must be an integer from 0 to " + std::to_string(max));
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
  if (auto* x = v.find("phone_numbers_per_instance"))
    phone_numbers_per_instance = bounded(*x, "phone_numbers_per_instance", kMaxCount);
  if (auto* x = v.find("instances")) instances = bounded(*x, "instances", kMaxCount);
  if (auto* x = v.find("claim_release_window_days"))
    claim_release_window_days = bounded(*x, "claim_release_window_days", kMaxDays);
  if (auto* x = v.find("cooldown_days")) cooldown_days = bounded(*x, "cooldown_days", kMaxDays);
  if (auto* x = v.find("claim_release_ratio")) {
    if ((x->kind() != Value::Kind::Int && x->kind() != Value::Kind::Double) || !(x->as_double() >= 0) ||
        x->as_double() > 1000)
      throw std::invalid_argument("claim_release_ratio must be a number from 0 to 1000");
    claim_release_ratio = x->as_double();
  }
  if (auto* x = v.find("claim_release_rule")) {
    if (x->kind() != Value::Kind::Bool) throw std::invalid_argument("claim_release_rule must be a boolean");
    claim_release_rule = x->as_bool();
  }
}

namespace {
bool same(const Quotas& a, const Quotas& b) {
  return a.phone_numbers_per_instance == b.phone_numbers_per_instance && a.instances == b.instances &&
         a.claim_release_ratio == b.claim_release_ratio && a.claim_release_window_days == b.claim_release_window_days &&
         a.claim_release_rule == b.claim_release_rule && a.cooldown_days == b.cooldown_days;
}
}  // namespace

Quotas load_quotas(store::ReadTxn& t, const store::Scope& scope, const Quotas& defaults) {
  auto text = t.setting(key(scope));
  if (!text) return defaults;
  // Every claim reads its scope's quotas: the last text parsed on this thread is kept, parsed.
  thread_local std::string last_text;
  thread_local Quotas last_defaults, last;
  thread_local bool cached = false;
  if (cached && *text == last_text && same(defaults, last_defaults)) return last;
  Quotas q = defaults;
  Value v;
  if (from_json(*text, v)) q.apply(v);
  last_text = std::move(*text);
  last_defaults = defaults;
  last = q;
  cached = true;
  return q;
}

void save_quotas(store::WriteTxn& t, const store::Scope& scope, const Quotas& q) {
  t.put_setting(key(scope), to_json(q.to_value()));
}

}  // namespace cl::connect
