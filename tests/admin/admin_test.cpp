#include "admin/admin.hpp"

#include <gtest/gtest.h>

#include "common/value_json.hpp"
#include "inventory/inventory.hpp"

namespace cl::admin {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  OffsetClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<store::Store> store = store::open_sqlite(store::SqliteOptions::memory());
  inventory::NumberPlan plan;
  inventory::Inventory inventory{plan};
  connect::FaultRules faults;
  Metrics metrics;
  connect::Service service{*store, plan, inventory, faults, ids, PageTokens("k"), connect::ServiceConfig{}};
  Admin admin{AdminConfig{"1.2.3", "", true}, *store, clock, service, faults, metrics};

  void SetUp() override { service.load_inventory({{"US", "DID", "+1206555", 12}}, clock.now_ms()); }

  std::pair<unsigned, Value> call(const std::string& method, const std::string& target, const std::string& body = "",
                                  Admin* which = nullptr) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    http::Response resp = (which ? *which : admin).handle(r);
    Value v;
    from_json(resp.body, v);
    return {resp.status, v};
  }
};

TEST_F(AdminTest, HealthNamesVersionAndStore) {
  auto [status, v] = call("GET", "/_connect-local/health");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.string_or("status", ""), "ok");
  EXPECT_EQ(v.string_or("version", ""), "1.2.3");
  EXPECT_EQ(v.string_or("store", ""), "sqlite");
}

TEST_F(AdminTest, ClockMovesForwardOnlyAndPersists) {
  double before = call("GET", "/_connect-local/clock").second.find("now")->as_double();
  auto [status, v] = call("POST", "/_connect-local/clock", R"({"advance_seconds": 86400})");
  EXPECT_EQ(status, 200u);
  EXPECT_GE(v.find("now")->as_double() - before, 86400.0);
  EXPECT_EQ(call("POST", "/_connect-local/clock", R"({"advance_seconds": -1})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/clock", "not json").first, 400u);
  OffsetClock restarted;
  Admin again{AdminConfig{"1", "", true}, *store, restarted, service, faults, metrics};
  again.load_clock();
  EXPECT_GE(restarted.offset_ms(), 86400000);
}

TEST_F(AdminTest, QuotasArePerAccountAndRegion) {
  auto [status, v] = call("PUT", "/_connect-local/quotas", R"({"account_id":"111111111111","region":"eu-west-2","instances":7})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.opt_int("instances"), 7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=eu-west-2").second.opt_int("instances"), 7);
  EXPECT_EQ(call("GET", "/_connect-local/quotas?account_id=111111111111&region=us-east-1").second.opt_int("instances"), 2);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"instances":-1})").first, 400u);
  EXPECT_EQ(call("PUT", "/_connect-local/quotas", R"({"claim_release_rule":"yes"})").first, 400u);
}

TEST_F(AdminTest, InventoryBlocksAreCheckedAndListed) {
  EXPECT_EQ(call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US","type":"DID","prefix":"+44","length":12}]})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US"}]})").first, 400u);
  auto [status, v] = call("POST", "/_connect-local/inventory",
                          R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(v.find("blocks")->as_list().size(), 2u);
}

TEST_F(AdminTest, FaultRulesAddListDelete) {
  EXPECT_EQ(call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber"})").first, 400u);
  EXPECT_EQ(call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException","probability":2})").first, 400u);
  auto [status, v] = call("POST", "/_connect-local/faults", R"({"operation":"ClaimPhoneNumber","error_code":"InternalServiceException"})");
  EXPECT_EQ(status, 200u);
  ASSERT_EQ(v.find("faults")->as_list().size(), 1u);
  EXPECT_TRUE(faults.injected_error("ClaimPhoneNumber", "+1"));
  EXPECT_EQ(call("DELETE", "/_connect-local/faults").second.find("faults")->as_list().size(), 0u);
  EXPECT_FALSE(faults.injected_error("ClaimPhoneNumber", "+1"));
}

TEST_F(AdminTest, ResetRestoresTheDefaultInventory) {
  call("POST", "/_connect-local/inventory", R"({"blocks":[{"country":"US","type":"TOLL_FREE","prefix":"+1888555","length":12}]})");
  call("POST", "/_connect-local/clock", R"({"advance_seconds": 10})");
  EXPECT_EQ(call("POST", "/_connect-local/reset").first, 200u);
  EXPECT_EQ(call("GET", "/_connect-local/inventory").second.find("blocks")->as_list().size(), 1u);
  EXPECT_EQ(clock.offset_ms(), 0);
}

TEST_F(AdminTest, TokenAndLoopbackGuards) {
  Admin guarded{AdminConfig{"1", "s3cret", true}, *store, clock, service, faults, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &guarded).first, 401u);
  http::Request r;
  r.method = "GET";
  r.target = "/_connect-local/health";
  r.headers.push_back({"Authorization", "Bearer s3cret"});
  EXPECT_EQ(guarded.handle(r).status, 200u);
  Admin disabled{AdminConfig{"1", "", false}, *store, clock, service, faults, metrics};
  EXPECT_EQ(call("GET", "/_connect-local/health", "", &disabled).first, 403u);
  EXPECT_EQ(call("GET", "/_connect-local/nope").first, 404u);
}

TEST_F(AdminTest, MetricsAreServed) {
  metrics.record_request("ClaimPhoneNumber", "OK", 0.001);
  http::Request r;
  r.method = "GET";
  r.target = "/metrics";
  http::Response resp = admin.handle(r);
  EXPECT_EQ(resp.status, 200u);
  EXPECT_NE(resp.body.find("connect_local_requests_total{operation=\"ClaimPhoneNumber\",code=\"OK\"} 1"), std::string::npos);
  EXPECT_NE(resp.body.find("connect_local_claims_total 1"), std::string::npos);
}

}  // namespace
}  // namespace cl::admin
