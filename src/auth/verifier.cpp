#include "auth/verifier.hpp"

#include <vector>

#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/percent.hpp"

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

// The presigned (query) form's parameters, decoded.
struct PresignParams {
  bool algorithm_set = false, credential_set = false, date_set = false, signed_headers_set = false,
       signature_set = false, expires_set = false, token_set = false;
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
      if (set) return;  // the first occurrence wins
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

// The headers authentication reads, found in one pass (the first occurrence of each wins).
struct AuthHeaders {
  const std::string* authorization = nullptr;
  const std::string* amz_date = nullptr;
  const std::string* security_token = nullptr;
  const std::string* content_sha256 = nullptr;
};

AuthHeaders scan_headers(const http::Request& request) {
  AuthHeaders a;
  auto take = [](const std::string*& slot, const http::Header& h) {
    if (!slot) slot = &h.value;
  };
  for (const auto& h : request.headers) {
    switch (h.name.size()) {
      case 13:
        if (ascii_iequals(h.name, "authorization")) take(a.authorization, h);
        break;
      case 10:
        if (ascii_iequals(h.name, "x-amz-date")) take(a.amz_date, h);
        break;
      case 20:
        if (ascii_iequals(h.name, "x-amz-security-token"))
          take(a.security_token, h);
        else if (ascii_iequals(h.name, "x-amz-content-sha256"))
          take(a.content_sha256, h);
        break;
      default:
        break;
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

void check_time(const SignedRequest& sr, int64_t request_ms, Millis now_ms) {
  if (request_ms > now_ms + kMaxClockSkewMs)
    raise(errors::kInvalidSignature, "Signature not yet current: " + std::string(sr.amz_date) +
                                         " is still later than " + format_amz_date(now_ms + kMaxClockSkewMs) + " (" +
                                         format_amz_date(now_ms) + " + 15 min.)");
  if (sr.presigned && sr.expires_seconds >= 0) {
    if (now_ms > request_ms + sr.expires_seconds * 1000)
      raise(errors::kInvalidSignature, "Signature expired: " + std::string(sr.amz_date) + " is now earlier than " +
                                           format_amz_date(now_ms - sr.expires_seconds * 1000) + " (" +
                                           format_amz_date(now_ms) + " - " + std::to_string(sr.expires_seconds) +
                                           " sec.)");
    return;
  }
  if (request_ms < now_ms - kMaxClockSkewMs)
    raise(errors::kInvalidSignature, "Signature expired: " + std::string(sr.amz_date) + " is now earlier than " +
                                         format_amz_date(now_ms - kMaxClockSkewMs) + " (" + format_amz_date(now_ms) +
                                         " - 15 min.)");
}

}  // namespace

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
    if (valid_region(scope.region)) id.region = scope.region;
  } else if (!credential.empty()) {
    id.access_key_id = credential.substr(0, credential.find('/'));
  }
  if (id.region.empty()) id.region = kDefaultRegion;
  id.account_id = valid_account_id(id.access_key_id) ? id.access_key_id : kDefaultAccountId;
  return id;
}

Identity Verifier::verify(const http::Request& request, Millis wall_now_ms, std::string_view signed_service) const {
  if (mode_ == Mode::Off) return verify_off(request);

  SignedRequest sr;
  PresignParams presign;  // owns the decoded values of the query form
  const AuthHeaders headers = scan_headers(request);
  const bool has_authorization = headers.authorization != nullptr;
  const bool has_presign = find_presign_params(request.raw_query(), presign);

  if (has_authorization && has_presign)
    raise(errors::kIncompleteSignature,
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
          "parameter or the Authorization header should be specified");
  if (!has_authorization && !has_presign) raise(errors::kMissingAuthenticationToken, "Missing Authentication Token");

  if (has_authorization) {
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
    if (a.algorithm != kAlgorithm)
      raise(errors::kIncompleteSignature,
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
    sr.credential = a.credential;
    sr.signed_headers = a.signed_headers;
    sr.signature = a.signature;
    sr.amz_date = *headers.amz_date;
    if (headers.security_token) {
      sr.has_security_token = true;
      sr.security_token = *headers.security_token;
    }
  } else {
    const PresignParams& p = presign;
    if (!p.credential_set || !p.date_set || !p.signed_headers_set || !p.signature_set)
      raise(errors::kIncompleteSignature, kPresignRequired);
    if (p.algorithm != kAlgorithm)
      raise(errors::kIncompleteSignature,
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
    if (p.expires_set) {
      const bool negative = !p.expires.empty() && p.expires[0] == '-';
      const std::string_view digits = std::string_view(p.expires).substr(negative ? 1 : 0);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        raise(errors::kIncompleteSignature, "X-Amz-Expires should be a number");
      if (negative) raise(errors::kIncompleteSignature, "X-Amz-Expires must be non-negative");
      sr.expires_seconds = 0;
      for (char c : digits) {
        sr.expires_seconds = sr.expires_seconds * 10 + (c - '0');
        if (sr.expires_seconds > kMaxPresignedExpiresSeconds)
          raise(errors::kIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
      }
    }
    sr.presigned = true;
    sr.credential = p.credential;
    sr.signed_headers = p.signed_headers;
    sr.signature = p.signature;
    sr.amz_date = p.date;
    sr.has_security_token = p.token_set;
    sr.security_token = p.token;
  }

  int64_t request_ms = 0;
  if (!parse_amz_date(sr.amz_date, request_ms))
    raise(errors::kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '" + std::string(sr.amz_date) +
                                            "'. See http://en.wikipedia.org/wiki/ISO_8601");

  CredentialScope scope;
  if (!parse_credential(sr.credential, scope))
    raise(errors::kIncompleteSignature,
          "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
              std::string(sr.credential) + "'");
  if (scope.terminator != kTerminator)
    raise(errors::kInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                                         std::string(scope.terminator) + "'. ");
  if (scope.service != signed_service)
    raise(errors::kInvalidSignature,
          "Credential should be scoped to correct service: '" + std::string(signed_service) + "'. ");
  if (!valid_region(scope.region))
    raise(errors::kInvalidSignature,
          "Credential should be scoped to a valid region, not '" + std::string(scope.region) + "'. ");
  if (scope.date != sr.amz_date.substr(0, 8))
    raise(errors::kInvalidSignature,
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
              std::string(scope.date) + "' != '" + std::string(sr.amz_date.substr(0, 8)) + "', from '" +
              std::string(sr.amz_date) + "'.");
  if (!signed_headers_include_host(sr.signed_headers))
    raise(errors::kInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  check_time(sr, request_ms, wall_now_ms);

  const Credential* cred = credentials_.find(scope.access_key_id);
  if (!cred) raise(errors::kUnrecognizedClient, kInvalidToken);
  if (!cred->session_token.empty() &&
      (!sr.has_security_token || !crypto::equal(sr.security_token, cred->session_token)))
    raise(errors::kUnrecognizedClient, kInvalidToken);

  HexDigest payload_scratch;
  const std::string_view declared =
      headers.content_sha256 ? std::string_view(*headers.content_sha256) : std::string_view{};
  const std::string_view payload =
      payload_hash(request.body, headers.content_sha256 ? &declared : nullptr, payload_scratch);
  const crypto::Digest key = cache_->get(cred->secret_access_key, scope.date, scope.region, scope.service);

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
  if (!matches({})) {
    const std::string_view raw_path = request.raw_path();
    std::string alt = canonical_uri(normalized_path(raw_path));
    if (alt == canonical_uri(raw_path) || !matches(alt)) raise(errors::kInvalidSignature, kMismatch);
  }

  Identity id;
  id.account_id = cred->account_id;
  id.region = scope.region;
  id.access_key_id = scope.access_key_id;
  id.credential = cred;
  return id;
}

}  // namespace cl::auth
