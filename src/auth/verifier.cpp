#include "auth/verifier.hpp"

#include <vector>

#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/percent.hpp"
#include "common/resource_ref.hpp"
#include "common/time_format.hpp"

namespace cl::auth {

namespace {

using errors::raise;

constexpr const char* kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";
constexpr const char* kInvalidToken = "The security token included in the request is invalid.";
constexpr const char* kPresignRequired =
    "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
    "'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.";
constexpr const char* kPresignRepeated =
    "AWS query-string parameters must include each of 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
    "'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token' at most once. Re-examine the query-string "
    "parameters.";

// The presigned (query) form's parameters, decoded.
struct PresignParams {
  bool algorithm_set = false, credential_set = false, date_set = false, signed_headers_set = false,
       signature_set = false, expires_set = false, token_set = false;
  bool repeated = false;  // an authentication parameter given twice
  std::string algorithm, credential, date, signed_headers, signature, expires, token;
};

std::string decoded(std::string_view s) {
  if (s.find('%') == std::string_view::npos) return std::string(s);
  auto d = percent::decode(s);
  return d ? std::move(*d) : std::string(s);
}

// False when the query carries no X-Amz-Algorithm (not the presigned form).
bool find_presign_params(std::string_view raw_query, PresignParams& p) {
  if (raw_query.find("X-Amz-") == std::string_view::npos) return false;
  percent::for_each_query_part(raw_query, [&](std::string_view name, std::string_view value) {
    auto take = [&](bool& set, std::string& into) {
      if (set) {
        p.repeated = true;  // refused in Verify mode; Mode::Off keeps the first
        return;
      }
      set = true;
      into = decoded(value);
    };
    if (name == "X-Amz-Algorithm")
      take(p.algorithm_set, p.algorithm);
    else if (name == "X-Amz-Credential")
      take(p.credential_set, p.credential);
    else if (name == "X-Amz-Date")
      take(p.date_set, p.date);
    else if (name == "X-Amz-SignedHeaders")
      take(p.signed_headers_set, p.signed_headers);
    else if (name == "X-Amz-Signature")
      take(p.signature_set, p.signature);
    else if (name == "X-Amz-Expires")
      take(p.expires_set, p.expires);
    else if (name == "X-Amz-Security-Token")
      take(p.token_set, p.token);
  });
  return p.algorithm_set;
}

bool signed_headers_include_host(std::string_view signed_headers) {
  size_t pos = 0;
  while (pos <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', pos);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    if (ascii_iequals(signed_headers.substr(pos, semi - pos), "host")) return true;
    pos = semi + 1;
  }
  return false;
}

// botocore signs normalize_url_path(path): dot segments resolved, empty segments dropped. Clients
// send such paths verbatim, so a mismatch is retried with the normalised form.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> segs;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      continue;
    }
    segs.push_back(seg);
  }
  std::string out = "/";
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i) out += '/';
    out.append(segs[i]);
  }
  if (!segs.empty() && !path.empty() && path.back() == '/') out += '/';
  return out;
}

// The headers authentication reads, found in one pass (the first occurrence of each; `repeated`
// names one that came twice: which copy a signer meant is unknowable, so Verify mode refuses).
struct AuthHeaders {
  const std::string* authorization = nullptr;
  const std::string* amz_date = nullptr;
  const std::string* security_token = nullptr;
  const std::string* content_sha256 = nullptr;
  const char* repeated = nullptr;
};

AuthHeaders scan_headers(const http::Request& request) {
  AuthHeaders a;
  auto take = [&a](const std::string*& slot, const http::Header& h, const char* name) {
    if (!slot)
      slot = &h.value;
    else if (!a.repeated)
      a.repeated = name;
  };
  for (const auto& h : request.headers) {
    switch (h.name.size()) {
      case 13:
        if (ascii_iequals(h.name, "authorization")) take(a.authorization, h, "Authorization");
        break;
      case 10:
        if (ascii_iequals(h.name, "x-amz-date")) take(a.amz_date, h, "X-Amz-Date");
        break;
      case 20:
        if (ascii_iequals(h.name, "x-amz-security-token"))
          take(a.security_token, h, "X-Amz-Security-Token");
        else if (ascii_iequals(h.name, "x-amz-content-sha256"))
          take(a.content_sha256, h, "X-Amz-Content-Sha256");
        break;
      default: break;
    }
  }
  return a;
}

