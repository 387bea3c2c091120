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

// Calls f(name, value) for each non-empty `name[=value]` part of a raw query string, in order and
// still encoded; a part without '=' has an empty value.
template <class F>
void for_each_query_part(std::string_view raw_query, F&& f) {
  size_t pos = 0;
  while (pos < raw_query.size()) {
    size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view part = raw_query.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    f(part.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
  }
}

}  // namespace cl::percent
