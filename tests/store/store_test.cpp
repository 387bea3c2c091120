// One suite for every store backend (PostgreSQL joins when built).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <filesystem>
#include <thread>

#include "common/ids.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace cl::store {
namespace {

struct SqliteMemory {
  static std::unique_ptr<Store> open() { return open_sqlite(SqliteOptions::memory()); }
};
struct SqliteFile {
  static std::unique_ptr<Store> open() {
    auto dir = std::filesystem::temp_directory_path() / ("cl-store-" + random_uuid());
    return open_sqlite(SqliteOptions::on_disk(dir.string()));
  }
};

template <class Backend>
class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> store = Backend::open();
  Scope scope{"111111111111", "us-east-1"};

  InstanceRecord instance(const std::string& id, std::optional<std::string> alias) {
    InstanceRecord r;
    r.account_id = scope.account_id;
    r.region = scope.region;
    r.id = id;
    r.identity_management_type = "CONNECT_MANAGED";
    r.alias = std::move(alias);
    r.service_role = "role";
    r.created_ms = 1;
    return r;
  }
};

using Backends = ::testing::Types<SqliteMemory, SqliteFile>;
TYPED_TEST_SUITE(StoreTest, Backends);

TYPED_TEST(StoreTest, WrittenInstanceIsReadBack) {
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(this->instance("a", "alias-a")), Insert::Ok); });
  this->store->read([&](ReadTxn& t) {
    auto r = t.instance(this->scope, "a");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->alias, std::optional<std::string>("alias-a"));
    EXPECT_FALSE(t.instance({"222222222222", "us-east-1"}, "a"));  // other account sees nothing
  });
}

TYPED_TEST(StoreTest, AliasIsUniquePerRegionIgnoringCase) {
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(this->instance("a", "Shop")), Insert::Ok); });
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(this->instance("b", "shop")), Insert::Conflict); });
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(this->instance("c", std::nullopt)), Insert::Ok); });
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(this->instance("d", std::nullopt)), Insert::Ok); });
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.count_instances(this->scope), 3); });
}

TYPED_TEST(StoreTest, FailedTransactionChangesNothingAndOthersInTheBatchCommit) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      try {
        this->store->write([&](WriteTxn& t) {
          t.insert_instance(this->instance("id" + std::to_string(i), std::nullopt));
          if (i % 2) throw std::runtime_error("rolled back");
        });
      } catch (const std::runtime_error&) {
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 8);
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_instances(this->scope), 8);
    EXPECT_FALSE(t.instance(this->scope, "id1"));
    EXPECT_TRUE(t.instance(this->scope, "id2"));
  });
}

TYPED_TEST(StoreTest, PagesAreOrderedById) {
  this->store->write([&](WriteTxn& t) {
    for (const char* id : {"c", "a", "b"}) t.insert_instance(this->instance(id, std::nullopt));
  });
  this->store->read([&](ReadTxn& t) {
    auto first = t.instances(this->scope, "", 2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, "a");
    EXPECT_EQ(first[1].id, "b");
    auto rest = t.instances(this->scope, "b", 2);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].id, "c");
  });
}

TYPED_TEST(StoreTest, TagsMergeAndDelete) {
  this->store->write([&](WriteTxn& t) {
    t.put_tags("arn:x", {{"a", "1"}, {"b", "2"}});
    t.put_tags("arn:x", {{"b", "3"}});
    t.delete_tags("arn:x", {"a", "missing"});
  });
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.tags("arn:x"), (TagMap{{"b", "3"}})); });
}

TYPED_TEST(StoreTest, IdempotencyRecordsAndSettingsRoundTrip) {
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_idempotency(this->scope, "Op", "tok", {"h", "{}", 5}, 0), Insert::Ok);
    t.put_setting("k", "v");
  });
  this->store->read([&](ReadTxn& t) {
    auto r = t.idempotency(this->scope, "Op", "tok");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->request_hash, "h");
    EXPECT_FALSE(t.idempotency(this->scope, "Other", "tok"));
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("v"));
  });
}

TYPED_TEST(StoreTest, ResetWipesEverything) {
  this->store->write([&](WriteTxn& t) {
    t.insert_instance(this->instance("a", "x"));
    t.put_setting("k", "v");
  });
  this->store->write([](WriteTxn& t) { t.delete_everything(); });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_instances(this->scope), 0);
    EXPECT_FALSE(t.setting("k"));
  });
}

TYPED_TEST(StoreTest, SubmittedWorkReportsWhenDurableAndPublishesOnlyWhenCommitted) {
  std::vector<Change> heard;
  std::mutex mu;
  this->store->set_change_listener([&](const std::vector<Change>& c) {
    std::lock_guard lk(mu);
    heard.insert(heard.end(), c.begin(), c.end());
  });
  std::promise<std::exception_ptr> ok, failed;
  this->store->submit(
      [&](WriteTxn& t) {
        t.put_setting("a", "1");
        t.publish({Change::Kind::Hold, "+12065550100", 5, 0});
      },
      [&](std::exception_ptr e) { ok.set_value(e); });
  this->store->submit(
      [&](WriteTxn& t) {
        t.put_setting("c", "3");
        t.publish({Change::Kind::Hold, "+12065550101", 5, 0});
        throw std::runtime_error("rolled back");
      },
      [&](std::exception_ptr e) { failed.set_value(e); });
  EXPECT_EQ(ok.get_future().get(), nullptr);
  EXPECT_NE(failed.get_future().get(), nullptr);
  {
    std::lock_guard lk(mu);
    ASSERT_EQ(heard.size(), 1u);
    EXPECT_EQ(heard[0].number, "+12065550100");
  }
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.setting("a"), std::optional<std::string>("1"));
    EXPECT_FALSE(t.setting("c"));
  });
}

TYPED_TEST(StoreTest, ATransactionThatThrowsRetryRunsAgainFromScratch) {
  int runs = 0;
  this->store->write([&](WriteTxn& t) {
    t.put_setting("run", std::to_string(++runs));
    if (runs < 3) throw Retry("lost a race");
  });
  EXPECT_EQ(runs, 3);
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.setting("run"), std::optional<std::string>("3")); });
}

TEST(SqliteDurability, AcknowledgedWritesSurviveReopening) {
  auto dir = (std::filesystem::temp_directory_path() / ("cl-durable-" + random_uuid())).string();
  {
    auto s = open_sqlite(SqliteOptions::on_disk(dir));
    s->write([](WriteTxn& t) { t.put_setting("durable", "yes"); });
  }
  auto s = open_sqlite(SqliteOptions::on_disk(dir));
  s->read([](ReadTxn& t) { EXPECT_EQ(t.setting("durable"), std::optional<std::string>("yes")); });
}

}  // namespace
}  // namespace cl::store
