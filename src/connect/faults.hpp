#pragma once
// Fault rules (admin API): for an operation and an optional number prefix, fail a fraction of
// requests with a given error code, or make claims settle to FAILED with a given message. The rules
// live in the store, so every node applies the same ones; each node matches requests against its
// cached copy, and a rule with a firing limit is consumed in the store (consume_fault_rule), where
// the limit holds across nodes.
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/aws_error.hpp"
#include "common/value.hpp"
#include "store/store.hpp"

namespace cl::connect {

struct FaultRule {
  std::string id;
  std::string operation;      // e.g. "ClaimPhoneNumber"; "*" for every operation
  std::string prefix;         // E.164 prefix the request's number must start with; "" for any
  double probability = 1.0;   // 0..1
  std::string error_code;     // fail the request with this code ...
  std::string message;        // ... and message
  std::string claim_failure;  // or: the workflow settles to FAILED with this message
  bool after_commit = false;  // error rules: fail after the change is made (a lost response)
  int64_t times = -1;         // fire at most this many times; -1: no limit

  Value to_value() const;
  // Throws std::invalid_argument naming the bad member.
  static FaultRule from_value(const Value& v);
  store::FaultRuleRecord to_record() const;
  // nullopt for a record this version cannot read.
  static std::optional<FaultRule> from_record(const store::FaultRuleRecord& r);
};

class FaultRules {
 public:
  // A rule that matched a request (and won its probability draw).
  struct Fired {
    std::string rule_id;
    bool limited = false;  // it must be consumed in the store before it fires
    AwsError error;        // error rules
    std::string claim_failure;
  };
  void load(std::vector<FaultRule> rules);
  std::vector<FaultRule> list() const;
  bool empty() const;
  // The error rule that fires for this request: before the operation runs, or (after_commit) once
  // its change is durable.
  std::optional<Fired> error_for(const std::string& operation, const std::string& number, bool after_commit);
  // The FAILED message rule that fires for this claim workflow.
  std::optional<Fired> claim_failure_for(const std::string& operation, const std::string& number);
  // Whether a rule with a firing limit could match this request (it then runs as a write, where the
  // limit is consumed).
  bool limited_rule_matches(const std::string& operation, const std::string& number) const;
  // A limited rule fired (consumed in the store): count it down here too.
  void consumed(const std::string& rule_id);

 private:
  static bool matches(const FaultRule& r, const std::string& operation, const std::string& number);
  bool draw(const FaultRule& r);
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;
  std::mt19937_64 rng_{0x5eed};
};

}  // namespace cl::connect
