#pragma once
// Plain request/response values: what the HTTP layer hands the application and takes back.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cl::http {

struct Header {
  std::string name;  // as sent on the wire (case preserved)
  std::string value;
};

struct Request {
  std::string method;           // "GET", "POST", ...
  std::string target;           // raw request-target exactly as sent: path plus optional "?query"
  std::vector<Header> headers;  // wire order, case preserved, duplicates kept
  std::string body;
  std::string remote_address;

  // Case-insensitive lookup of the first header with this name; empty view when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  std::string_view raw_path() const;   // target up to '?'
  std::string_view raw_query() const;  // after '?', empty when none
};

struct Response {
  unsigned status = 200;
  std::vector<Header> headers;  // the server adds Date, Content-Length, Connection
  std::string body;
  void set_header(std::string name, std::string value);
};

// Called exactly once per request, from any thread.
using Responder = std::function<void(Response)>;
// Called on an I/O thread for every complete request; must not block on I/O: hand work that
// waits (storage) to another executor and call the responder from there.
using Handler = std::function<void(Request&&, Responder)>;

// Renders an error the HTTP layer itself answers (framing, limits, timeouts, overload) into a
// response: the application decides the wire format. `code` is one of the errors:: names.
using ErrorRenderer = std::function<Response(unsigned status, std::string_view code, std::string_view message)>;

bool iequals(std::string_view a, std::string_view b);

}  // namespace cl::http
