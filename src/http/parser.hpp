#pragma once
// HTTP/1.1 request framing without sockets: bytes in, a Request (or a refusal) out. The session
// feeds it what it reads; the fuzz target feeds it arbitrary bytes. Every byte it asks the caller to
// keep buffered (request line, header block, chunk-size lines, trailers) is bounded by Limits.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/server.hpp"

namespace cl::http {

struct ParseError {
  unsigned status = 0;    // 4xx/5xx to answer; the connection is closed after it
  const char* code = "";  // errors:: name
  std::string message;
};

class RequestReader {
 public:
  enum class Status {
    NeedMore,    // everything usable was consumed; keep the rest and read more
    HeaderDone,  // the header block is complete and valid, the body is not (100-continue point)
    Done,        // the request is complete
    Error,       // refused: answer error() and close
  };

  explicit RequestReader(const Limits& limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Starts a new request, parsed into `req` (method, target, headers, body are overwritten).
  void start(Request& req);
  // Parses from `data` (all bytes buffered and not yet consumed); `consumed` says how many the
  // caller may drop. HeaderDone is returned once per request; call again to go on with the body.
  Status feed(std::string_view data, size_t& consumed);

  bool started() const;   // a request is being parsed (start() called, not yet Done)
  bool got_some() const;  // bytes of the current request were consumed
  bool header_done() const;
  bool keep_alive() const;  // after Done
  bool http10() const;
  bool expect_continue() const;
  const ParseError& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cl::http
