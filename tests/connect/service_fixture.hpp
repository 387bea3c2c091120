#pragma once
#include <gtest/gtest.h>

#include "common/aws_error.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"
#include "connect/service.hpp"
#include "inventory/inventory.hpp"
#include "protocol/model.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace cl::connect::testing {

// A Service over an in-memory store with a manual clock, called like the gateway calls it.
class ServiceTest : public ::testing::Test {
 protected:
  ManualClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<store::Store> store = store::open_sqlite(store::SqliteOptions::memory());
  static const inventory::NumberPlan& plan() {
    static const inventory::NumberPlan p;  // parsing the metadata once keeps the suite fast
    return p;
  }
  inventory::Inventory inventory{plan()};
  Service service{*store, plan(), inventory, clock, ids, ServiceConfig{2000, Quotas{}}};

  // A small, known inventory: two US DID blocks and one US toll-free block.
  void SetUp() override {
    service.start({{"US", "DID", "+1206555", 12}, {"US", "DID", "+1212555", 12}, {"US", "TOLL_FREE", "+1800555", 12}});
  }

  Value call(const std::string& op, const Value& input, const std::string& account = "111111111111",
             const std::string& region = "us-east-1") {
    RequestContext ctx;
    ctx.account_id = account;
    ctx.region = region;
    ctx.operation = op;
    ctx.validation_error = protocol::Model::embedded().operation(op)->validation_error_code();  // as the gateway does
    return service.call(ctx, input);
  }

  // The AWS error code `op` fails with, or "" when it succeeds.
  std::string error_of(const std::string& op, const Value& input, const std::string& account = "111111111111",
                       const std::string& region = "us-east-1") {
    try {
      call(op, input, account, region);
    } catch (const AwsException& e) {
      last_message = e.error().message;
      return e.error().code;
    }
    return "";
  }
  std::string last_message;

  static Value obj(std::initializer_list<std::pair<const char*, Value>> members) {
    Value v = Value::map();
    for (const auto& [k, m] : members) v.set(k, m);
    return v;
  }
  Value create_instance(const std::string& alias, const std::string& account = "111111111111",
                        const std::string& region = "us-east-1") {
    return call("CreateInstance",
                obj({{"IdentityManagementType", "CONNECT_MANAGED"},
                     {"InstanceAlias", alias},
                     {"InboundCallsEnabled", true},
                     {"OutboundCallsEnabled", false}}),
                account, region);
  }
};

}  // namespace cl::connect::testing
