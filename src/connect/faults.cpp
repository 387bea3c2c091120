#include "connect/faults.hpp"

#include <stdexcept>

#include "common/value_json.hpp"

namespace cl::connect {

Value FaultRule::to_value() const {
  Value v = Value::map();
  v.set("id", id);
  v.set("operation", operation);
  if (!prefix.empty()) v.set("prefix", prefix);
  v.set("probability", probability);
  if (!error_code.empty()) {
    v.set("error_code", error_code);
    v.set("message", message);
  }
  if (!claim_failure.empty()) v.set("claim_failure_message", claim_failure);
  if (after_commit) v.set("after_commit", true);
  if (times >= 0) v.set("times", times);
  return v;
}

FaultRule FaultRule::from_value(const Value& v) {
  if (!v.is_map()) throw std::invalid_argument("a fault rule must be a JSON object");
  FaultRule r;
  r.operation = v.string_or("operation", "");
  if (r.operation.empty()) throw std::invalid_argument("operation is required (an operation name or \"*\")");
  r.prefix = v.string_or("prefix", "");
  if (!r.prefix.empty() && r.prefix[0] != '+')
    throw std::invalid_argument("prefix must be an E.164 prefix starting with '+'");
  if (const Value* p = v.find("probability")) {
    if ((p->kind() != Value::Kind::Int && p->kind() != Value::Kind::Double) || !(p->as_double() >= 0) ||
        p->as_double() > 1)
      throw std::invalid_argument("probability must be a number from 0 to 1");
    r.probability = p->as_double();
  }
  r.error_code = v.string_or("error_code", "");
  r.message = v.string_or("message", r.error_code.empty() ? "" : "Injected fault");
  r.claim_failure = v.string_or("claim_failure_message", "");
  if (r.error_code.empty() == r.claim_failure.empty())
    throw std::invalid_argument("give exactly one of error_code or claim_failure_message");
  if (r.claim_failure.size() > 255) throw std::invalid_argument("claim_failure_message is at most 255 characters");
  if (r.operation.size() > 128 || r.prefix.size() > 16 || r.error_code.size() > 128 || r.message.size() > 1024)
    throw std::invalid_argument("operation, prefix, error_code or message is too long");
  if (const Value* a = v.find("after_commit")) {
    if (a->kind() != Value::Kind::Bool) throw std::invalid_argument("after_commit must be a boolean");
    r.after_commit = a->as_bool();
    if (r.after_commit && r.error_code.empty()) throw std::invalid_argument("after_commit applies to error_code rules");
  }
  if (const Value* n = v.find("times")) {
    if (n->kind() != Value::Kind::Int || n->as_int() < 0)
      throw std::invalid_argument("times must be a non-negative integer");
    r.times = n->as_int();
  }
  return r;
}

store::FaultRuleRecord FaultRule::to_record() const {
  Value definition = to_value();
  definition.as_map().erase("id");
  definition.as_map().erase("times");
  return {id, to_json(definition), times >= 0 ? std::optional<int64_t>(times) : std::nullopt};
}

std::optional<FaultRule> FaultRule::from_record(const store::FaultRuleRecord& rec) {
  Value v;
  if (!from_json(rec.definition, v)) return std::nullopt;
  try {
    FaultRule r = from_value(v);
    r.id = rec.id;
    r.times = rec.times_left.value_or(-1);
    return r;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

void FaultRules::load(std::vector<FaultRule> rules) {
  std::lock_guard lk(mu_);
  rules_ = std::move(rules);
}

std::vector<FaultRule> FaultRules::list() const {
  std::lock_guard lk(mu_);
  return rules_;
}

bool FaultRules::empty() const {
  std::lock_guard lk(mu_);
  return rules_.empty();
}

bool FaultRules::matches(const FaultRule& r, const std::string& operation, const std::string& number) {
  if (r.times == 0) return false;
  if (r.operation != "*" && r.operation != operation) return false;
  return r.prefix.empty() || number.rfind(r.prefix, 0) == 0;
}

bool FaultRules::draw(const FaultRule& r) {
  return r.probability >= 1.0 || std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < r.probability;
}

std::optional<FaultRules::Fired> FaultRules::error_for(const std::string& operation, const std::string& number,
                                                       bool after_commit) {
  std::lock_guard lk(mu_);
  for (const auto& r : rules_)
    if (!r.error_code.empty() && r.after_commit == after_commit && matches(r, operation, number) && draw(r))
      return Fired{r.id, r.times >= 0, errors::make(r.error_code, r.message), {}};
  return std::nullopt;
}

std::optional<FaultRules::Fired> FaultRules::claim_failure_for(const std::string& operation,
                                                               const std::string& number) {
  std::lock_guard lk(mu_);
  for (const auto& r : rules_)
    if (!r.claim_failure.empty() && matches(r, operation, number) && draw(r))
      return Fired{r.id, r.times >= 0, {}, r.claim_failure};
  return std::nullopt;
}

bool FaultRules::limited_rule_matches(const std::string& operation, const std::string& number) const {
  std::lock_guard lk(mu_);
  for (const auto& r : rules_)
    if (r.times > 0 && matches(r, operation, number)) return true;
  return false;
}

void FaultRules::consumed(const std::string& rule_id) {
  std::lock_guard lk(mu_);
  for (auto& r : rules_)
    if (r.id == rule_id && r.times > 0) --r.times;
}

}  // namespace cl::connect
