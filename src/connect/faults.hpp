#pragma once
// Fault rules (admin API): for an operation and an optional number prefix, fail a fraction of
// requests with a given error code, or make claims settle to FAILED with a given message.
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/aws_error.hpp"
#include "common/value.hpp"

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
};

class FaultRules {
 public:
  std::string add(FaultRule rule);  // returns the rule id
  bool remove(const std::string& id);
  void clear();
  std::vector<FaultRule> list() const;
  // The error a matching rule injects into this request, if one fires: before the operation runs,
  // or (after_commit) once it has run and its change is durable.
  std::optional<AwsError> injected_error(const std::string& operation, const std::string& number,
                                         bool after_commit = false);
  // The FAILED message a matching rule gives this claim workflow, if one fires.
  std::optional<std::string> claim_failure(const std::string& operation, const std::string& number);

 private:
  bool fires(FaultRule& r, const std::string& operation, const std::string& number);
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;
  std::mt19937_64 rng_{0x5eed};
  int next_id_ = 1;
};

}  // namespace cl::connect
