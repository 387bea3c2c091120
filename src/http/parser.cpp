#include "http/parser.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "common/aws_error.hpp"

namespace cl::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;
using sv = beast::string_view;

// RFC 9110 5.5: field values are VCHAR, obs-text, SP and HTAB; any other control byte is refused
// (a NUL, CR or LF inside a value is how header injection starts).
bool valid_field_value(sv value) {
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// RFC 9110 5.6.2 token.
bool valid_token(sv s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) return false;
  }
  return true;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Builds the Request straight from Beast's parser callbacks: raw target, headers in wire order with
// their original case, body bytes. No beast::http::fields in between.
class BeastParser final : public bhttp::basic_parser<true> {
 public:
  BeastParser(Request& req, const Limits& limits, ParseError& error) : req_(req), limits_(limits), error_(error) {
    header_limit(static_cast<std::uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
    body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    // Stop after the header block: it is checked as a whole before any body byte is looked at.
    eager(false);
  }

  bool start_line_seen = false;
  bool expect_continue = false;
  bool in_trailer = false;
  int http_version = 11;
  std::uint64_t chunk_remaining = 0;  // bytes of the current chunk's data still to come

 private:
  void reject(error_code& ec, unsigned status, const char* code, const char* message) {
    if (error_.status == 0) {
      error_.status = status;
      error_.code = code;
      error_.message = message;
    }
    ec = bhttp::error::bad_value;
  }

  void on_request_impl(bhttp::verb, sv method, sv target, int version, error_code& ec) override {
    start_line_seen = true;
    // method SP target SP "HTTP/1.1"
    if (method.size() + target.size() + 10 > limits_.max_request_line)
      return reject(ec, 400, errors::kBadRequest, "Request line too long");
    http_version = version;
    req_.method.assign(method.data(), method.size());
    const std::string_view t(target.data(), target.size());
    if (!t.empty() && t.front() == '/') {
      req_.target.assign(t);
      allow_large_body();
      return;
    }
    // RFC 9112 3.2.2: absolute-form is accepted; the target's authority replaces Host.
    size_t scheme = starts_with_nocase(t, "http://") ? 7 : starts_with_nocase(t, "https://") ? 8 : 0;
    if (scheme == 0) return reject(ec, 400, errors::kBadRequest, "Unsupported request-target form");
    const std::string_view rest = t.substr(scheme);
    const size_t path = rest.find_first_of("/?");
    authority_.assign(rest.substr(0, path));
    if (authority_.empty() || authority_.find('@') != std::string::npos)
      return reject(ec, 400, errors::kBadRequest, "Invalid authority in the request target");
    req_.target.clear();
    if (path == std::string_view::npos || rest[path] == '?') req_.target.push_back('/');
    if (path != std::string_view::npos) req_.target.append(rest.substr(path));
    absolute_form_ = true;
    allow_large_body();
  }

  // Targets under Limits::large_body_prefix (state snapshots) may carry a larger body; the limit is
  // set here, before the header is complete, because Content-Length is checked against it then.
  void allow_large_body() {
    if (!limits_.large_body_prefix.empty() && req_.target.rfind(limits_.large_body_prefix, 0) == 0)
      body_limit(static_cast<std::uint64_t>(limits_.large_body_bytes));
  }

  void on_response_impl(int, sv, int, error_code&) override {}

  void on_field_impl(bhttp::field f, sv name, sv value, error_code& ec) override {
    if (!valid_token(name)) return reject(ec, 400, errors::kBadRequest, "Invalid header field name");
    if (!valid_field_value(value)) return reject(ec, 400, errors::kBadRequest, "Invalid character in a header value");
    if (in_trailer) {
      // Trailer fields are counted and dropped: nothing after the body may change the request.
      if (++trailer_count_ > limits_.max_trailer_count)
        return reject(ec, 400, errors::kBadRequest, "Too many trailer fields");
      return;
    }
    if (count_ >= limits_.max_header_count) return reject(ec, 431, errors::kBadRequest, "Too many request headers");
    if (f == bhttp::field::transfer_encoding) {
      ++te_fields_;
      te_chunked_only_ = te_fields_ == 1 && iequals({value.data(), value.size()}, "chunked");
    } else if (f == bhttp::field::content_length) {
      content_length_seen_ = true;
    } else if (f == bhttp::field::host) {
      ++host_fields_;
    } else if (f == bhttp::field::expect) {
      if (iequals({value.data(), value.size()}, "100-continue")) expect_continue = true;
    }
    // Reuse the strings of the previous request when the handler left them in place.
    if (count_ < req_.headers.size()) {
      auto& h = req_.headers[count_];
      h.name.assign(name.data(), name.size());
      h.value.assign(value.data(), value.size());
    } else {
      req_.headers.push_back(Header{std::string(name.data(), name.size()), std::string(value.data(), value.size())});
    }
    ++count_;
  }

  void on_header_impl(error_code& ec) override {
    req_.headers.resize(count_);
    // RFC 9112 3.2: exactly one Host in HTTP/1.1 (HTTP/1.0 may omit it).
    if (host_fields_ > 1) return reject(ec, 400, errors::kBadRequest, "More than one Host header");
    if (host_fields_ == 0 && http_version >= 11) return reject(ec, 400, errors::kBadRequest, "Missing Host header");
    if (absolute_form_) {
      bool replaced = false;
      for (auto& h : req_.headers)
        if (iequals(h.name, "Host")) {
          h.value = authority_;
          replaced = true;
        }
      if (!replaced) req_.headers.push_back({"Host", authority_});
    }
    // RFC 9112 6.1: a request with both is a smuggling attempt; refuse rather than pick one.
    if (te_fields_ != 0 && content_length_seen_)
      return reject(ec, 400, errors::kBadRequest, "Content-Length together with Transfer-Encoding");
    if (te_fields_ != 0 && !te_chunked_only_) {
      // RFC 9112 6.1: chunked must be the final coding of a request; other codings are not supported.
      if (chunked())
        return reject(ec, 501, errors::kNotImplemented, "Transfer-Encoding other than chunked is not supported");
      return reject(ec, 400, errors::kBadRequest, "Transfer-Encoding without a final chunked coding");
    }
  }

  void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override {
    if (length) req_.body.reserve(static_cast<size_t>(*length));
  }

  std::size_t on_body_impl(sv body, error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t size, sv, error_code&) override {
    if (size == 0)
      in_trailer = true;
    else
      chunk_remaining = size;
  }

  std::size_t on_chunk_body_impl(std::uint64_t, sv body, error_code&) override {
    req_.body.append(body.data(), body.size());
    chunk_remaining -= std::min<std::uint64_t>(chunk_remaining, body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& req_;
  const Limits& limits_;
  ParseError& error_;
  std::string authority_;
  size_t count_ = 0;
  size_t trailer_count_ = 0;
  unsigned te_fields_ = 0;
  unsigned host_fields_ = 0;
  bool te_chunked_only_ = false;
  bool content_length_seen_ = false;
  bool absolute_form_ = false;
};

// A pending chunk line that is the last chunk ("0", any number of zeros, then ';' or CRLF): the
// trailer section follows it and is buffered with it.
bool starts_last_chunk(std::string_view pending) {
  if (pending.size() >= 2 && pending[0] == '\r' && pending[1] == '\n') pending.remove_prefix(2);
  size_t zeros = 0;
  while (zeros < pending.size() && pending[zeros] == '0') ++zeros;
  if (zeros == 0 || zeros == pending.size()) return false;
  const char c = pending[zeros];
  return c == ';' || c == '\r' || c == ' ' || c == '\t';
}

}  // namespace

struct RequestReader::Impl {
  explicit Impl(const Limits& l) : limits(l) {}

  const Limits& limits;
  Request* req = nullptr;
  std::optional<BeastParser> parser;
  ParseError error;
  bool header_done = false;
  bool done = false;
  size_t header_scanned = 0;  // bytes of the pending header block already checked for bare CR/LF
  size_t framing_bytes = 0;   // bytes consumed after the header block (chunked: data plus framing)

  Status fail(unsigned status, const char* code, std::string message) {
    if (error.status == 0) {
      error.status = status;
      error.code = code;
      error.message = std::move(message);
    }
    return Status::Error;
  }

  // RFC 9112 2.2 and 5.2: lines end in CRLF; a bare CR or LF, or a line folded onto the previous
  // one (obs-fold), is refused. Scans what arrived since the last call.
  Status scan_header_bytes(std::string_view pending) {
    size_t i = header_scanned;
    while (i < pending.size()) {
      const char c = pending[i];
      if (c == '\n') return fail(400, errors::kBadRequest, "Bare LF in the request header");
      if (c != '\r') {
        header_scanned = ++i;
        continue;
      }
      if (i + 1 == pending.size()) break;  // wait for the byte after CR
      if (pending[i + 1] != '\n') return fail(400, errors::kBadRequest, "Bare CR in the request header");
      // An empty line ends the header block: what follows is body.
      if (i >= 2 && pending[i - 2] == '\r' && pending[i - 1] == '\n') {
        header_scanned = SIZE_MAX;
        break;
      }
      if (i + 2 == pending.size()) break;  // wait: the next line may be a continuation
      // CRLF followed by SP/HTAB continues the previous line: obs-fold.
      if (i > 0 && (pending[i + 2] == ' ' || pending[i + 2] == '\t'))
        return fail(400, errors::kBadRequest, "Obsolete line folding in the request header");
      i += 2;
      header_scanned = i;
    }
    return Status::NeedMore;
  }

  // How much of `pending` the chunk parser may look at while it waits for a chunk-size line (and,
  // after the last chunk, the trailer section): Beast buffers an unfinished line without limit.
  size_t framing_window(std::string_view pending) const {
    size_t allowed = limits.max_chunk_line + 2;  // + the CRLF that ends the previous chunk's data
    if (starts_last_chunk(pending)) allowed += limits.max_trailer_bytes + 2;
    return allowed;
  }

  Status feed(std::string_view data, size_t& consumed) {
    consumed = 0;
    if (!parser || done) return Status::Done;
    if (error.status != 0) return Status::Error;
    BeastParser& p = *parser;
    for (;;) {
      const std::string_view pending = data.substr(consumed);
      if (pending.empty()) return Status::NeedMore;
      if (!header_done && header_scanned != SIZE_MAX && scan_header_bytes(pending) == Status::Error)
        return Status::Error;
      size_t window = pending.size();
      bool bounded = false;
      if (header_done && p.chunked() && p.chunk_remaining == 0) {
        const size_t allowed = framing_window(pending);
        if (window > allowed) {
          window = allowed;
          bounded = true;
        }
      }
      error_code ec;
      const size_t used = p.put(boost::asio::const_buffer(pending.data(), window), ec);
      consumed += used;
      if (header_done) framing_bytes += used;
      if (ec == bhttp::error::need_more) {
        if (!p.start_line_seen && !header_done && pending.size() > limits.max_request_line + 2)
          return fail(400, errors::kBadRequest, "Request line too long");
        if (bounded)
          return fail(400, errors::kBadRequest,
                      p.in_trailer || starts_last_chunk(pending.substr(used)) ? "Chunked trailer section too large"
                                                                              : "Chunk-size line too long");
        return Status::NeedMore;
      }
      if (ec) return parse_error(ec);
      if (!header_done && p.is_header_done()) {
        header_done = true;
        header_scanned = 0;
        p.eager(true);
        if (p.is_done()) return finish();
        return Status::HeaderDone;
      }
      if (header_done && p.chunked() &&
          framing_bytes - std::min(framing_bytes, req->body.size()) > limits.max_framing_bytes)
        return fail(400, errors::kBadRequest, "Chunked framing overhead exceeds the limit");
      if (p.is_done()) return finish();
      if (used == 0) return Status::NeedMore;
    }
  }

  Status finish() {
    done = true;
    return Status::Done;
  }

  Status parse_error(const error_code& ec) {
    if (error.status != 0) return Status::Error;  // a callback refused the request
    if (ec == bhttp::error::body_limit)
      return fail(413, errors::kRequestEntityTooLarge,
                  "Request body is larger than the limit of " +
                      std::to_string(limits.body_limit_for(req ? std::string_view(req->target) : std::string_view())) +
                      " bytes");
    if (ec == bhttp::error::header_limit) return fail(431, errors::kBadRequest, "Request header block too large");
    if (ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_chunk_extension)
      return fail(400, errors::kBadRequest, "Malformed chunked framing");
    if (ec == bhttp::error::bad_content_length)
      return fail(400, errors::kBadRequest, "Invalid or conflicting Content-Length");
    return fail(400, errors::kBadRequest, "Malformed HTTP request");
  }
};

RequestReader::RequestReader(const Limits& limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestReader::~RequestReader() = default;

void RequestReader::start(Request& req) {
  Impl& i = *impl_;
  i.req = &req;
  req.method.clear();
  req.target.clear();
  req.body.clear();
  i.error = ParseError{};
  i.header_done = false;
  i.done = false;
  i.header_scanned = 0;
  i.framing_bytes = 0;
  i.parser.emplace(req, i.limits, i.error);
}

RequestReader::Status RequestReader::feed(std::string_view data, size_t& consumed) {
  return impl_->feed(data, consumed);
}

bool RequestReader::started() const { return impl_->parser.has_value() && !impl_->done; }
bool RequestReader::got_some() const { return impl_->parser && impl_->parser->got_some(); }
bool RequestReader::header_done() const { return impl_->header_done; }
bool RequestReader::keep_alive() const { return impl_->parser && impl_->parser->keep_alive(); }
bool RequestReader::http10() const { return impl_->parser && impl_->parser->http_version == 10; }
bool RequestReader::expect_continue() const {
  return impl_->parser && impl_->parser->expect_continue && impl_->parser->http_version >= 11;
}
const ParseError& RequestReader::error() const { return impl_->error; }

}  // namespace cl::http
