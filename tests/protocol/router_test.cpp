#include <gtest/gtest.h>

#include "common/aws_error.hpp"
#include "protocol/model.hpp"
#include "protocol/router.hpp"

namespace cl::protocol {
namespace {

const Model& model() { return Model::embedded(); }

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AwsException& e) {
    return e.error().code;
  }
  return "";
}

TEST(Router, RoutesEveryServedOperationFromItsOwnTemplate) {
  Router r(model());
  for (const auto& op : model().operations()) {
    std::string path;
    for (const auto& seg : op.path) path += "/" + (seg.is_label ? std::string("x") : seg.text);
    auto m = r.route(op.method, path.empty() ? "/" : path);
    EXPECT_EQ(m.operation->name, op.name) << op.method << " " << path;
  }
}

TEST(Router, ArnLabelIsOneSegmentDecodedAfterSplitting) {
  Router r(model());
  auto m = r.route("GET", "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A123456789012%3Aphone-number%2Fabc");
  EXPECT_EQ(m.operation->name, "ListTagsForResource");
  ASSERT_EQ(m.labels.size(), 1u);
  EXPECT_EQ(m.labels[0].second, "arn:aws:connect:us-east-1:123456789012:phone-number/abc");
}

TEST(Router, PlusIsNotASpace) {
  Router r(model());
  auto m = r.route("GET", "/phone-number/a+b%2Bc%20d");
  EXPECT_EQ(m.operation->name, "DescribePhoneNumber");
  EXPECT_EQ(m.labels[0].second, "a+b+c d");
}

TEST(Router, LiteralSegmentsBeatLabels) {
  Router r(model());
  EXPECT_EQ(r.route("POST", "/phone-number/claim").operation->name, "ClaimPhoneNumber");
  EXPECT_EQ(r.route("POST", "/phone-number/search-available").operation->name, "SearchAvailablePhoneNumbers");
  EXPECT_EQ(r.route("PUT", "/phone-number/abc/metadata").operation->name, "UpdatePhoneNumberMetadata");
  EXPECT_EQ(r.route("PUT", "/phone-number/abc").operation->name, "UpdatePhoneNumber");
}

TEST(Router, OtherConnectRoutesAreNotImplementedAndUnknownRoutesAreUnknown) {
  Router r(model());
  EXPECT_EQ(code_of([&] { r.route("PUT", "/users/inst"); }), "NotImplementedException");
  EXPECT_EQ(code_of([&] { r.route("GET", "/no/such/thing"); }), "UnknownOperationException");
  EXPECT_EQ(code_of([&] { r.route("GET", "/phone-number/%zz"); }), "SerializationException");
}

}  // namespace
}  // namespace cl::protocol
