#include "app/sts.hpp"

#include <exception>
#include <optional>
#include <string_view>

#include "common/aws_error.hpp"
#include "common/crypto.hpp"
#include "common/percent.hpp"

namespace cl::app::sts {

namespace {

constexpr const char* kXmlns = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr const char* kOperation = "GetCallerIdentity";
constexpr const char* kRoleName = "connect-local";

// application/x-www-form-urlencoded: '+' is a space, then %XX escapes.
std::optional<std::string> form_decode(std::string_view in) {
  std::string plus_free(in);
  for (char& c : plus_free)
    if (c == '+') c = ' ';
  return percent::decode(plus_free);
}

struct Params {
  std::optional<std::string> action, version;
};

// Action and Version from the query string and, on POST, the form body (the first occurrence wins).
bool read_params(const http::Request& request, Params& p) {
  bool ok = true;
  auto scan = [&](std::string_view raw) {
    percent::for_each_query_part(raw, [&](std::string_view name, std::string_view value) {
      std::optional<std::string>* slot = name == "Action" ? &p.action : name == "Version" ? &p.version : nullptr;
      if (!slot || *slot) return;
      auto v = form_decode(value);
      if (!v) ok = false;
      *slot = v.value_or("");
    });
  };
  scan(request.raw_query());
  if (request.method == "POST") scan(request.body);
  return ok;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  return out;
}

http::Response xml(unsigned status, std::string body, const std::string& request_id) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "text/xml");
  r.set_header("x-amzn-RequestId", request_id);
  return r;
}

http::Response error(unsigned status, const std::string& code, const std::string& message,
                     const std::string& request_id) {
  const char* type = status >= 500 ? "Receiver" : "Sender";
  return xml(status,
             std::string("<ErrorResponse xmlns=\"") + kXmlns + "\">\n  <Error>\n    <Type>" + type +
                 "</Type>\n    <Code>" + code + "</Code>\n    <Message>" + xml_escape(message) +
                 "</Message>\n  </Error>\n  <RequestId>" + request_id + "</RequestId>\n</ErrorResponse>\n",
             request_id);
}

// The query protocol's names for the SigV4 failures the verifier reports.
std::pair<unsigned, std::string> sts_auth_error(const std::string& code) {
  if (code == errors::kMissingAuthenticationToken) return {403, "MissingAuthenticationToken"};
  if (code == errors::kIncompleteSignature) return {400, "IncompleteSignature"};
  if (code == errors::kUnrecognizedClient) return {403, "InvalidClientTokenId"};
  if (code == errors::kInvalidSignature) return {403, "SignatureDoesNotMatch"};
  if (code == errors::kAccessDenied) return {403, "AccessDenied"};
  return {400, code};
}

// 17 characters of [A-Z2-7], as in AWS unique ids (AIDA..., AROA...).
std::string unique_suffix(std::string_view seed) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const crypto::Digest d = crypto::sha256(seed);
  std::string out;
  for (size_t i = 0; i < 17; ++i) out += kAlphabet[d[i] & 31];
  return out;
}

bool carries_session_token(const http::Request& request) {
  return request.has_header("X-Amz-Security-Token") ||
         request.raw_query().find("X-Amz-Security-Token=") != std::string_view::npos;
}

}  // namespace

bool handles(const http::Request& request) {
  return (request.method == "POST" || request.method == "GET") && request.raw_path() == "/";
}

CallerIdentity caller_identity(const std::string& account_id, const std::string& access_key_id, bool session) {
  CallerIdentity c;
  c.account = account_id;
  if (session) {
    c.user_id = "AROA" + unique_suffix("role:" + account_id + ":" + kRoleName) + ":" + access_key_id;
    c.arn = "arn:aws:sts::" + account_id + ":assumed-role/" + kRoleName + "/" + access_key_id;
  } else {
    c.user_id = "AIDA" + unique_suffix("user:" + account_id + ":" + access_key_id);
    c.arn = "arn:aws:iam::" + account_id + ":user/" + access_key_id;
  }
  return c;
}

Outcome handle(const http::Request& request, const auth::Verifier& verifier, Millis wall_now_ms,
               const std::string& request_id) {
  Outcome out;
  out.operation = kOperation;  // until the action is known to be something else
  try {
    const auth::Identity id = verifier.verify(request, wall_now_ms, auth::kStsSignedService);
    Params p;
    if (!read_params(request, p)) {
      out.code = "MalformedQueryString";
      out.response = error(400, out.code, "Malformed percent-encoding in the request parameters", request_id);
      return out;
    }
    if (!p.action || p.action->empty()) {
      out.code = "MissingAction";
      out.response = error(400, out.code, "Missing Action", request_id);
      return out;
    }
    const std::string version = p.version.value_or(kVersion);
    if (*p.action != kOperation || version != kVersion) {
      out.operation = "Unrouted";  // never a client-chosen metric label
      out.code = "InvalidAction";
      out.response =
          error(400, out.code, "Could not find operation " + *p.action + " for version " + version, request_id);
      return out;
    }
    const bool session = id.credential ? !id.credential->session_token.empty() : carries_session_token(request);
    const CallerIdentity c = caller_identity(id.account_id, id.access_key_id, session);
    out.code = "OK";
    out.response = xml(200,
                       std::string("<GetCallerIdentityResponse xmlns=\"") + kXmlns +
                           "\">\n  <GetCallerIdentityResult>\n    <Arn>" + xml_escape(c.arn) + "</Arn>\n    <UserId>" +
                           xml_escape(c.user_id) + "</UserId>\n    <Account>" + c.account +
                           "</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>" +
                           request_id + "</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
                       request_id);
  } catch (const AwsException& e) {
    auto [status, code] = sts_auth_error(e.error().code);
    out.code = code;
    out.response = error(status, code, e.error().message, request_id);
  } catch (const std::exception& e) {
    out.code = "InternalFailure";
    out.response = error(500, out.code, "An internal error occurred. Request id: " + request_id, request_id);
  }
  return out;
}

}  // namespace cl::app::sts
