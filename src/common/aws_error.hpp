#pragma once
// The one error type. Domain and protocol code throw AwsException; exactly one place (the protocol
// layer's error serializer) turns it into a response. The HTTP status of a code comes from the
// model's error table; codes outside the Connect model (auth, framing) have theirs in aws_error.cpp.
#include <exception>
#include <optional>
#include <string>

#include "common/value.hpp"

namespace cl {

struct AwsError {
  std::string code;     // e.g. "ResourceNotFoundException"
  std::string message;  // what the client sees
  Value fields;         // modeled extra members (ResourceType, ResourceId, Reason), a map or null
  int http_status = 0;  // 0: resolved from the model (or the table of non-model codes) when serialized
};

class AwsException : public std::exception {
 public:
  explicit AwsException(AwsError e) : error_(std::move(e)) {}
  AwsException(std::string code, std::string message) : error_{std::move(code), std::move(message), {}, 0} {}
  const AwsError& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  AwsError error_;
};

// HTTP status for error codes that are not shapes of the Connect model (SigV4, framing, routing).
std::optional<int> non_model_error_status(std::string_view code);

namespace errors {
// Codes used across modules, spelled once.
inline constexpr const char* kInvalidParameter = "InvalidParameterException";
inline constexpr const char* kInvalidRequest = "InvalidRequestException";
inline constexpr const char* kResourceNotFound = "ResourceNotFoundException";
inline constexpr const char* kResourceInUse = "ResourceInUseException";
inline constexpr const char* kResourceConflict = "ResourceConflictException";
inline constexpr const char* kIdempotency = "IdempotencyException";
inline constexpr const char* kServiceQuotaExceeded = "ServiceQuotaExceededException";
inline constexpr const char* kThrottling = "ThrottlingException";
inline constexpr const char* kAccessDenied = "AccessDeniedException";
inline constexpr const char* kInternalService = "InternalServiceException";
inline constexpr const char* kSerialization = "SerializationException";
inline constexpr const char* kUnknownOperation = "UnknownOperationException";
inline constexpr const char* kNotImplemented = "NotImplementedException";
inline constexpr const char* kMissingAuthenticationToken = "MissingAuthenticationTokenException";
inline constexpr const char* kIncompleteSignature = "IncompleteSignatureException";
inline constexpr const char* kUnrecognizedClient = "UnrecognizedClientException";
inline constexpr const char* kInvalidSignature = "InvalidSignatureException";
inline constexpr const char* kRequestEntityTooLarge = "RequestEntityTooLargeException";
inline constexpr const char* kBadRequest = "BadRequestException";
inline constexpr const char* kRequestTimeout = "RequestTimeoutException";
inline constexpr const char* kServiceUnavailable = "ServiceUnavailableException";
inline constexpr const char* kInvalidContactFlow = "InvalidContactFlowException";
inline constexpr const char* kDuplicateResource = "DuplicateResourceException";
inline constexpr const char* kContactFlowNotPublished = "ContactFlowNotPublishedException";

// The codes whose HTTP status comes from the model's error table (tests/common checks each is there).
inline constexpr const char* kModelCodes[] = {kInvalidParameter,       kInvalidRequest,     kResourceNotFound,
                                              kResourceInUse,          kResourceConflict,   kIdempotency,
                                              kServiceQuotaExceeded,   kThrottling,         kAccessDenied,
                                              kInternalService,        kInvalidContactFlow, kDuplicateResource,
                                              kContactFlowNotPublished};
// The codes outside the Connect model, with their status in non_model_error_status().
inline constexpr const char* kNonModelCodes[] = {
    kSerialization,       kUnknownOperation,   kNotImplemented,    kMissingAuthenticationToken,
    kIncompleteSignature, kUnrecognizedClient, kInvalidSignature,  kRequestEntityTooLarge,
    kBadRequest,          kRequestTimeout,     kServiceUnavailable};

// Factories: every AwsError is built by one of these, never field by field at the throw site.
// `code` is one of the constants above, or a code an operator configured (fault injection).
AwsError make(std::string code, std::string message, Value fields = {});
// An error whose status is already decided (framing errors the HTTP layer renders itself).
AwsError with_status(std::string code, std::string message, int http_status);
// InternalServiceException with a fixed message: details go to the log, never to the client.
AwsError internal(std::string message = "An internal error occurred");

[[noreturn]] inline void raise(const char* code, std::string message) { throw AwsException(code, std::move(message)); }
// ResourceInUseException naming the resource that is in the way (ResourceType, ResourceId members).
[[noreturn]] void raise_in_use(std::string message, std::string resource_type, std::string resource_id);
// InvalidContactFlowException with one entry in its `problems` list.
[[noreturn]] void raise_invalid_contact_flow(std::string problem);
}  // namespace errors

}  // namespace cl
