#define PCRE2_CODE_UNIT_WIDTH 8
#include "protocol/pattern.hpp"

#include <pcre2.h>

#include <memory>
#include <stdexcept>

namespace cl::protocol {

namespace {
struct MatchData {
  pcre2_match_data* data;
  pcre2_match_context* ctx;
  MatchData() : data(pcre2_match_data_create(4, nullptr)), ctx(pcre2_match_context_create(nullptr)) {
    pcre2_set_match_limit(ctx, 100000);
    pcre2_set_depth_limit(ctx, 10000);
  }
  ~MatchData() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(ctx);
  }
};
thread_local MatchData tls_match;
}  // namespace

Pattern::Pattern(const std::string& source) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  auto* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOTALL, &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    throw std::runtime_error("bad model pattern '" + source + "': " + reinterpret_cast<const char*>(buf));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  code_ = code;
}

Pattern::~Pattern() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool Pattern::full_match(std::string_view subject) const {
  // PCRE2_NO_UTF_CHECK is not passed: invalid UTF-8 simply does not match.
  int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, tls_match.data, tls_match.ctx);
  return rc >= 0;
}

}  // namespace cl::protocol