// What both forms reduce to before the common checks.
struct SignedRequest {
  std::string_view credential, amz_date, signed_headers, signature, security_token;
  bool has_security_token = false;
  bool presigned = false;
  int64_t expires_seconds = -1;  // presigned only; -1 when absent
};

[[noreturn]] void unsupported_algorithm() {
  raise(errors::kIncompleteSignature,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
}

// Step 1a: the Authorization header form.
SignedRequest read_header_form(const AuthHeaders& headers) {
  const std::string_view header = *headers.authorization;
  const AuthorizationHeader a = parse_authorization(header);
  const bool has_date = headers.amz_date != nullptr;
  if (!a.has_credential || !a.has_signature || !a.has_signed_headers || !has_date) {
    std::string msg;
    if (!a.has_credential) msg += "Authorization header requires 'Credential' parameter. ";
    if (!a.has_signature) msg += "Authorization header requires 'Signature' parameter. ";
    if (!a.has_signed_headers) msg += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!has_date) msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    msg += "Authorization=";
    msg.append(header);
    raise(errors::kIncompleteSignature, std::move(msg));
  }
  if (a.algorithm != kAlgorithm) unsupported_algorithm();
  SignedRequest sr;
  sr.credential = a.credential;
  sr.signed_headers = a.signed_headers;
  sr.signature = a.signature;
  sr.amz_date = *headers.amz_date;
  if (headers.security_token) {
    sr.has_security_token = true;
    sr.security_token = *headers.security_token;
  }
  return sr;
}

