#include "app/cors.hpp"

#include <string_view>

namespace cl::app::cors {

namespace {

constexpr size_t kMaxEchoedHeaders = 4096;

// RFC 9110 token characters, plus the list separators of Access-Control-Request-Headers.
bool header_list_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~, ").find(c) != std::string_view::npos;
}

bool well_formed_header_list(std::string_view list) {
  if (list.empty() || list.size() > kMaxEchoedHeaders) return false;
  for (char c : list)
    if (!header_list_char(c)) return false;
  return list.find_first_not_of(", ") != std::string_view::npos;
}

}  // namespace

http::Response preflight(const http::Request& request) {
  http::Response r;
  r.status = 200;
  const std::string_view requested = request.header("Access-Control-Request-Headers");
  r.set_header("Access-Control-Allow-Origin", "*");
  r.set_header("Access-Control-Allow-Methods", kAllowMethods);
  r.set_header("Access-Control-Allow-Headers",
               well_formed_header_list(requested) ? std::string(requested) : std::string(kDefaultAllowHeaders));
  r.set_header("Access-Control-Expose-Headers", kExposeHeaders);
  r.set_header("Access-Control-Max-Age", kMaxAgeSeconds);
  return r;
}

void add_response_headers(http::Response& response) {
  response.set_header("Access-Control-Allow-Origin", "*");
  response.set_header("Access-Control-Expose-Headers", kExposeHeaders);
}

}  // namespace cl::app::cors
