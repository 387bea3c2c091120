#pragma once
// JSON text <-> Value (UTF-8 validated). Map keys are written in sorted order, so equal values give
// equal text (idempotency fingerprints rely on it).
#include <string>
#include <string_view>

#include "common/value.hpp"

namespace cl {

std::string to_json(const Value& value);
// False (and `error` set) when the text is not one well-formed JSON document.
bool from_json(std::string_view text, Value& out, std::string* error = nullptr);

}  // namespace cl
