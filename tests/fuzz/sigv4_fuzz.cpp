// Fuzz target: the SigV4 parsers that read client bytes. Input: "<Authorization value>\n<query>\n<body>".
// The Authorization value and the query (presigned form) go through the verifier in both modes,
// and through the pure parsers on their own. Nothing may crash, hang or throw anything but
// AwsException; what the parsers return must point into their input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sigv4.hpp"
#include "auth/verifier.hpp"
#include "common/aws_error.hpp"
#include "common/time_format.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cl::auth::Verifier verifier(cl::auth::Credentials::defaults(), cl::auth::Mode::Verify);
  static const cl::auth::Verifier open_verifier(cl::auth::Credentials::defaults(), cl::auth::Mode::Off);
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string authorization = text.substr(0, nl);
  const size_t nl2 = nl == std::string::npos ? std::string::npos : text.find('\n', nl + 1);
  const std::string query =
      nl == std::string::npos ? "" : text.substr(nl + 1, nl2 == std::string::npos ? nl2 : nl2 - nl - 1);
  const std::string body = nl2 == std::string::npos ? "" : text.substr(nl2 + 1);

  const cl::auth::AuthorizationHeader a = cl::auth::parse_authorization(authorization);
  require(inside(a.algorithm, authorization) && inside(a.credential, authorization) &&
          inside(a.signed_headers, authorization) && inside(a.signature, authorization));
  cl::auth::CredentialScope scope;
  if (cl::auth::parse_credential(a.credential, scope)) require(inside(scope.scope, a.credential));
  int64_t ms = 0;
  if (cl::parse_amz_date(authorization, ms)) require(cl::amz_date(ms) == authorization);
  (void)cl::auth::canonical_query(query, false);
  (void)cl::auth::canonical_query(query, true);

  cl::http::Request header_form;
  header_form.method = "POST";
  header_form.target = "/phone-number/claim";
  header_form.headers = {{"Host", "localhost"}, {"Authorization", authorization}, {"X-Amz-Date", "20261126T160108Z"}};
  header_form.body = body;
  cl::http::Request query_form;
  query_form.method = "GET";
  query_form.target = "/instance?" + query;
  query_form.headers = {{"Host", "localhost"}};
  for (const auto* r : {&header_form, &query_form}) {
    for (const auto* v : {&verifier, &open_verifier}) {
      try {
        v->verify(*r, 1'795'000'000'000);
      } catch (const cl::AwsException&) {}
    }
  }
  return 0;
}
