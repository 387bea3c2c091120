#include "common/aws_error.hpp"

#include <array>
#include <utility>

namespace cl {

std::optional<int> non_model_error_status(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, int>, 11> kTable{{
      {"SerializationException", 400},
      {"UnknownOperationException", 404},
      {"NotImplementedException", 501},
      {"MissingAuthenticationTokenException", 403},
      {"IncompleteSignatureException", 400},
      {"UnrecognizedClientException", 403},
      {"InvalidSignatureException", 403},
      {"RequestEntityTooLargeException", 413},
      {"BadRequestException", 400},
      {"RequestTimeoutException", 408},
      {"ServiceUnavailableException", 503},
  }};
  for (const auto& [c, s] : kTable)
    if (c == code) return s;
  return std::nullopt;
}

}  // namespace cl
