// Fuzz target: one raw request (method, target, headers, body) through everything that reads
// client bytes before the domain: SigV4 verification, routing, parsing, validation, and the error
// response. Nothing may crash, hang or throw anything but AwsException.
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/verifier.hpp"
#include "common/aws_error.hpp"
#include "protocol/model.hpp"
#include "protocol/rest_json.hpp"
#include "protocol/router.hpp"

namespace {

// Input layout: lines "METHOD TARGET", then "Name: value" header lines, an empty line, the body.
cl::http::Request to_request(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  cl::http::Request req;
  size_t pos = text.find('\n');
  std::string first = text.substr(0, pos);
  size_t sp = first.find(' ');
  req.method = first.substr(0, sp);
  req.target = sp == std::string::npos ? "/" : first.substr(sp + 1);
  while (pos != std::string::npos) {
    size_t next = text.find('\n', pos + 1);
    std::string line = text.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    pos = next;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    req.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  if (pos != std::string::npos) req.body = text.substr(pos + 1);
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cl::protocol::Model& model = cl::protocol::Model::embedded();
  static const cl::protocol::Router router(model);
  static const cl::auth::Verifier verifier(cl::auth::Credentials::defaults(), cl::auth::Mode::Verify);
  static const cl::auth::Verifier open_verifier(cl::auth::Credentials::defaults(), cl::auth::Mode::Off);
  cl::http::Request req = to_request(data, size);
  try {
    verifier.verify(req, 1'790'000'000'000);
  } catch (const cl::AwsException& e) {
    cl::protocol::error_response(model, e.error());
  }
  try {
    open_verifier.verify(req, 1'790'000'000'000);
    auto match = router.route(req.method, req.raw_path());
    cl::Value input = cl::protocol::parse_input(match, req);
    cl::protocol::validate_input(*match.operation, input);
    cl::protocol::serialize_output(match.operation->output, input);
  } catch (const cl::AwsException& e) {
    cl::protocol::error_response(model, e.error());
  }
  return 0;
}
