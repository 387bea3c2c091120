// Request metrics as /metrics renders them.
#include <gtest/gtest.h>

#include <new>
#include <string>

#include "common/metrics.hpp"

namespace cl {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(Metrics, CountsRequestsByOperationAndCode) {
  Metrics m;
  m.record_request("ListInstances", "OK", 0.001);
  m.record_request("ListInstances", "OK", 0.001);
  m.record_request("ListInstances", "ThrottlingException", 0.001);
  const std::string text = m.render();
  EXPECT_TRUE(has_line(text, R"(connect_local_requests_total{operation="ListInstances",code="OK"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(connect_local_requests_total{operation="ListInstances",code="ThrottlingException"} 1)"))
      << text;
}

// A Metrics built where a destroyed one lived (a test fixture's member, test after test) counts in
// its own operations, not in the freed ones a thread remembered from the first.
TEST(Metrics, ASecondMetricsAtTheSameAddressCountsForItself) {
  alignas(Metrics) unsigned char storage[sizeof(Metrics)];
  Metrics* first = new (storage) Metrics();
  first->record_request("ListInstances", "InternalServiceException", 0.001);
  first->~Metrics();
  Metrics* second = new (storage) Metrics();  // the same address: the case this is about
  second->record_request("ListInstances", "ThrottlingException", 0.001);
  const std::string text = second->render();
  second->~Metrics();
  EXPECT_TRUE(has_line(text, R"(connect_local_requests_total{operation="ListInstances",code="ThrottlingException"} 1)"))
      << text;
  EXPECT_EQ(text.find("InternalServiceException"), std::string::npos) << text;
}

}  // namespace
}  // namespace cl
