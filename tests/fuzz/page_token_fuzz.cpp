// Fuzz target: page tokens. Opening any bytes never crashes; a token opens only for the binding that
// made it, to the position it was made with.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/page_token.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cl::PageTokens tokens("fuzz-key");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string binding = "111111111111\nus-east-1\nListPhoneNumbersV2\n";
  (void)tokens.open(binding, text);
  // Round trip, and no other binding opens it.
  const std::string token = tokens.make(binding, text);
  const auto opened = tokens.open(binding, token);
  if (token.size() <= 4096) require(opened && *opened == text);
  require(!tokens.open(binding + "x", token));
  // A token with any one byte changed does not open to another position.
  if (!token.empty()) {
    std::string changed = token;
    changed[size % changed.size()] ^= 0x01;
    const auto other = tokens.open(binding, changed);
    require(!other || *other == text);
  }
  return 0;
}
