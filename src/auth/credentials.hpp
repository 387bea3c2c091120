#pragma once
// The credentials the verifier accepts. With no file, one credential exists: access key `test`,
// secret `test`, account 000000000000 (Credentials::defaults()).
//
// Credentials file (JSON, UTF-8):
//   {"credentials": [
//     {"access_key_id": "AKIDEXAMPLE",                                  // required, non-empty, unique
//      "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  // required, non-empty
//      "account_id": "123456789012",                                    // required, exactly 12 digits
//      "session_token": "FQoG...",   // optional: when set, requests must carry this X-Amz-Security-Token
//      "policy": {"Version": "2012-10-17", "Statement": [...]},  // optional IAM-style policy (policy.hpp),
//                                                                // an object or a string holding one
//      "description": "free text"}   // optional, ignored
//   ]}
// Any other member is rejected (a misspelt "policy" must not silently grant full access), as are
// an empty list, duplicate access keys and malformed policies.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/policy.hpp"

namespace cl::auth {

struct Credential {
  std::string access_key_id, secret_access_key, account_id, session_token;
  std::optional<Policy> policy;  // empty: full access
};

class Credentials {
 public:
  Credentials() = default;
  // One credential: test/test, account 000000000000.
  static Credentials defaults();
  // Throws std::runtime_error("credentials file '<path>': <what is wrong, where>").
  static Credentials load_file(const std::string& path);
  // The same format from a string; `origin` names the source in error messages.
  static Credentials parse(std::string_view json, const std::string& origin = "credentials");
  // Throws std::runtime_error on an invalid credential (empty key, bad account id, duplicate key).
  void add(Credential credential);

  // nullptr when unknown. The pointer stays valid while this object (or the object it is moved into) lives.
  const Credential* find(std::string_view access_key_id) const;
  size_t size() const { return index_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Nodes of an unordered_map never move, so pointers to the values are stable.
  std::unordered_map<std::string, Credential, Hash, std::equal_to<>> index_;
};

bool valid_account_id(std::string_view account_id);

}  // namespace cl::auth
