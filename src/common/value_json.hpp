#pragma once
// JSON text <-> Value (UTF-8 validated). Map keys are written in sorted order, so equal values give
// equal text (idempotency fingerprints rely on it).
#include <string>
#include <string_view>

#include "common/value.hpp"

namespace cl {

std::string to_json(const Value& value);
// False (and `error` set) when the text is not one well-formed JSON document, or is nested more than
// 64 levels deep.
bool from_json(std::string_view text, Value& out, std::string* error = nullptr);

bool valid_utf8(std::string_view s);
// Replaces each byte that does not start a valid UTF-8 sequence with U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace cl
