// Fuzz target: arbitrary bytes through the HTTP request framing (RequestReader), delivered in
// pieces as reads would deliver them, requests pipelined back to back. Nothing may crash or throw,
// every refusal is a 4xx/5xx, every request stays within the limits, and the bytes the reader asks
// to keep buffered stay bounded (the class of bug where a line that never ends grows without limit).
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/parser.hpp"

namespace {

[[noreturn]] void violated() { __builtin_trap(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Small limits, so the fuzzer reaches every one of them.
  static const cl::http::Limits limits = [] {
    cl::http::Limits l;
    l.max_request_line = 512;
    l.max_header_count = 16;
    l.max_header_bytes = 2048;
    l.max_body_bytes = 4096;
    l.max_chunk_line = 64;
    l.max_trailer_bytes = 256;
    l.max_trailer_count = 4;
    l.max_framing_bytes = 1024;
    return l;
  }();
  const size_t max_buffered =
      limits.max_header_bytes + limits.max_request_line + limits.max_chunk_line + limits.max_trailer_bytes + 8;
  // The first byte sets the read size: 1 byte at a time up to everything at once.
  const size_t piece = data[0] == 0 ? size : data[0];
  const char* in = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;

  cl::http::RequestReader reader(limits);
  cl::http::Request req;
  reader.start(req);
  std::string buffer;
  size_t pos = 0;
  for (;;) {
    const size_t take = std::min(piece, n - pos);
    buffer.append(in + pos, take);
    pos += take;
    bool need_more = false;
    while (!need_more) {
      size_t consumed = 0;
      const auto status = reader.feed(buffer, consumed);
      if (consumed > buffer.size()) violated();
      buffer.erase(0, consumed);
      switch (status) {
        case cl::http::RequestReader::Status::NeedMore:
          if (buffer.size() > max_buffered + piece) violated();
          need_more = true;
          break;
        case cl::http::RequestReader::Status::HeaderDone: break;
        case cl::http::RequestReader::Status::Done:
          if (req.body.size() > limits.max_body_bytes || req.headers.size() > limits.max_header_count + 1) violated();
          if (req.target.empty() || req.target[0] != '/') violated();
          reader.start(req);  // the next pipelined request
          break;
        case cl::http::RequestReader::Status::Error: {
          const auto& e = reader.error();
          if (e.status < 400 || e.status > 599 || e.message.empty()) violated();
          return 0;
        }
      }
    }
    if (pos == n) return 0;
  }
}
