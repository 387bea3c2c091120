// Every AWS error code the server sends has exactly one source for its HTTP status: the model's error
// table for Connect's own codes, the small table in aws_error.cpp for the rest. A code the domain uses
// that the model does not declare would answer 500 to the client.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/aws_error.hpp"
#include "protocol/model.hpp"

namespace cl {
namespace {

// The status a client sees for each code (Amazon Connect's documented statuses).
const std::map<std::string, int> kExpectedStatus = {
    {errors::kInvalidParameter, 400},
    {errors::kInvalidRequest, 400},
    {errors::kResourceNotFound, 404},
    {errors::kResourceInUse, 409},
    {errors::kResourceConflict, 409},
    {errors::kIdempotency, 409},
    {errors::kServiceQuotaExceeded, 402},
    {errors::kThrottling, 429},
    {errors::kAccessDenied, 403},
    {errors::kInternalService, 500},
    {errors::kInvalidContactFlow, 400},
    {errors::kDuplicateResource, 409},
    {errors::kContactFlowNotPublished, 404},
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
};

TEST(ErrorCodes, EveryModelCodeIsAnErrorOfTheModelWithItsStatus) {
  const auto& model = protocol::Model::embedded();
  for (const char* code : errors::kModelCodes) {
    SCOPED_TRACE(code);
    ASSERT_TRUE(kExpectedStatus.count(code));
    EXPECT_EQ(model.error_status(code), kExpectedStatus.at(code));
    EXPECT_FALSE(non_model_error_status(code).has_value()) << "a second status for a modeled code";
  }
}

TEST(ErrorCodes, EveryNonModelCodeHasItsStatusAndIsNotInTheModel) {
  const auto& model = protocol::Model::embedded();
  for (const char* code : errors::kNonModelCodes) {
    SCOPED_TRACE(code);
    ASSERT_TRUE(kExpectedStatus.count(code));
    EXPECT_EQ(non_model_error_status(code), kExpectedStatus.at(code));
    EXPECT_FALSE(model.error_status(code).has_value()) << "the model's status would be ignored";
  }
}

TEST(ErrorCodes, EveryCodeIsListedOnce) {
  std::map<std::string, int> seen;
  for (const char* code : errors::kModelCodes) ++seen[code];
  for (const char* code : errors::kNonModelCodes) ++seen[code];
  for (const auto& [code, status] : kExpectedStatus) EXPECT_EQ(seen[code], 1) << code;
  EXPECT_EQ(seen.size(), kExpectedStatus.size());
}

TEST(ErrorCodes, FactoriesCarryTheModeledMembers) {
  try {
    errors::raise_in_use("busy", "PHONE_NUMBER", "arn:x");
    FAIL();
  } catch (const AwsException& e) {
    EXPECT_EQ(e.error().code, errors::kResourceInUse);
    EXPECT_EQ(e.error().message, "busy");
    EXPECT_EQ(e.error().fields.string_or("ResourceType", ""), "PHONE_NUMBER");
    EXPECT_EQ(e.error().fields.string_or("ResourceId", ""), "arn:x");
    EXPECT_EQ(e.error().http_status, 0);
  }
  try {
    errors::raise_invalid_contact_flow("bad");
    FAIL();
  } catch (const AwsException& e) {
    EXPECT_EQ(e.error().code, errors::kInvalidContactFlow);
    EXPECT_EQ(e.error().fields.find("problems")->as_list().at(0).string_or("message", ""), "bad");
  }
  EXPECT_EQ(errors::internal().code, errors::kInternalService);
  EXPECT_EQ(errors::with_status("X", "m", 418).http_status, 418);
}

}  // namespace
}  // namespace cl
