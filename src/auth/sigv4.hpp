#pragma once
// SigV4 canonicalisation as pure functions (reference/wire.md §1; it reproduces every captured
// signature of boto3, the AWS CLI and the JS SDK v3):
//   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//   - CanonicalURI: the raw path as sent, percent-encoded again (every byte outside A-Za-z0-9-_.~/),
//     so `%3A` becomes `%253A`; no normalisation.
//   - CanonicalQuery: split on '&', then on the first '='; decode name and value, re-encode strictly
//     (unreserved only, upper-case hex), sort by encoded name then encoded value, join with '&'.
//   - CanonicalHeaders: one `name:value\n` line per SignedHeaders entry, in the given order; values
//     trimmed, inner whitespace runs collapsed to one space, repeated headers joined with ','.
//   - PayloadHash: the x-amz-content-sha256 header when present, else hex SHA-256 of the body.
//   StringToSign = "AWS4-HMAC-SHA256\n" X-Amz-Date "\n" scope "\n" hex(SHA-256(CanonicalRequest)).
//   Key = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
#include <array>
#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/crypto.hpp"
#include "http/message.hpp"

namespace cl::auth {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The parameters of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
// header. Views point into the header value; has_* tells whether a parameter was present at all.
struct AuthorizationHeader {
  std::string_view algorithm;       // first token ("AWS4-HMAC-SHA256")
  std::string_view credential;      // "AK/yyyymmdd/region/service/aws4_request"
  std::string_view signed_headers;  // "host;x-amz-date"
  std::string_view signature;       // 64 hex digits
  bool has_credential = false, has_signed_headers = false, has_signature = false;
};
// Never throws. Tolerant of spacing: parameters are separated by ',' with any spaces or tabs around
// them and around '='. Unknown parameters are ignored; the first occurrence of a parameter wins.
AuthorizationHeader parse_authorization(std::string_view header_value);

// "AK/yyyymmdd/region/service/aws4_request" split on '/'. Views point into the input.
struct CredentialScope {
  std::string_view access_key_id, date, region, service, terminator;
  std::string_view scope;  // "yyyymmdd/region/service/aws4_request" (everything after the access key)
};
// False unless the credential has exactly 5 '/'-separated elements.
bool parse_credential(std::string_view credential, CredentialScope& out);

// Region shape check: lower-case letters, digits and '-', 1..32 characters.
bool valid_region(std::string_view region);

std::string canonical_uri(std::string_view raw_path);
// `presigned`: drop X-Amz-Signature (the query form signs every parameter but that one).
std::string canonical_query(std::string_view raw_query, bool presigned = false);
// The CanonicalHeaders block: every line ends in '\n' (so the block is followed by the blank line of
// the canonical request). A signed header absent from the request canonicalises as `name:`.
std::string canonical_headers(const http::Request& request, std::string_view signed_headers);
// The payload hash that goes into the canonical request: x-amz-content-sha256 when present, else
// hex SHA-256 of the body. A header value that is neither UNSIGNED-PAYLOAD nor the body's real
// SHA-256 (hex, any case) throws InvalidSignatureException.
std::string payload_hash(const http::Request& request);
// The same rule without allocating: `declared` is the x-amz-content-sha256 value (nullptr when
// absent); a computed hash is written into `scratch` and the result views `scratch` or `*declared`.
using HexDigest = std::array<char, 64>;
std::string_view payload_hash(std::string_view body, const std::string_view* declared, HexDigest& scratch);
std::string canonical_request(const http::Request& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned = false);
// Same, appended to `out` (the verifier reuses one buffer per thread). `canonical_path` overrides the
// CanonicalURI when non-empty.
void append_canonical_request(std::string& out, const http::Request& request, std::string_view signed_headers,
                              std::string_view payload_hash, bool presigned, std::string_view canonical_path = {});

// "yyyymmdd/region/service/aws4_request"
std::string credential_scope(std::string_view date, std::string_view region, std::string_view service);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
crypto::Digest signing_key(std::string_view secret, std::string_view date, std::string_view region,
                           std::string_view service);
void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// Lower-case hex HMAC-SHA256(key, string_to_sign).
std::string signature(const crypto::Digest& signing_key, std::string_view string_to_sign);
void signature(const crypto::Digest& signing_key, std::string_view string_to_sign, HexDigest& out);

// ASCII case-insensitive equality (header names), without the locale.
bool ascii_iequals(std::string_view a, std::string_view b);

// Derived signing keys per (secret, date, region, service). A key changes once a day per region, so
// misses are rare. Each thread first looks in a tiny lock-free cache of its own, then in a bounded
// shared map (readers share the lock); when the map reaches its capacity it is cleared rather than
// tracked per entry. Thread-safe.
class SigningKeyCache {
 public:
  explicit SigningKeyCache(size_t capacity = 4096);
  crypto::Digest get(std::string_view secret, std::string_view date, std::string_view region, std::string_view service);
  // Key derivations so far (for tests and metrics).
  size_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct View {
    std::string_view secret, date, region, service;
    bool operator==(const View&) const = default;
  };
  struct Key {
    std::string secret, date, region, service;
    operator View() const { return {secret, date, region, service}; }
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const View& v) const;
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const View& a, const View& b) const { return a == b; }
  };

  const uint64_t id_;  // tags this instance's entries in the per-thread caches
  const size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<Key, crypto::Digest, Hash, Equal> keys_;
  std::atomic<size_t> misses_{0};
};

}  // namespace cl::auth
