#pragma once
// Helpers shared by the auth tests: capture loading (RapidJSON) and a tiny test-side signer.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "auth/sigv4.hpp"
#include "common/aws_error.hpp"
#include "http/message.hpp"

namespace cl::auth::test {

inline constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr const char* kAccount = "123456789012";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fixtures_dir() { return CL_AUTH_FIXTURES_DIR; }
// Requests captured from boto3, the AWS CLI and the JS SDK v3 (a copy of the reference captures).
inline std::string captures_dir() { return fixtures_dir() + "/wire-captures"; }

// One captured request: what was on the wire plus the expected canonical request.
struct Capture {
  std::string file;
  size_t index = 0;
  http::Request request;
  std::string canonical_request;
  std::string access_key, region, signed_headers, signature;
};

inline std::vector<std::string> capture_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(captures_dir()))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

inline std::vector<Capture> load_captures() {
  std::vector<Capture> out;
  for (const auto& path : capture_files()) {
    rapidjson::Document doc;
    const std::string text = read_file(path);
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
      ADD_FAILURE() << "cannot parse " << path;
      continue;
    }
    size_t i = 0;
    for (const auto& r : doc["requests"].GetArray()) {
      Capture c;
      c.file = std::filesystem::path(path).filename().string();
      c.index = i++;
      c.request.method = str(r["method"]);
      c.request.target = str(r["raw_target"]);
      for (const auto& h : r["headers"].GetArray()) c.request.headers.push_back({str(h[0]), str(h[1])});
      c.request.body = str(r["body_raw"]);
      c.canonical_request = str(r["sigv4_verification"]["canonical_request"]);
      const auto& a = r["authorization"];
      c.access_key = str(a["access_key"]);
      c.region = str(a["scope_parts"]["region"]);
      c.signature = str(a["signature"]);
      std::string sh;
      for (const auto& h : a["signed_headers"].GetArray()) sh += (sh.empty() ? "" : ";") + str(h);
      c.signed_headers = sh;
      out.push_back(std::move(c));
    }
  }
  return out;
}

inline void set_header(http::Request& r, const std::string& name, const std::string& value) {
  for (auto& h : r.headers)
    if (http::iequals(h.name, name)) {
      h.value = value;
      return;
    }
  r.headers.push_back({name, value});
}

inline void remove_header(http::Request& r, const std::string& name) {
  r.headers.erase(std::remove_if(r.headers.begin(), r.headers.end(),
                                 [&](const http::Header& h) { return http::iequals(h.name, name); }),
                  r.headers.end());
}

inline std::string header(const http::Request& r, const std::string& name) { return std::string(r.header(name)); }

// Signs `r` in the header form with the library's own pure functions (for negative tests that need
// a request the real clients never send).
inline void sign(http::Request& r, const std::string& access_key, const std::string& secret,
                 const std::string& amz_date, const std::string& region, const std::string& signed_headers,
                 const std::string& service = "connect") {
  set_header(r, "X-Amz-Date", amz_date);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = credential_scope(date, region, service);
  const std::string cr = canonical_request(r, signed_headers, payload_hash(r));
  const std::string sig = signature(signing_key(secret, date, region, service), string_to_sign(amz_date, scope, cr));
  set_header(r, "Authorization",
             "AWS4-HMAC-SHA256 Credential=" + access_key + "/" + scope + ", SignedHeaders=" + signed_headers +
                 ", Signature=" + sig);
}

inline http::Request basic_request() {
  http::Request r;
  r.method = "GET";
  r.target = "/instance/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  r.headers = {{"Host", "127.0.0.1:18080"}, {"User-Agent", "test"}};
  return r;
}

// Runs `f`, expects an AwsException with `code` (and `message` when non-empty); returns the message.
template <typename F>
std::string expect_aws_error(F&& f, const std::string& code, const std::string& message = {}) {
  try {
    f();
  } catch (const AwsException& e) {
    EXPECT_EQ(e.error().code, code) << e.error().message;
    if (!message.empty()) {
      EXPECT_EQ(e.error().message, message);
    }
    return e.error().message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected AwsException " << code << ", got std::exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected AwsException " << code << ", nothing thrown";
  return {};
}

}  // namespace cl::auth::test
