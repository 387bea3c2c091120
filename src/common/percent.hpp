#pragma once
// RFC 3986 percent-encoding as AWS uses it: unreserved = A-Z a-z 0-9 - _ . ~, upper-case hex,
// '+' is a literal plus (never a space).
#include <optional>
#include <string>
#include <string_view>

namespace cl::percent {

// Decodes %XX escapes; nullopt on a malformed escape.
std::optional<std::string> decode(std::string_view in);
// Encodes every byte outside the unreserved set; `keep_slash` leaves '/' as is.
std::string encode(std::string_view in, bool keep_slash = false);

}  // namespace cl::percent
