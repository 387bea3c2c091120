#pragma once
// Opaque, tamper-evident pagination tokens. A token carries the position to continue after and is
// bound (by a MAC over both) to the account, region, operation and filters that produced it.
#include <optional>
#include <string>
#include <string_view>

namespace cl {

class PageTokens {
 public:
  explicit PageTokens(std::string key) : key_(std::move(key)) {}
  // `binding` identifies the query: account, region, operation, filters.
  std::string make(std::string_view binding, std::string_view position) const;
  // The position, or nullopt when the token does not verify for this binding.
  std::optional<std::string> open(std::string_view binding, std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace cl