// X-Amz-Expires: digits, at most a week.
int64_t parse_expires(std::string_view expires) {
  const bool negative = !expires.empty() && expires[0] == '-';
  const std::string_view digits = expires.substr(negative ? 1 : 0);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
    raise(errors::kIncompleteSignature, "X-Amz-Expires should be a number");
  if (negative) raise(errors::kIncompleteSignature, "X-Amz-Expires must be non-negative");
  int64_t seconds = 0;
  for (char c : digits) {
    seconds = seconds * 10 + (c - '0');
    if (seconds > kMaxPresignedExpiresSeconds)
      raise(errors::kIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  return seconds;
}

// Step 1b: the presigned query form (views point into `p`).
SignedRequest read_presigned_form(const PresignParams& p, const AuthHeaders& headers) {
  if (!p.credential_set || !p.date_set || !p.signed_headers_set || !p.signature_set)
    raise(errors::kIncompleteSignature, kPresignRequired);
  if (p.repeated) raise(errors::kIncompleteSignature, kPresignRepeated);
  if (p.algorithm != kAlgorithm) unsupported_algorithm();
  SignedRequest sr;
  if (p.expires_set) sr.expires_seconds = parse_expires(p.expires);
  sr.presigned = true;
  sr.credential = p.credential;
  sr.signed_headers = p.signed_headers;
  sr.signature = p.signature;
  sr.amz_date = p.date;
  // A token may travel in the query or (as some signers put it) in the header; never both.
  if (p.token_set && headers.security_token) raise(errors::kIncompleteSignature, kPresignRepeated);
  sr.has_security_token = p.token_set || headers.security_token;
  sr.security_token = p.token_set              ? std::string_view(p.token)
                      : headers.security_token ? std::string_view(*headers.security_token)
                                               : std::string_view{};
  return sr;
}

// Step 1: exactly one authentication mechanism, read into a SignedRequest.
SignedRequest read_signed_request(const http::Request& request, const AuthHeaders& headers, PresignParams& presign) {
  const bool has_authorization = headers.authorization != nullptr;
  const bool has_presign = find_presign_params(request.raw_query(), presign);
  if (has_authorization && has_presign)
    raise(errors::kIncompleteSignature,
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
          "parameter or the Authorization header should be specified");
  if (!has_authorization && !has_presign) raise(errors::kMissingAuthenticationToken, "Missing Authentication Token");
  if (headers.repeated)
    raise(errors::kIncompleteSignature,
          std::string("The request carries more than one '") + headers.repeated + "' header; exactly one is allowed.");
  return has_authorization ? read_header_form(headers) : read_presigned_form(presign, headers);
}

// Step 2: the date and the credential scope (terminator, service, region, day, signed Host).
struct Scope {
  CredentialScope credential;
  int64_t request_ms = 0;
};

Scope check_scope(const SignedRequest& sr, std::string_view expected_service) {
  Scope s;
  if (!parse_amz_date(sr.amz_date, s.request_ms))
    raise(errors::kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '" + std::string(sr.amz_date) +
                                            "'. See http://en.wikipedia.org/wiki/ISO_8601");
  CredentialScope& scope = s.credential;
  if (!parse_credential(sr.credential, scope))
    raise(errors::kIncompleteSignature,
          "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
              std::string(sr.credential) + "'");
  if (scope.terminator != kTerminator)
    raise(errors::kInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                                         std::string(scope.terminator) + "'. ");
  if (scope.service != expected_service)
    raise(errors::kInvalidSignature,
          "Credential should be scoped to correct service: '" + std::string(expected_service) + "'. ");
  if (!signing_region(scope.region))
    raise(errors::kInvalidSignature,
          "Credential should be scoped to a valid region, not '" + std::string(scope.region) + "'. ");
  if (scope.date != sr.amz_date.substr(0, 8))
    raise(errors::kInvalidSignature,
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
              std::string(scope.date) + "' != '" + std::string(sr.amz_date.substr(0, 8)) + "', from '" +
              std::string(sr.amz_date) + "'.");
  if (!signed_headers_include_host(sr.signed_headers))
    raise(errors::kInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  return s;
}

// Step 3: X-Amz-Date within 15 minutes of the server clock (presigned: within X-Amz-Expires).
void check_time(const SignedRequest& sr, int64_t request_ms, Millis now_ms) {
  if (request_ms > now_ms + kMaxClockSkewMs)
    raise(errors::kInvalidSignature, "Signature not yet current: " + std::string(sr.amz_date) +
                                         " is still later than " + cl::amz_date(now_ms + kMaxClockSkewMs) + " (" +
                                         cl::amz_date(now_ms) + " + 15 min.)");
  if (sr.presigned && sr.expires_seconds >= 0) {
    if (now_ms > request_ms + sr.expires_seconds * 1000)
      raise(errors::kInvalidSignature, "Signature expired: " + std::string(sr.amz_date) + " is now earlier than " +
                                           cl::amz_date(now_ms - sr.expires_seconds * 1000) + " (" +
                                           cl::amz_date(now_ms) + " - " + std::to_string(sr.expires_seconds) +
                                           " sec.)");
    return;
  }
  if (request_ms < now_ms - kMaxClockSkewMs)
    raise(errors::kInvalidSignature, "Signature expired: " + std::string(sr.amz_date) + " is now earlier than " +
                                         cl::amz_date(now_ms - kMaxClockSkewMs) + " (" + cl::amz_date(now_ms) +
                                         " - 15 min.)");
}

// Step 4: a known access key, and a session token exactly when the credential has one.
const Credential& check_credential(const Credentials& credentials, const CredentialScope& scope,
                                   const SignedRequest& sr) {
  const Credential* cred = credentials.find(scope.access_key_id);
  if (!cred) raise(errors::kUnrecognizedClient, kInvalidToken);
  if (cred->session_token.empty()) {
    if (sr.has_security_token) raise(errors::kUnrecognizedClient, kInvalidToken);
  } else if (!sr.has_security_token || !crypto::equal(sr.security_token, cred->session_token)) {
    raise(errors::kUnrecognizedClient, kInvalidToken);
  }
  return *cred;
}

// Step 5: the signature, over the path as sent or (botocore) its normalised form.
void check_signature(const http::Request& request, const AuthHeaders& headers, const SignedRequest& sr,
                     const CredentialScope& scope, const crypto::Digest& key) {
  HexDigest payload_scratch;
  const std::string_view declared =
      headers.content_sha256 ? std::string_view(*headers.content_sha256) : std::string_view{};
  const std::string_view payload =
      payload_hash(request.body, headers.content_sha256 ? &declared : nullptr, payload_scratch);

  thread_local std::string canonical, to_sign;
  auto matches = [&](std::string_view canonical_path) {
    canonical.clear();
    append_canonical_request(canonical, request, sr.signed_headers, payload, sr.presigned, canonical_path);
    to_sign.clear();
    append_string_to_sign(to_sign, sr.amz_date, scope.scope, canonical);
    HexDigest expected;
    signature(key, to_sign, expected);
    return crypto::equal(std::string_view(expected.data(), expected.size()), sr.signature);
  };
  if (matches({})) return;
  const std::string_view raw_path = request.raw_path();
  std::string alt = canonical_uri(normalized_path(raw_path));
  if (alt == canonical_uri(raw_path) || !matches(alt)) raise(errors::kInvalidSignature, kMismatch);
}

}  // namespace

bool signed_service(std::string_view service) { return service == kSignedService; }

bool signing_region(std::string_view region) { return is_connect_region(region); }

Verifier::Verifier(Credentials credentials, Mode mode)
    : credentials_(std::move(credentials)), mode_(mode), cache_(std::make_unique<SigningKeyCache>()) {}

Identity Verifier::verify_off(const http::Request& request) const {
  Identity id;
  std::string credential;
  const AuthHeaders headers = scan_headers(request);
  if (headers.authorization) {
    auto a = parse_authorization(*headers.authorization);
    if (a.has_credential) credential = a.credential;
  } else {
    PresignParams p;
    if (find_presign_params(request.raw_query(), p) && p.credential_set) credential = std::move(p.credential);
  }
  CredentialScope scope;
  if (!credential.empty() && parse_credential(credential, scope)) {
    id.access_key_id = scope.access_key_id;
    // Signatures are not checked, but resources still live only where Amazon Connect runs.
    if (valid_region(scope.region)) {
      if (!signing_region(scope.region))
        raise(errors::kInvalidSignature,
              "Credential should be scoped to a valid region, not '" + std::string(scope.region) + "'. ");
      id.region = scope.region;
    }
  } else if (!credential.empty()) {
    id.access_key_id = credential.substr(0, credential.find('/'));
  }
  if (id.region.empty()) id.region = kDefaultRegion;
  id.account_id = valid_account_id(id.access_key_id) ? id.access_key_id : kDefaultAccountId;
  return id;
}

Identity Verifier::verify(const http::Request& request, Millis wall_now_ms, std::string_view expected_service) const {
  if (mode_ == Mode::Off) return verify_off(request);
  const AuthHeaders headers = scan_headers(request);
  PresignParams presign;  // owns the decoded values of the query form
  const SignedRequest sr = read_signed_request(request, headers, presign);
  const Scope scope = check_scope(sr, expected_service);
  check_time(sr, scope.request_ms, wall_now_ms);
  const Credential& cred = check_credential(credentials_, scope.credential, sr);
  const CredentialScope& cs = scope.credential;
  check_signature(request, headers, sr, cs, cache_->get(cred.secret_access_key, cs.date, cs.region, cs.service));

  Identity id;
  id.account_id = cred.account_id;
  id.region = cs.region;
  id.access_key_id = cs.access_key_id;
  id.credential = &cred;
  return id;
}

}  // namespace cl::auth
