#include "common/aws_error.hpp"

#include <array>
#include <utility>

namespace cl {

std::optional<int> non_model_error_status(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, int>, 11> kTable{{
      {errors::kSerialization, 400},
      {errors::kUnknownOperation, 404},
      {errors::kNotImplemented, 501},
      {errors::kMissingAuthenticationToken, 403},
      {errors::kIncompleteSignature, 400},
      {errors::kUnrecognizedClient, 403},
      {errors::kInvalidSignature, 403},
      {errors::kRequestEntityTooLarge, 413},
      {errors::kBadRequest, 400},
      {errors::kRequestTimeout, 408},
      {errors::kServiceUnavailable, 503},
  }};
  for (const auto& [c, s] : kTable)
    if (c == code) return s;
  return std::nullopt;
}

namespace errors {

AwsError make(std::string code, std::string message, Value fields) {
  return AwsError{std::move(code), std::move(message), std::move(fields), 0};
}

AwsError with_status(std::string code, std::string message, int http_status) {
  return AwsError{std::move(code), std::move(message), {}, http_status};
}

AwsError internal(std::string message) { return make(kInternalService, std::move(message)); }

void raise_in_use(std::string message, std::string resource_type, std::string resource_id) {
  Value fields = Value::map();
  fields.set("ResourceType", std::move(resource_type));
  fields.set("ResourceId", std::move(resource_id));
  throw AwsException(make(kResourceInUse, std::move(message), std::move(fields)));
}

void raise_invalid_contact_flow(std::string problem) {
  Value entry = Value::map();
  entry.set("message", std::move(problem));
  Value fields = Value::map();
  fields.set("problems", Value(Value::List{std::move(entry)}));
  throw AwsException(make(kInvalidContactFlow, "The flow is not valid.", std::move(fields)));
}

}  // namespace errors
}  // namespace cl
