// Request metrics as /metrics renders them.
#include <gtest/gtest.h>

#include <optional>
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
  std::optional<Metrics> m;
  m.emplace();
  const Metrics* first = &*m;
  m->record_request("ListInstances", "InternalServiceException", 0.001);
  m.reset();
  m.emplace();
  ASSERT_EQ(&*m, first);  // the case this is about
  m->record_request("ListInstances", "ThrottlingException", 0.001);
  const std::string text = m->render();
  EXPECT_TRUE(has_line(text, R"(connect_local_requests_total{operation="ListInstances",code="ThrottlingException"} 1)"))
      << text;
  EXPECT_EQ(text.find("InternalServiceException"), std::string::npos) << text;
}

}  // namespace
}  // namespace cl
