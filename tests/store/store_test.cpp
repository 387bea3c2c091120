// One suite for every store backend: SQLite (in memory and on disk) and PostgreSQL. The PostgreSQL
// cases need CL_TEST_POSTGRES_DSN (`scripts/with-postgres` provides it; `make test` runs ctest
// through it); each case gets its own schema, so cases may run in parallel on one database.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "common/ids.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/record_cache.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace cl::store {
namespace {

const char* postgres_dsn() {
  const char* dsn = std::getenv("CL_TEST_POSTGRES_DSN");
  return dsn && *dsn ? dsn : nullptr;
}

PostgresOptions postgres_options(const std::string& schema) {
  PostgresOptions o;
  // The application name lets a test find its own server processes (cases run in parallel).
  o.dsn = std::string(postgres_dsn()) + " application_name=" + schema;
  o.schema = schema;
  return o;
}

// Runs one statement on a connection of its own; returns the first column of the first row.
std::string postgres_admin(const std::string& statement) {
  PGconn* c = PQconnectdb(postgres_dsn());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, statement.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

// Terminates every server process serving this schema's stores; returns how many.
int terminate_backends(const std::string& schema) {
  return std::stoi(postgres_admin(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + schema + "'"));
}

std::string fresh_schema() {
  std::string s = "t_" + random_uuid();
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

struct SqliteMemory {
  static const char* unavailable() { return nullptr; }
  std::unique_ptr<Store> open() { return open_sqlite(SqliteOptions::memory()); }
};
struct SqliteFile {
  test::TempDir dir{"cl-store-"};
  static const char* unavailable() { return nullptr; }
  std::unique_ptr<Store> open() { return open_sqlite(SqliteOptions::on_disk(dir.str())); }
};

struct Postgres {
  std::string schema = fresh_schema();
  static const char* unavailable() {
    return postgres_dsn() ? nullptr
                          : "CL_TEST_POSTGRES_DSN is not set: run through scripts/with-postgres (make test does)";
  }
  std::unique_ptr<Store> open() { return open_postgres(postgres_options(schema)); }
};

template <class Backend>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* why = Backend::unavailable()) GTEST_SKIP() << why;
    store = backend.open();
    store->set_change_listener([this](const std::vector<Change>& changes) {
      std::lock_guard lk(mu);
      heard.insert(heard.end(), changes.begin(), changes.end());
    });
  }

  std::vector<Change> changes_heard() {
    std::lock_guard lk(mu);
    return heard;
  }

  InstanceRecord instance(const std::string& id, std::optional<std::string> alias, const Scope& s) {
    InstanceRecord r;
    r.account_id = s.account_id;
    r.region = s.region;
    r.id = id;
    r.identity_management_type = "CONNECT_MANAGED";
    r.alias = std::move(alias);
    r.service_role = "role";
    r.created_ms = 1;
    return r;
  }
  InstanceRecord instance(const std::string& id, std::optional<std::string> alias = std::nullopt) {
    return instance(id, std::move(alias), scope);
  }

  TrafficDistributionGroupRecord group(const std::string& id, const std::string& name,
                                       const std::string& instance_id = "i1") {
    TrafficDistributionGroupRecord g;
    g.account_id = scope.account_id;
    g.region = scope.region;
    g.id = id;
    g.instance_id = instance_id;
    g.name = name;
    g.created_ms = 10;
    return g;
  }

  PhoneNumberRecord phone(const std::string& id, const std::string& number, const std::string& target = "arn:t1") {
    PhoneNumberRecord p;
    p.id = id;
    p.account_id = scope.account_id;
    p.region = scope.region;
    p.number = number;
    p.country = "US";
    p.type = "DID";
    p.target_arn = target;
    p.started_ms = 100;
    p.settles_ms = 200;
    return p;
  }

  ContactFlowRecord flow(const std::string& id, const std::string& name, const std::string& type = "CONTACT_FLOW") {
    return {scope.account_id, scope.region, "i1", id, name, type, std::nullopt, "{}", "PUBLISHED", 5};
  }

  Backend backend;
  std::unique_ptr<Store> store;
  Scope scope{"111111111111", "us-east-1"};
  std::mutex mu;
  std::vector<Change> heard;
};

using Backends = ::testing::Types<SqliteMemory, SqliteFile, Postgres>;
TYPED_TEST_SUITE(StoreTest, Backends);

std::vector<std::string> ids_of(const std::vector<InstanceRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.id);
  return out;
}
std::vector<std::string> numbers_of(const std::vector<PhoneNumberRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.number);
  return out;
}

// --- Instances ---------------------------------------------------------------------------------

TYPED_TEST(StoreTest, InstanceIsReadBackWithEveryField) {
  auto in = this->instance("a", "alias-a");
  in.directory_id = "d-1";
  in.inbound_calls = true;
  in.created_ms = 1234567890123;
  in.source_region = "us-west-2";
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.insert_instance(in), Insert::Ok); });
  this->store->read([&](ReadTxn& t) {
    auto r = t.instance(this->scope, "a");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->alias, std::optional<std::string>("alias-a"));
    EXPECT_EQ(r->directory_id, std::optional<std::string>("d-1"));
    EXPECT_TRUE(r->inbound_calls);
    EXPECT_FALSE(r->outbound_calls);
    EXPECT_EQ(r->identity_management_type, "CONNECT_MANAGED");
    EXPECT_EQ(r->service_role, "role");
    EXPECT_EQ(r->created_ms, 1234567890123);
    EXPECT_EQ(r->source_region, std::optional<std::string>("us-west-2"));
    EXPECT_FALSE(r->replica_region);
    EXPECT_FALSE(t.instance({"222222222222", "us-east-1"}, "a"));  // another account sees nothing
    EXPECT_FALSE(t.instance({"111111111111", "us-west-2"}, "a"));  // nor another region
  });
}

TYPED_TEST(StoreTest, AliasIsUniquePerRegionIgnoringCase) {
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_instance(this->instance("a", "Shop")), Insert::Ok);
    EXPECT_EQ(t.insert_instance(this->instance("b", "shop")), Insert::Conflict);
    EXPECT_EQ(t.insert_instance(this->instance("c")), Insert::Ok);
    EXPECT_EQ(t.insert_instance(this->instance("d")), Insert::Ok);  // no alias: no conflict
    // The same alias in another region, even for another account, is fine; another account in the
    // same region is not (the alias is part of the region's access URL).
    EXPECT_EQ(t.insert_instance(this->instance("e", "shop", {"111111111111", "us-west-2"})), Insert::Ok);
    EXPECT_EQ(t.insert_instance(this->instance("f", "SHOP", {"222222222222", "us-east-1"})), Insert::Conflict);
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_instances(this->scope), 3);
    EXPECT_FALSE(t.instance(this->scope, "b"));
  });
}

TYPED_TEST(StoreTest, InstancesArePagedInIdOrderAndCountedPerScope) {
  this->store->write([&](WriteTxn& t) {
    for (const char* id : {"c", "a", "e", "b", "d"}) t.insert_instance(this->instance(id));
    t.insert_instance(this->instance("z", std::nullopt, {"111111111111", "eu-west-2"}));
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(ids_of(t.instances(this->scope, "", 2)), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(ids_of(t.instances(this->scope, "b", 2)), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(ids_of(t.instances(this->scope, "d", 2)), (std::vector<std::string>{"e"}));
    EXPECT_TRUE(t.instances(this->scope, "e", 2).empty());
    EXPECT_EQ(t.count_instances(this->scope), 5);
    EXPECT_EQ(t.count_instances({"111111111111", "eu-west-2"}), 1);
    EXPECT_EQ(t.count_instances({"999999999999", "us-east-1"}), 0);
  });
  this->store->write([&](WriteTxn& t) { EXPECT_EQ(t.count_instances(this->scope), 5); });
}

TYPED_TEST(StoreTest, ReplicaRegionIsSetAndClearedAndInstancesDeleted) {
  this->store->write([&](WriteTxn& t) { t.insert_instance(this->instance("a", "x")); });
  this->store->write([&](WriteTxn& t) { t.set_replica_region(this->scope, "a", "us-west-2"); });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.instance(this->scope, "a")->replica_region, std::optional<std::string>("us-west-2"));
  });
  this->store->write([&](WriteTxn& t) { t.set_replica_region(this->scope, "a", std::nullopt); });
  this->store->read([&](ReadTxn& t) { EXPECT_FALSE(t.instance(this->scope, "a")->replica_region); });
  this->store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.delete_instance(this->scope, "a"));
    EXPECT_FALSE(t.delete_instance(this->scope, "a"));
    EXPECT_EQ(t.insert_instance(this->instance("b", "x")), Insert::Ok);  // the alias is free again
  });
}

// --- Traffic distribution groups -----------------------------------------------------------------

TYPED_TEST(StoreTest, GroupNamesAreUniquePerScope) {
  this->store->write([&](WriteTxn& t) {
    auto g = this->group("g1", "main");
    g.description = "d";
    g.is_default = true;
    EXPECT_EQ(t.insert_traffic_distribution_group(g), Insert::Ok);
    EXPECT_EQ(t.insert_traffic_distribution_group(this->group("g2", "main")), Insert::Conflict);
    auto other = this->group("g3", "main");
    other.region = "us-west-2";
    EXPECT_EQ(t.insert_traffic_distribution_group(other), Insert::Ok);
  });
  this->store->read([&](ReadTxn& t) {
    auto g = t.traffic_distribution_group(this->scope, "g1");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->name, "main");
    EXPECT_EQ(g->instance_id, "i1");
    EXPECT_EQ(g->description, std::optional<std::string>("d"));
    EXPECT_TRUE(g->is_default);
    EXPECT_EQ(g->created_ms, 10);
    EXPECT_FALSE(g->deleted_ms);
    EXPECT_FALSE(t.traffic_distribution_group(this->scope, "g2"));
    EXPECT_FALSE(t.traffic_distribution_group(this->scope, "g3"));  // in its own region only
  });
}

TYPED_TEST(StoreTest, GroupsAreListedByInstanceAndGoneGroupsArePurged) {
  this->store->write([&](WriteTxn& t) {
    t.insert_traffic_distribution_group(this->group("g1", "one", "i1"));
    t.insert_traffic_distribution_group(this->group("g2", "two", "i2"));
    t.insert_traffic_distribution_group(this->group("g3", "three", "i1"));
    t.insert_traffic_distribution_group(this->group("g4", "four", "i1"));
    t.mark_traffic_distribution_group_deleted(this->scope, "g3", 1000);
  });
  auto ids = [](const std::vector<TrafficDistributionGroupRecord>& v) {
    std::vector<std::string> out;
    for (const auto& g : v) out.push_back(g.id);
    return out;
  };
  this->store->read([&](ReadTxn& t) {
    using V = std::vector<std::string>;
    EXPECT_EQ(ids(t.traffic_distribution_groups(this->scope, "", "", 10, 0)), (V{"g1", "g2", "g3", "g4"}));
    EXPECT_EQ(ids(t.traffic_distribution_groups(this->scope, "i1", "", 10, 0)), (V{"g1", "g3", "g4"}));
    EXPECT_EQ(ids(t.traffic_distribution_groups(this->scope, "i1", "g1", 1, 0)), (V{"g3"}));
    // g3's deletion finished at 1000: still listed at 1000 (PENDING_DELETION), gone after.
    EXPECT_EQ(ids(t.traffic_distribution_groups(this->scope, "", "", 10, 1000)), (V{"g1", "g2", "g3", "g4"}));
    EXPECT_EQ(ids(t.traffic_distribution_groups(this->scope, "", "", 10, 1001)), (V{"g1", "g2", "g4"}));
    EXPECT_EQ(t.traffic_distribution_group(this->scope, "g3")->deleted_ms, std::optional<Millis>(1000));
  });
  this->store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.delete_gone_traffic_distribution_groups(this->scope, 1000).empty());
    EXPECT_EQ(t.delete_gone_traffic_distribution_groups(this->scope, 1001), (std::vector<std::string>{"g3"}));
    // The name is free again.
    EXPECT_EQ(t.insert_traffic_distribution_group(this->group("g5", "three")), Insert::Ok);
  });
  this->store->read([&](ReadTxn& t) { EXPECT_FALSE(t.traffic_distribution_group(this->scope, "g3")); });
}

// A read after a write's commit sees what the write did to instances and groups, whatever an
// earlier read saw (the SQLite store keeps the records reads saw: they must go when they change).
TYPED_TEST(StoreTest, ReadsAfterACommitSeeItsInstancesAndGroupsNotEarlierOnes) {
  auto seen_instance = [&] {
    std::optional<InstanceRecord> r;
    this->store->read([&](ReadTxn& t) { r = t.instance(this->scope, "a"); });
    return r;
  };
  auto seen_group = [&] {
    std::optional<TrafficDistributionGroupRecord> g;
    this->store->read([&](ReadTxn& t) { g = t.traffic_distribution_group(this->scope, "g"); });
    return g;
  };
  EXPECT_FALSE(seen_instance());
  this->store->write([&](WriteTxn& t) {
    t.insert_instance(this->instance("a", "x"));
    t.insert_traffic_distribution_group(this->group("g", "n", "a"));
  });
  ASSERT_TRUE(seen_instance());
  EXPECT_FALSE(seen_instance()->inbound_calls);
  EXPECT_FALSE(seen_group()->deleted_ms);

  this->store->write([&](WriteTxn& t) { t.set_instance_calls(this->scope, "a", true, false); });
  EXPECT_TRUE(seen_instance()->inbound_calls);
  this->store->write([&](WriteTxn& t) { t.set_replica_region(this->scope, "a", "us-west-2"); });
  EXPECT_EQ(seen_instance()->replica_region, std::optional<std::string>("us-west-2"));
  this->store->write([&](WriteTxn& t) { t.mark_traffic_distribution_group_deleted(this->scope, "g", 50); });
  EXPECT_EQ(seen_group()->deleted_ms, std::optional<Millis>(50));
  this->store->write([&](WriteTxn& t) { t.delete_gone_traffic_distribution_groups(this->scope, 51); });
  EXPECT_FALSE(seen_group());
  this->store->write([&](WriteTxn& t) { t.delete_instance(this->scope, "a"); });
  EXPECT_FALSE(seen_instance());

  // Created again under the same id, then reset (delete_everything), then a snapshot loaded.
  std::vector<TableSnapshot> snapshot;
  this->store->write([&](WriteTxn& t) {
    t.insert_instance(this->instance("a", "y"));
    t.insert_traffic_distribution_group(this->group("g", "m", "a"));
  });
  EXPECT_EQ(seen_instance()->alias, std::optional<std::string>("y"));
  EXPECT_EQ(seen_group()->name, "m");
  this->store->read([&](ReadTxn& t) { snapshot = t.dump_tables(); });
  this->store->write([&](WriteTxn& t) { t.delete_everything(); });
  EXPECT_FALSE(seen_instance());
  EXPECT_FALSE(seen_group());
  this->store->write([&](WriteTxn& t) { t.load_tables(snapshot); });
  EXPECT_EQ(seen_instance()->alias, std::optional<std::string>("y"));
  this->store->write([&](WriteTxn& t) {
    t.set_instance_calls(this->scope, "a", false, true);
    t.mark_traffic_distribution_group_deleted(this->scope, "g", 7);
  });
  EXPECT_TRUE(seen_instance()->outbound_calls);
  EXPECT_EQ(seen_group()->deleted_ms, std::optional<Millis>(7));
  this->store->write([&](WriteTxn& t) {
    t.delete_everything();
    t.load_tables(snapshot);
  });
  EXPECT_FALSE(seen_instance()->outbound_calls);  // as in the snapshot
  EXPECT_FALSE(seen_group()->deleted_ms);
  // A write that fails keeps nothing, and reads go on seeing the committed state.
  EXPECT_THROW(this->store->write([&](WriteTxn& t) {
    t.delete_instance(this->scope, "a");
    throw std::runtime_error("rolled back");
  }),
               std::runtime_error);
  EXPECT_TRUE(seen_instance());
}

// --- Tags, idempotency, settings -----------------------------------------------------------------

TYPED_TEST(StoreTest, TagsMergeAndDelete) {
  this->store->write([&](WriteTxn& t) {
    t.put_tags("arn:x", {{"a", "1"}, {"b", "2"}, {"c", "\"quoted\" \\ {braces}, commas"}});
    t.put_tags("arn:x", {{"b", "3"}});
    t.put_tags("arn:y", {{"a", "other"}});
    t.delete_tags("arn:x", {"a", "missing"});
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.tags("arn:x"), (TagMap{{"b", "3"}, {"c", "\"quoted\" \\ {braces}, commas"}}));
    EXPECT_TRUE(t.tags("arn:none").empty());
  });
  this->store->write([&](WriteTxn& t) { t.delete_all_tags("arn:x"); });
  this->store->read([&](ReadTxn& t) {
    EXPECT_TRUE(t.tags("arn:x").empty());
    EXPECT_EQ(t.tags("arn:y"), (TagMap{{"a", "other"}}));
  });
}

TYPED_TEST(StoreTest, IdempotencyConflictsWhileFreshAndIsReplacedOnceExpired) {
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_idempotency(this->scope, "Op", "tok", {"h1", "{\"a\":1}", 100}, 50), Insert::Ok);
    // Created at 100: not expired for a cut-off of 100 (created at or after it).
    EXPECT_EQ(t.insert_idempotency(this->scope, "Op", "tok", {"h2", "{}", 150}, 100), Insert::Conflict);
    // Another operation or scope is another record.
    EXPECT_EQ(t.insert_idempotency(this->scope, "Other", "tok", {"h3", "{}", 150}, 100), Insert::Ok);
    EXPECT_EQ(t.insert_idempotency({"222222222222", "us-east-1"}, "Op", "tok", {"h4", "{}", 150}, 100), Insert::Ok);
  });
  this->store->read([&](ReadTxn& t) {
    auto r = t.idempotency(this->scope, "Op", "tok");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->request_hash, "h1");
    EXPECT_EQ(r->response, "{\"a\":1}");
    EXPECT_EQ(r->created_ms, 100);
    EXPECT_FALSE(t.idempotency(this->scope, "Op", "other-token"));
  });
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_idempotency(this->scope, "Op", "tok", {"h5", "{}", 500}, 101), Insert::Ok);
  });
  this->store->read([&](ReadTxn& t) {
    auto r = t.idempotency(this->scope, "Op", "tok");
    EXPECT_EQ(r->request_hash, "h5");
    EXPECT_EQ(r->created_ms, 500);
  });
}

TYPED_TEST(StoreTest, SettingsAreUpsertedOrInsertedOnce) {
  this->store->write([&](WriteTxn& t) {
    EXPECT_FALSE(t.setting("k"));
    t.put_setting("k", "v1");
    t.put_setting("k", "v2");
    t.put_setting("other", "");
    EXPECT_EQ(t.insert_setting("first", "chosen"), Insert::Ok);
    EXPECT_EQ(t.insert_setting("first", "second choice"), Insert::Conflict);
    EXPECT_EQ(t.insert_setting("k", "v3"), Insert::Conflict);
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("v2"));
    EXPECT_EQ(t.setting("other"), std::optional<std::string>(""));
    EXPECT_EQ(t.setting("first"), std::optional<std::string>("chosen"));
  });
}

// --- Inventory: blocks, holds, external numbers ----------------------------------------------------

TYPED_TEST(StoreTest, BlocksGetIdsAndDuplicatesConflict) {
  BlockRecord a{0, "US", "DID", "+1206555", 12}, b{0, "GB", "TOLL_FREE", "+44800", 13}, dup = a;
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_block(a), Insert::Ok);
    EXPECT_EQ(t.insert_block(b), Insert::Ok);
    EXPECT_EQ(t.insert_block(dup), Insert::Conflict);
  });
  EXPECT_NE(a.id, b.id);
  this->store->read([&](ReadTxn& t) {
    auto blocks = t.blocks();
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_LT(blocks[0].id, blocks[1].id);
    EXPECT_EQ(blocks[0].id, a.id);
    EXPECT_EQ(blocks[0].prefix, "+1206555");
    EXPECT_EQ(blocks[0].length, 12);
    EXPECT_EQ(blocks[1].country, "GB");
    EXPECT_EQ(blocks[1].type, "TOLL_FREE");
  });
}

TYPED_TEST(StoreTest, HoldsAreTakenOnceAndTakenOverWhenEndedOrByTheirHolder) {
  this->store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.take_hold("+15550001", 1000, "p1", 0));
    EXPECT_FALSE(t.take_hold("+15550001", 2000, "p2", 999));        // still held
    EXPECT_FALSE(t.take_hold("+15550001", 2000, "p2", 999, "p3"));  // held, not by p3
    EXPECT_TRUE(t.take_hold("+15550001", 3000, "p4", 999, "p1"));   // p1's hold taken over
    EXPECT_FALSE(t.take_hold("+15550001", 3000, "p5", 2999, ""));   // empty id takes nothing over
    EXPECT_TRUE(t.take_hold("+15550001", 5000, "p5", 3000));        // ended at 3000
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.active_holds(4999), (std::vector<std::pair<std::string, Millis>>{{"+15550001", 5000}}));
    EXPECT_TRUE(t.active_holds(5000).empty());
  });
  this->store->write([&](WriteTxn& t) {
    t.set_hold("+15550001", 9000);
    EXPECT_FALSE(t.take_hold("+15550001", 9500, "p6", 8999));
  });
}

TYPED_TEST(StoreTest, ActiveHoldsAreOrderedByNumber) {
  this->store->write([&](WriteTxn& t) {
    t.take_hold("+4420", 500, "a", 0);
    t.take_hold("+1303", 900, "b", 0);
    t.take_hold("+1206", 100, "c", 0);
    t.take_hold("+33", 600, "d", 0);
  });
  this->store->read([&](ReadTxn& t) {
    using V = std::vector<std::pair<std::string, Millis>>;
    EXPECT_EQ(t.active_holds(0), (V{{"+1206", 100}, {"+1303", 900}, {"+33", 600}, {"+4420", 500}}));
    EXPECT_EQ(t.active_holds(500), (V{{"+1303", 900}, {"+33", 600}}));
  });
}

TYPED_TEST(StoreTest, ExternalNumbersAreStockedAndReplaced) {
  this->store->write([&](WriteTxn& t) {
    t.put_external_number({"arn:b", "+15551", "US", "DID"});
    t.put_external_number({"arn:a", "+15552", "US", "TOLL_FREE"});
    t.put_external_number({"arn:b", "+15553", "CA", "DID"});
  });
  this->store->read([&](ReadTxn& t) {
    auto b = t.external_number("arn:b");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->number, "+15553");
    EXPECT_EQ(b->country, "CA");
    EXPECT_FALSE(t.external_number("arn:c"));
    auto all = t.external_numbers();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].source_arn, "arn:a");
    EXPECT_EQ(all[0].type, "TOLL_FREE");
    EXPECT_EQ(all[1].source_arn, "arn:b");
  });
}

// --- Phone numbers -------------------------------------------------------------------------------

TYPED_TEST(StoreTest, PhoneNumberIsReadBackUpdatedAndDeleted) {
  auto p = this->phone("p1", "+12065550100");
  p.description = "desc";
  p.source_arn = "arn:sms";
  p.failed_message = "boom";
  p.flow_arn = "arn:flow";
  p.vanishes_ms = 86400200;
  p.counts_toward_quota = false;
  this->store->write([&](WriteTxn& t) { t.insert_phone_number(p); });
  this->store->read([&](ReadTxn& t) {
    auto r = t.phone_number(this->scope.account_id, "p1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->number, "+12065550100");
    EXPECT_EQ(r->account_id, this->scope.account_id);
    EXPECT_EQ(r->region, "us-east-1");
    EXPECT_EQ(r->country, "US");
    EXPECT_EQ(r->type, "DID");
    EXPECT_EQ(r->target_arn, "arn:t1");
    EXPECT_EQ(r->description, std::optional<std::string>("desc"));
    EXPECT_EQ(r->source_arn, std::optional<std::string>("arn:sms"));
    EXPECT_EQ(r->workflow, "CLAIM");
    EXPECT_EQ(r->started_ms, 100);
    EXPECT_EQ(r->settles_ms, 200);
    EXPECT_EQ(r->failed_message, std::optional<std::string>("boom"));
    EXPECT_EQ(r->flow_arn, std::optional<std::string>("arn:flow"));
    EXPECT_EQ(r->vanishes_ms, 86400200);
    EXPECT_FALSE(r->counts_toward_quota);
    EXPECT_FALSE(t.phone_number("222222222222", "p1"));  // another account's id is not found
  });
  p.workflow = "UPDATE";
  p.target_arn = "arn:t2";
  p.description.reset();
  p.failed_message.reset();
  p.flow_arn.reset();
  p.vanishes_ms = kNever;
  p.counts_toward_quota = true;
  this->store->write([&](WriteTxn& t) { t.update_phone_number(p); });
  this->store->read([&](ReadTxn& t) {
    auto r = t.phone_number(this->scope.account_id, "p1");
    EXPECT_EQ(r->workflow, "UPDATE");
    EXPECT_EQ(r->target_arn, "arn:t2");
    EXPECT_FALSE(r->description);
    EXPECT_FALSE(r->failed_message);
    EXPECT_EQ(r->vanishes_ms, kNever);
    EXPECT_TRUE(r->counts_toward_quota);
  });
  this->store->write([&](WriteTxn& t) { t.delete_phone_number("p1"); });
  this->store->read([&](ReadTxn& t) { EXPECT_FALSE(t.phone_number(this->scope.account_id, "p1")); });
}

TYPED_TEST(StoreTest, PhoneNumberQueryAppliesEveryFilter) {
  this->store->write([&](WriteTxn& t) {
    auto a = this->phone("a", "+12065550001");
    auto b = this->phone("b", "+12065550002", "arn:t2");
    b.type = "TOLL_FREE";
    auto c = this->phone("c", "+14155550003");
    c.settles_ms = 5000;  // still IN_PROGRESS at 1000
    auto d = this->phone("d", "+442071234567");
    d.country = "GB";
    auto e = this->phone("e", "+12065550005");
    e.failed_message = "failed";
    e.vanishes_ms = 3000;  // a FAILED claim, visible until 3000
    auto f = this->phone("f", "+12065550006");
    f.region = "us-west-2";  // another region of the account
    auto g = this->phone("g", "+12065550007");
    g.account_id = "222222222222";  // another account
    for (const auto& p : {a, b, c, d, e, f, g}) t.insert_phone_number(p);
  });
  auto query = [&](auto&& tweak) {
    PhoneNumberQuery q;
    q.account_id = this->scope.account_id;
    q.region = this->scope.region;
    q.now_ms = 1000;
    tweak(q);
    std::vector<std::string> out;
    this->store->read([&](ReadTxn& t) { out = numbers_of(t.phone_numbers(q)); });
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(query([](PhoneNumberQuery&) {}),
            (V{"+12065550001", "+12065550002", "+12065550005", "+14155550003", "+442071234567"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.target_arn = "arn:t2"; }), (V{"+12065550002"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.countries = {"GB"}; }), (V{"+442071234567"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.countries = {"GB", "US"}; }).size(), 5u);
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.types = {"TOLL_FREE"}; }), (V{"+12065550002"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.types = {"TOLL_FREE", "UIFN"}; }), (V{"+12065550002"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.prefix = "+1206"; }),
            (V{"+12065550001", "+12065550002", "+12065550005"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.prefix = "+12065550002"; }), (V{"+12065550002"}));
  EXPECT_TRUE(query([](PhoneNumberQuery& q) { q.prefix = "+9"; }).empty());
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.after_number = "+12065550002"; }),
            (V{"+12065550005", "+14155550003", "+442071234567"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) {
              q.after_number = "+12065550001";
              q.limit = 2;
            }),
            (V{"+12065550002", "+12065550005"}));
  // Settled by now and not failed: c is in progress, e failed.
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.claimed_only = true; }),
            (V{"+12065550001", "+12065550002", "+442071234567"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) {
              q.claimed_only = true;
              q.now_ms = 5000;
            }),
            (V{"+12065550001", "+12065550002", "+14155550003", "+442071234567"}));
  // e vanishes at 3000.
  EXPECT_EQ(query([](PhoneNumberQuery& q) {
              q.now_ms = 3000;
              q.prefix = "+1206";
            }),
            (V{"+12065550001", "+12065550002"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) {
              q.countries = {"US"};
              q.types = {"DID"};
              q.prefix = "+1";
              q.target_arn = "arn:t1";
              q.claimed_only = true;
            }),
            (V{"+12065550001"}));
  EXPECT_EQ(query([](PhoneNumberQuery& q) { q.region = "us-west-2"; }), (V{"+12065550006"}));
}

// A target's pages come from its own index: they hold its numbers only, in order, from the page's
// key on, within the scope, with the other filters still applied.
TYPED_TEST(StoreTest, TargetPagesFollowTheKeyAmongOtherTargetsNumbers) {
  this->store->write([&](WriteTxn& t) {
    for (int i = 0; i < 20; ++i) {
      const std::string n = "+1206555" + std::to_string(1000 + i);
      t.insert_phone_number(this->phone("n" + std::to_string(i), n, i % 3 == 0 ? "arn:t2" : "arn:t1"));
    }
    auto other_region = this->phone("r", "+12065551100", "arn:t2");
    other_region.region = "us-west-2";
    auto other_account = this->phone("x", "+12065551101", "arn:t2");
    other_account.account_id = "222222222222";
    auto failed = this->phone("f", "+12065551102", "arn:t2");
    failed.failed_message = "failed";
    for (const auto& p : {other_region, other_account, failed}) t.insert_phone_number(p);
  });
  std::vector<std::string> seen;
  PhoneNumberQuery q;
  q.account_id = this->scope.account_id;
  q.region = this->scope.region;
  q.target_arn = "arn:t2";
  q.claimed_only = true;
  q.now_ms = 1000;
  q.limit = 2;
  for (;;) {
    std::vector<std::string> page;
    this->store->read([&](ReadTxn& t) { page = numbers_of(t.phone_numbers(q)); });
    if (page.empty()) break;
    EXPECT_LE(page.size(), 2u);
    seen.insert(seen.end(), page.begin(), page.end());
    q.after_number = page.back();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"+12065551000", "+12065551003", "+12065551006", "+12065551009",
                                            "+12065551012", "+12065551015", "+12065551018"}));
}

TYPED_TEST(StoreTest, QuotaCountsOnlyNumbersThatCountAndTargetNumbersAreOrdered) {
  this->store->write([&](WriteTxn& t) {
    auto a = this->phone("a", "+3");
    auto b = this->phone("b", "+1");
    auto c = this->phone("c", "+2");
    c.counts_toward_quota = false;
    auto d = this->phone("d", "+4", "arn:t2");
    for (const auto& p : {a, b, c, d}) t.insert_phone_number(p);
    EXPECT_EQ(t.count_quota_numbers("arn:t1"), 2);
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_quota_numbers("arn:t1"), 2);
    EXPECT_EQ(t.count_quota_numbers("arn:t2"), 1);
    EXPECT_EQ(t.count_quota_numbers("arn:none"), 0);
    EXPECT_EQ(numbers_of(t.target_numbers("arn:t1")), (std::vector<std::string>{"+1", "+2", "+3"}));
  });
  this->store->write([&](WriteTxn& t) {
    auto a = *t.phone_number(this->scope.account_id, "a");
    a.counts_toward_quota = false;
    t.update_phone_number(a);
    t.delete_phone_number("b");
  });
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.count_quota_numbers("arn:t1"), 0); });
}

TYPED_TEST(StoreTest, HolderOfSeesVisibleRecordsOfAnyAccountAndVanishedOnesArePurged) {
  this->store->write([&](WriteTxn& t) {
    auto failed = this->phone("old", "+15550100");
    failed.failed_message = "quota";
    failed.vanishes_ms = 2000;
    ASSERT_TRUE(t.take_hold("+15550100", 2000, "old", 0));
    t.insert_phone_number(failed);
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.holder_of("+15550100", 1999)->id, "old");
    EXPECT_FALSE(t.holder_of("+15550100", 2000));
    EXPECT_FALSE(t.holder_of("+15550199", 0));
    // phone_number() still returns the vanished record.
    EXPECT_TRUE(t.phone_number(this->scope.account_id, "old"));
  });
  this->store->write([&](WriteTxn& t) {
    t.purge_vanished("+15550100", 1999);  // not vanished yet: kept
    EXPECT_TRUE(t.phone_number(this->scope.account_id, "old"));
    t.purge_vanished("+15550100", 2000);
    EXPECT_FALSE(t.phone_number(this->scope.account_id, "old"));
    auto again = this->phone("new", "+15550100");
    again.account_id = "222222222222";
    ASSERT_TRUE(t.take_hold("+15550100", kNever, "new", 2000));
    t.insert_phone_number(again);
  });
  this->store->read([&](ReadTxn& t) {
    auto h = t.holder_of("+15550100", 5000);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->id, "new");
    EXPECT_EQ(h->account_id, "222222222222");
  });
}

TYPED_TEST(StoreTest, ReleasesAreCountedSinceWithTheOldest) {
  this->store->write([&](WriteTxn& t) {
    t.insert_release(this->scope, 100, "+1");
    t.insert_release(this->scope, 300, "+2");
    t.insert_release(this->scope, 200, "+3");
    t.insert_release({"111111111111", "us-west-2"}, 50, "+4");
  });
  this->store->read([&](ReadTxn& t) {
    auto all = t.releases_since(this->scope, 0);
    EXPECT_EQ(all.count, 3);
    EXPECT_EQ(all.oldest_ms, std::optional<Millis>(100));
    auto recent = t.releases_since(this->scope, 100);  // strictly after
    EXPECT_EQ(recent.count, 2);
    EXPECT_EQ(recent.oldest_ms, std::optional<Millis>(200));
    auto none = t.releases_since(this->scope, 300);
    EXPECT_EQ(none.count, 0);
    EXPECT_FALSE(none.oldest_ms);
  });
}

// --- Contact flows --------------------------------------------------------------------------------

TYPED_TEST(StoreTest, FlowsAreUniqueByNameListedByTypeAndDeleted) {
  this->store->write([&](WriteTxn& t) {
    auto f1 = this->flow("f1", "Default inbound");
    f1.description = "the default";
    EXPECT_EQ(t.insert_contact_flow(f1), Insert::Ok);
    EXPECT_EQ(t.insert_contact_flow(this->flow("f2", "Default inbound")), Insert::Conflict);
    EXPECT_EQ(t.insert_contact_flow(this->flow("f3", "Queue", "CUSTOMER_QUEUE")), Insert::Ok);
    EXPECT_EQ(t.insert_contact_flow(this->flow("f4", "Whisper", "AGENT_WHISPER")), Insert::Ok);
    auto other = this->flow("f5", "Default inbound");
    other.instance_id = "i2";
    EXPECT_EQ(t.insert_contact_flow(other), Insert::Ok);
  });
  auto ids = [](const std::vector<ContactFlowRecord>& v) {
    std::vector<std::string> out;
    for (const auto& f : v) out.push_back(f.id);
    return out;
  };
  using V = std::vector<std::string>;
  this->store->read([&](ReadTxn& t) {
    auto f = t.contact_flow(this->scope, "i1", "f1");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->name, "Default inbound");
    EXPECT_EQ(f->type, "CONTACT_FLOW");
    EXPECT_EQ(f->description, std::optional<std::string>("the default"));
    EXPECT_EQ(f->content, "{}");
    EXPECT_EQ(f->status, "PUBLISHED");
    EXPECT_EQ(f->modified_ms, 5);
    EXPECT_FALSE(t.contact_flow(this->scope, "i2", "f1"));
    EXPECT_EQ(ids(t.contact_flows(this->scope, "i1", {}, "", 10)), (V{"f1", "f3", "f4"}));
    EXPECT_EQ(ids(t.contact_flows(this->scope, "i1", {"CUSTOMER_QUEUE", "AGENT_WHISPER"}, "", 10)), (V{"f3", "f4"}));
    EXPECT_EQ(ids(t.contact_flows(this->scope, "i1", {}, "f1", 1)), (V{"f3"}));
  });
  this->store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.delete_contact_flow(this->scope, "i1", "f3"));
    EXPECT_FALSE(t.delete_contact_flow(this->scope, "i1", "f3"));
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(ids(t.contact_flows(this->scope, "i1", {}, "", 10)), (V{"f1", "f4"}));
  });
  this->store->write([&](WriteTxn& t) { t.delete_contact_flows(this->scope, "i1"); });
  this->store->read([&](ReadTxn& t) {
    EXPECT_TRUE(t.contact_flows(this->scope, "i1", {}, "", 10).empty());
    EXPECT_EQ(ids(t.contact_flows(this->scope, "i2", {}, "", 10)), (V{"f5"}));
  });
}

TYPED_TEST(StoreTest, FlowAssociationsMatchTheArnPrefixAndAreCleared) {
  const std::string flow1 = "arn:aws:connect:us-east-1:111111111111:instance/i1/contact-flow/f1";
  const std::string flow2 = "arn:aws:connect:us-east-1:111111111111:instance/i1/contact-flow/f2";
  this->store->write([&](WriteTxn& t) {
    auto a = this->phone("a", "+1");
    a.flow_arn = flow1;
    auto b = this->phone("b", "+2");
    b.flow_arn = flow2;
    auto c = this->phone("c", "+3");
    c.flow_arn = flow1;
    auto d = this->phone("d", "+4");  // no flow
    auto e = this->phone("e", "+5");
    e.account_id = "222222222222";
    e.flow_arn = flow1;
    for (const auto& p : {c, a, b, d, e}) t.insert_phone_number(p);
  });
  auto ids = [](const std::vector<PhoneNumberRecord>& v) {
    std::vector<std::string> out;
    for (const auto& p : v) out.push_back(p.id);
    return out;
  };
  using V = std::vector<std::string>;
  this->store->read([&](ReadTxn& t) {
    const std::string instance_prefix = "arn:aws:connect:us-east-1:111111111111:instance/i1/";
    EXPECT_EQ(ids(t.flow_associations(this->scope.account_id, instance_prefix, "", 10)), (V{"a", "b", "c"}));
    EXPECT_EQ(ids(t.flow_associations(this->scope.account_id, flow1, "", 10)), (V{"a", "c"}));
    EXPECT_EQ(ids(t.flow_associations(this->scope.account_id, instance_prefix, "a", 1)), (V{"b"}));
    EXPECT_TRUE(t.flow_associations(this->scope.account_id, "arn:aws:connect:us-west-2", "", 10).empty());
  });
  this->store->write([&](WriteTxn& t) { t.clear_flow(flow1); });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(ids(t.flow_associations(this->scope.account_id, "arn:", "", 10)), (V{"b"}));
    EXPECT_FALSE(t.phone_number(this->scope.account_id, "a")->flow_arn);
    EXPECT_EQ(t.phone_number(this->scope.account_id, "b")->flow_arn, std::optional<std::string>(flow2));
  });
}

// --- Fault rules, reset ---------------------------------------------------------------------------

TYPED_TEST(StoreTest, FaultRulesAreConsumedUntilNoneLeft) {
  this->store->write([&](WriteTxn& t) {
    t.put_fault_rule({"b", "{\"op\":\"B\"}", 2});
    t.put_fault_rule({"a", "{\"op\":\"A\"}", std::nullopt});
    t.put_fault_rule({"c", "{}", 1});
  });
  this->store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.consume_fault_rule("b"));
    EXPECT_TRUE(t.consume_fault_rule("b"));
    EXPECT_FALSE(t.consume_fault_rule("b"));
    EXPECT_FALSE(t.consume_fault_rule("missing"));
  });
  this->store->read([&](ReadTxn& t) {
    auto rules = t.fault_rules();
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].id, "a");
    EXPECT_EQ(rules[0].definition, "{\"op\":\"A\"}");
    EXPECT_FALSE(rules[0].times_left);
    EXPECT_EQ(rules[1].id, "b");
    EXPECT_EQ(rules[1].times_left, std::optional<int64_t>(0));
  });
  this->store->write([&](WriteTxn& t) {
    t.put_fault_rule({"b", "{\"op\":\"B2\"}", 1});  // replaced
    EXPECT_TRUE(t.consume_fault_rule("b"));
    EXPECT_TRUE(t.delete_fault_rule("c"));
    EXPECT_FALSE(t.delete_fault_rule("c"));
  });
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.fault_rules().size(), 2u); });
  this->store->write([&](WriteTxn& t) { t.delete_fault_rules(); });
  this->store->read([&](ReadTxn& t) { EXPECT_TRUE(t.fault_rules().empty()); });
}

TYPED_TEST(StoreTest, DeleteEverythingWipesEveryTable) {
  BlockRecord block{0, "US", "DID", "+1206", 12};
  this->store->write([&](WriteTxn& t) {
    t.insert_instance(this->instance("a", "x"));
    t.count_instances(this->scope);
    t.insert_traffic_distribution_group(this->group("g", "n"));
    t.put_tags("arn:x", {{"k", "v"}});
    t.insert_idempotency(this->scope, "Op", "tok", {"h", "{}", 1}, 0);
    t.insert_block(block);
    t.take_hold("+1", kNever, "p", 0);
    t.insert_phone_number(this->phone("p", "+1"));
    t.insert_release(this->scope, 5, "+2");
    t.put_external_number({"arn:e", "+3", "US", "DID"});
    t.insert_contact_flow(this->flow("f", "F"));
    t.put_setting("k", "v");
    t.put_fault_rule({"r", "{}", std::nullopt});
  });
  this->store->write([&](WriteTxn& t) {
    t.delete_everything();
    t.publish(Change{Change::Kind::Reset, {}, 0, 0});
  });
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_instances(this->scope), 0);
    EXPECT_FALSE(t.traffic_distribution_group(this->scope, "g"));
    EXPECT_TRUE(t.tags("arn:x").empty());
    EXPECT_FALSE(t.idempotency(this->scope, "Op", "tok"));
    EXPECT_TRUE(t.blocks().empty());
    EXPECT_TRUE(t.active_holds(0).empty());
    EXPECT_FALSE(t.phone_number(this->scope.account_id, "p"));
    EXPECT_EQ(t.releases_since(this->scope, 0).count, 0);
    EXPECT_TRUE(t.external_numbers().empty());
    EXPECT_FALSE(t.contact_flow(this->scope, "i1", "f"));
    EXPECT_FALSE(t.setting("k"));
    EXPECT_TRUE(t.fault_rules().empty());
  });
  // Everything can be created again (no leftover uniqueness).
  this->store->write([&](WriteTxn& t) {
    EXPECT_EQ(t.insert_instance(this->instance("a", "x")), Insert::Ok);
    EXPECT_EQ(t.insert_block(block), Insert::Ok);
    EXPECT_TRUE(t.take_hold("+1", kNever, "p", 0));
  });
  auto heard = this->changes_heard();
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back().kind, Change::Kind::Reset);
}

TYPED_TEST(StoreTest, TablesAreDumpedAndLoadedBackAsTheyWere) {
  BlockRecord block{0, "US", "DID", "+1206", 12};
  this->store->write([&](WriteTxn& t) {
    auto in = this->instance("a", "Alias");
    in.inbound_calls = true;
    t.insert_instance(in);
    t.insert_block(block);
    auto p = this->phone("p", "+12065550100");
    p.description = "with 'quotes' and \"doubles\"";
    t.insert_phone_number(p);
    t.put_tags("arn:x", {{"k", "v"}});
    t.put_fault_rule({"r", "{}", std::nullopt});
  });
  std::vector<TableSnapshot> tables;
  this->store->read([&](ReadTxn& t) { tables = t.dump_tables(); });
  auto rows_of = [&](const std::string& name) -> size_t {
    for (const auto& t : tables)
      if (t.name == name) return t.rows.size();
    return 0;
  };
  EXPECT_EQ(rows_of("instances"), 1u);
  EXPECT_EQ(rows_of("phone_numbers"), 1u);
  EXPECT_GE(rows_of("schema_migrations"), 1u);
  this->store->write([&](WriteTxn& t) {
    t.delete_everything();
    t.load_tables(tables);
  });
  this->store->read([&](ReadTxn& t) {
    auto in = t.instance(this->scope, "a");
    ASSERT_TRUE(in);
    EXPECT_TRUE(in->inbound_calls);
    EXPECT_EQ(t.phone_number(this->scope.account_id, "p")->description,
              std::optional<std::string>("with 'quotes' and \"doubles\""));
    EXPECT_EQ(t.blocks().size(), 1u);
    EXPECT_EQ(t.tags("arn:x"), (TagMap{{"k", "v"}}));
    EXPECT_EQ(t.fault_rules().size(), 1u);
    std::vector<TableSnapshot> again = t.dump_tables();
    ASSERT_EQ(again.size(), tables.size());
    for (size_t i = 0; i < tables.size(); ++i) {
      EXPECT_EQ(again[i].name, tables[i].name);
      EXPECT_EQ(again[i].rows, tables[i].rows) << tables[i].name;
    }
  });
  this->store->write([&](WriteTxn& t) {
    // The alias is still unique and new blocks get new ids after the loaded ones.
    EXPECT_EQ(t.insert_instance(this->instance("b", "alias")), Insert::Conflict);
    BlockRecord other{0, "GB", "DID", "+4420", 13};
    EXPECT_EQ(t.insert_block(other), Insert::Ok);
    EXPECT_GT(other.id, block.id);
  });
  // What does not fit is refused and changes nothing.
  auto bad = tables;
  bad.push_back({"no_such_table", {"x"}, {}});
  EXPECT_THROW(this->store->write([&](WriteTxn& t) {
    t.delete_everything();
    t.load_tables(bad);
  }),
               std::invalid_argument);
  this->store->read([&](ReadTxn& t) { EXPECT_TRUE(t.instance(this->scope, "a")); });
}

// --- Transactions: changes, retries, isolation, concurrency ---------------------------------------

TYPED_TEST(StoreTest, PublishedChangesReachTheListenerAfterCommitAndNeverOnRollback) {
  size_t heard_inside = 99;
  this->store->write([&](WriteTxn& t) {
    t.take_hold("+1", 500, "p", 0);
    t.publish(Change{Change::Kind::Hold, "+1", 500, 0});
    t.publish(Change{Change::Kind::Block, {}, 0, 7});
    heard_inside = this->changes_heard().size();
  });
  EXPECT_EQ(heard_inside, 0u);
  auto heard = this->changes_heard();
  ASSERT_GE(heard.size(), 2u);
  EXPECT_EQ(heard[0].kind, Change::Kind::Hold);
  EXPECT_EQ(heard[0].number, "+1");
  EXPECT_EQ(heard[0].until_ms, 500);
  EXPECT_EQ(heard[1].kind, Change::Kind::Block);
  EXPECT_EQ(heard[1].value, 7);

  const size_t before = this->changes_heard().size();
  EXPECT_THROW(this->store->write([&](WriteTxn& t) {
    t.publish(Change{Change::Kind::Clock, {}, 0, 42});
    throw std::invalid_argument("domain error");
  }),
               std::invalid_argument);
  this->store->read([](ReadTxn&) {});
  for (const auto& c : this->changes_heard()) EXPECT_NE(c.kind, Change::Kind::Clock);
  EXPECT_GE(this->changes_heard().size(), before);

  // submit(): the listener hears of the commit before `done` runs.
  std::promise<size_t> heard_at_done;
  this->store->submit(
      [](WriteTxn& t) {
        t.publish(Change{Change::Kind::Faults, {}, 0, 0});
      },
      [&](std::exception_ptr e) {
        EXPECT_FALSE(e);
        size_t faults = 0;
        for (const auto& c : this->changes_heard()) faults += c.kind == Change::Kind::Faults;
        heard_at_done.set_value(faults);
      });
  EXPECT_GE(heard_at_done.get_future().get(), 1u);
}

TYPED_TEST(StoreTest, AFailedTransactionKeepsNothingAndRethrows) {
  EXPECT_THROW(this->store->write([&](WriteTxn& t) {
    t.put_setting("k", "v");
    t.insert_instance(this->instance("a"));
    throw std::runtime_error("rolled back");
  }),
               std::runtime_error);
  std::promise<std::exception_ptr> done;
  this->store->submit(
      [&](WriteTxn& t) {
        t.put_setting("s", "v");
        throw std::logic_error("rolled back too");
      },
      [&](std::exception_ptr e) { done.set_value(e); });
  auto e = done.get_future().get();
  ASSERT_TRUE(e);
  EXPECT_THROW(std::rethrow_exception(e), std::logic_error);
  this->store->read([&](ReadTxn& t) {
    EXPECT_FALSE(t.setting("k"));
    EXPECT_FALSE(t.setting("s"));
    EXPECT_EQ(t.count_instances(this->scope), 0);
  });
}

TYPED_TEST(StoreTest, ConcurrentTransactionsFailAloneAndTheOthersCommit) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      try {
        this->store->write([&](WriteTxn& t) {
          t.insert_instance(this->instance("id" + std::to_string(i)));
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

TYPED_TEST(StoreTest, RetryRunsTheTransactionAgainWithNothingOfTheFirstAttempt) {
  int runs = 0;
  this->store->write([&](WriteTxn& t) {
    ++runs;
    if (runs == 1) {
      t.put_setting("first", "1");
      t.publish(Change{Change::Kind::Clock, {}, 0, 1});
      throw Retry("lost a race");
    }
    EXPECT_FALSE(t.setting("first"));
    t.put_setting("second", "2");
    t.publish(Change{Change::Kind::Clock, {}, 0, 2});
  });
  EXPECT_EQ(runs, 2);
  this->store->read([&](ReadTxn& t) {
    EXPECT_FALSE(t.setting("first"));
    EXPECT_EQ(t.setting("second"), std::optional<std::string>("2"));
  });
  std::set<int64_t> clocks;
  for (const auto& c : this->changes_heard())
    if (c.kind == Change::Kind::Clock) clocks.insert(c.value);
  EXPECT_EQ(clocks, (std::set<int64_t>{2}));

  // A closure that always loses gives up after a bounded number of runs, as a StoreFailure.
  std::atomic<int> forever{0};
  EXPECT_THROW(this->store->write([&](WriteTxn&) {
    ++forever;
    throw Retry("always");
  }),
               StoreFailure);
  EXPECT_GT(forever.load(), 1);
  EXPECT_LE(forever.load(), 64);
}

TYPED_TEST(StoreTest, ReadsSeeNeitherUncommittedWritesNorLaterCommits) {
  // A read sees a write only once its transaction has finished. (A backend may make the read wait
  // for the writer instead, as in-memory SQLite does: the writer holds its transaction open for at
  // most two seconds here.)
  std::promise<void> written, checked;
  auto checked_future = checked.get_future().share();
  std::atomic<bool> writer_finished{false};
  std::jthread writer([&] {
    this->store->write([&](WriteTxn& t) {
      t.put_setting("k", "uncommitted");
      written.set_value();
      checked_future.wait_for(std::chrono::seconds(2));
      writer_finished = true;
    });
  });
  written.get_future().wait();
  this->store->read([&](ReadTxn& t) {
    if (t.setting("k")) {
      EXPECT_TRUE(writer_finished.load());
    }
  });
  checked.set_value();
  writer.join();

  // One snapshot per read transaction: a commit made meanwhile is not seen by its later statements.
  // (A backend may also make the writer wait for the reader; either way the read sees one state.)
  std::future<void> later;
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("uncommitted"));
    later =
        std::async(std::launch::async, [&] { this->store->write([](WriteTxn& w) { w.put_setting("k", "later"); }); });
    later.wait_for(std::chrono::seconds(2));
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("uncommitted"));
  });
  later.get();
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.setting("k"), std::optional<std::string>("later")); });
}

TYPED_TEST(StoreTest, ConcurrentClaimsOfOneNumberHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 3; ++round) {
    const std::string number = "+1555000" + std::to_string(round);
    std::atomic<int> winners{0};
    std::barrier start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        this->store->write([&](WriteTxn& t) {
          if (t.take_hold(number, kNever, "p" + std::to_string(i), 0)) {
            ++winners;  // counted once: take_hold does not lose after winning
            t.publish(Change{Change::Kind::Hold, number, kNever, 0});
          }
        });
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << number;
  }
}

TYPED_TEST(StoreTest, CountThenInsertUnderTheScopeLockStaysExact) {
  constexpr int kThreads = 16, kQuota = 5;
  std::barrier start(kThreads);
  std::atomic<int> inserted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      bool mine = false;
      this->store->write([&](WriteTxn& t) {
        mine = false;
        if (t.count_instances(this->scope) >= kQuota) return;
        EXPECT_EQ(t.insert_instance(this->instance("i" + std::to_string(i))), Insert::Ok);
        mine = true;
      });
      if (mine) ++inserted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(inserted.load(), kQuota);
  this->store->read([&](ReadTxn& t) { EXPECT_EQ(t.count_instances(this->scope), kQuota); });
}

TYPED_TEST(StoreTest, ReadingTheTargetFirstKeepsItsQuotaExact) {
  constexpr int kThreads = 16, kQuota = 5;
  this->store->write([&](WriteTxn& t) { t.insert_instance(this->instance("target")); });
  std::barrier start(kThreads);
  std::atomic<int> outcomes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      std::promise<void> finished;
      this->store->submit(
          [&, i](WriteTxn& t) {
            ASSERT_TRUE(t.instance(this->scope, "target"));  // locks the target
            auto p = this->phone("p" + std::to_string(i), "+1555" + std::to_string(1000 + i), "arn:target");
            p.counts_toward_quota = t.count_quota_numbers("arn:target") < kQuota;
            t.insert_phone_number(p);
          },
          [&](std::exception_ptr e) {
            EXPECT_FALSE(e);
            ++outcomes;
            finished.set_value();
          });
      finished.get_future().wait();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(outcomes.load(), kThreads);
  this->store->read([&](ReadTxn& t) {
    EXPECT_EQ(t.count_quota_numbers("arn:target"), kQuota);
    EXPECT_EQ(t.target_numbers("arn:target").size(), static_cast<size_t>(kThreads));
  });
}

TEST(SqliteDurability, AcknowledgedWritesSurviveReopening) {
  test::TempDir temp("cl-durable-");
  const std::string dir = temp.str();
  {
    auto s = open_sqlite(SqliteOptions::on_disk(dir));
    s->write([](WriteTxn& t) { t.put_setting("durable", "yes"); });
  }
  auto s = open_sqlite(SqliteOptions::on_disk(dir));
  s->read([](ReadTxn& t) { EXPECT_EQ(t.setting("durable"), std::optional<std::string>("yes")); });
}

// Group commit: transactions queued while the writer is busy share one commit; those that fail in
// that batch keep nothing (each runs in its own savepoint) and the others in it still commit.
TEST(SqliteGroupCommit, AFailedTransactionInABatchKeepsNothingAndTheOthersInItCommit) {
  std::mutex mu;
  std::vector<size_t> batches;
  SqliteOptions o = SqliteOptions::memory();
  o.on_commit = [&](double, size_t transactions) {
    std::lock_guard lk(mu);
    batches.push_back(transactions);
  };
  auto s = open_sqlite(o);
  std::promise<void> writer_busy, release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> first_done;
  s->submit(
      [&](WriteTxn&) {
        writer_busy.set_value();
        released.wait();  // the writer is busy: what is submitted now queues up
      },
      [&](std::exception_ptr) { first_done.set_value(); });
  writer_busy.get_future().wait();
  constexpr int kQueued = 8;
  std::vector<std::promise<std::exception_ptr>> outcomes(kQueued);
  for (int i = 0; i < kQueued; ++i)
    s->submit(
        [i](WriteTxn& t) {
          t.put_setting("k" + std::to_string(i), "v");
          if (i % 2) throw std::runtime_error("rolled back");
        },
        [&outcomes, i](std::exception_ptr e) { outcomes[i].set_value(e); });
  release.set_value();
  first_done.get_future().wait();
  for (int i = 0; i < kQueued; ++i) EXPECT_EQ(static_cast<bool>(outcomes[i].get_future().get()), i % 2 == 1) << i;
  {
    std::lock_guard lk(mu);
    EXPECT_NE(std::find(batches.begin(), batches.end(), size_t{kQueued}), batches.end())
        << "the queued transactions did not share one commit";
  }
  s->read([&](ReadTxn& t) {
    for (int i = 0; i < kQueued; ++i) EXPECT_EQ(t.setting("k" + std::to_string(i)).has_value(), i % 2 == 0) << i;
  });
}

// On disk, batches are made durable by syncs that overlap (two syncers take turns); each answer
// still comes after every answer to a transaction that committed before it.
TEST(SqliteGroupCommit, OnDiskAnswersComeInCommitOrder) {
  test::TempDir temp("cl-order-");
  auto s = open_sqlite(SqliteOptions::on_disk(temp.str()));
  constexpr int kThreads = 4, kEach = 300;
  std::atomic<int> executed{0};  // the order transactions ran in, on the writer
  std::mutex mu;
  std::vector<int> answered;  // their order in the answers
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        auto done = std::make_shared<std::promise<void>>();
        auto seq = std::make_shared<int>(-1);
        s->submit(
            [&, seq, i, j](WriteTxn& t) {
              t.put_setting("k" + std::to_string(i) + "-" + std::to_string(j), "v");
              *seq = executed++;
            },
            [&, seq, done](std::exception_ptr e) {
              EXPECT_FALSE(e);
              {
                std::lock_guard lk(mu);
                answered.push_back(*seq);
              }
              done->set_value();
            });
        if (j % 3 == 0) done->get_future().wait();  // a mix of waiting and pipelined submitters
      }
    });
  for (auto& t : threads) t.join();
  s.reset();  // answers everything committed, then stops
  ASSERT_EQ(answered.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_TRUE(std::is_sorted(answered.begin(), answered.end()));
  auto reopened = open_sqlite(SqliteOptions::on_disk(temp.str()));
  reopened->read([&](ReadTxn& t) {
    EXPECT_TRUE(t.setting("k0-0").has_value());
    EXPECT_TRUE(t.setting("k" + std::to_string(kThreads - 1) + "-" + std::to_string(kEach - 1)).has_value());
  });
}

// A failed sync of the WAL fails that batch and every later one, even when later syncs succeed: the
// kernel may have dropped the pages it could not write, and later frames follow them in the WAL.
TEST(SqliteGroupCommit, AFailedWalSyncFailsEveryLaterCommit) {
  test::TempDir temp("cl-syncfail-");
  std::atomic<bool> fail_next{false};
  SqliteOptions o = SqliteOptions::on_disk(temp.str());
  o.sync_wal = [&](int fd) { return fail_next.exchange(false) ? EIO : (::fdatasync(fd) == 0 ? 0 : errno); };
  auto s = open_sqlite(o);
  s->write([](WriteTxn& t) { t.put_setting("before", "v"); });
  fail_next = true;
  auto write_fails = [&](const char* key) {
    try {
      s->write([key](WriteTxn& t) { t.put_setting(key, "v"); });
    } catch (const StoreFailure& e) {
      EXPECT_NE(std::string(e.what()).find("syncing the WAL"), std::string::npos) << e.what();
      return true;
    }
    return false;
  };
  EXPECT_TRUE(write_fails("failed"));
  EXPECT_FALSE(fail_next.load());  // the failure was consumed: later syncs succeed
  EXPECT_TRUE(write_fails("after"));
  EXPECT_TRUE(write_fails("and-after"));
}

// --- SQLite: the record cache of read transactions -----------------------------------------------

InstanceRecord plain_instance(const Scope& s, const std::string& id) {
  InstanceRecord r;
  r.account_id = s.account_id;
  r.region = s.region;
  r.id = id;
  r.identity_management_type = "CONNECT_MANAGED";
  r.service_role = "role";
  return r;
}

// The classic race, driven step by step: a reader misses, reads the old row, a commit invalidates,
// and the reader offers the old row. It must not stay: the next reader reads the new one.
TEST(SqliteRecordCache, ARowReadBeforeAnInvalidatingCommitIsNotKept) {
  RecordCache cache;
  const Scope s{"111111111111", "us-east-1"};
  auto old_row = plain_instance(s, "a");
  auto new_row = old_row;
  new_row.inbound_calls = true;

  const uint64_t before = cache.generation();
  auto got = cache.instance(before, s, "a", [&] {
    // The SELECT has returned the old row; the writer commits and invalidates now.
    cache.begin_change();
    cache.end_change();
    return std::optional(old_row);
  });
  EXPECT_FALSE(got->inbound_calls);  // what its snapshot held
  EXPECT_EQ(cache.size(), 0u);

  int loads = 0;
  const uint64_t after = cache.generation();
  got = cache.instance(after, s, "a", [&] { return ++loads, std::optional(new_row); });
  EXPECT_TRUE(got->inbound_calls);
  got = cache.instance(after, s, "a", [&] { return ++loads, std::optional(old_row); });
  EXPECT_TRUE(got->inbound_calls);  // served from the cache
  EXPECT_EQ(loads, 1);

  // While a commit is under way nothing is served or kept, and a transaction that started before
  // a change never uses what was cached after it (its snapshot may be older).
  cache.begin_change();
  const uint64_t during = cache.generation();
  got = cache.instance(during, s, "a", [&] { return ++loads, std::optional(old_row); });
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(cache.size(), 0u);
  cache.end_change();
  got = cache.instance(cache.generation(), s, "a", [&] { return ++loads, std::optional(new_row); });
  got = cache.instance(after, s, "a", [&] { return ++loads, std::optional(old_row); });
  EXPECT_FALSE(got->inbound_calls);
  EXPECT_EQ(loads, 4);

  // Rows that do not exist are not kept; neither are more than kMaxRecords rows.
  got = cache.instance(cache.generation(), s, "none", [&] { return std::optional<InstanceRecord>(); });
  EXPECT_FALSE(got);
  EXPECT_EQ(cache.size(), 1u);
  for (size_t i = 0; i < RecordCache::kMaxRecords + 10; ++i)
    cache.instance(cache.generation(), s, "i" + std::to_string(i),
                   [&] { return std::optional(plain_instance(s, "i" + std::to_string(i))); });
  EXPECT_LE(cache.size(), RecordCache::kMaxRecords);
  // Keys do not run together: ("1", "12") and ("11", "2") are different scopes.
  cache.instance(cache.generation(), {"1", "12"}, "x", [&] { return std::optional(plain_instance({"1", "12"}, "x")); });
  EXPECT_FALSE(cache.instance(cache.generation(), {"11", "2"}, "x", [] { return std::optional<InstanceRecord>(); }));
}

// The same race through the store: a write commits between a reader's SELECT and its offer to the
// cache. The reader answers from its snapshot; the next read sees the commit.
TEST(SqliteRecordCache, AReaderWhoseSnapshotPredatesACommitLeavesNothingStale) {
  test::TempDir dir("cl-cache-");
  const Scope s{"111111111111", "us-east-1"};
  SqliteOptions o = SqliteOptions::on_disk(dir.str());
  std::function<void()> between;  // run once, between the SELECT and the offer
  o.before_cache_fill = [&] {
    if (auto f = std::exchange(between, nullptr)) f();
  };
  auto store = open_sqlite(o);
  store->write([&](WriteTxn& t) { t.insert_instance(plain_instance(s, "a")); });
  auto inbound = [&] {
    bool on = false;
    store->read([&](ReadTxn& t) { on = t.instance(s, "a")->inbound_calls; });
    return on;
  };
  between = [&] { store->write([&](WriteTxn& t) { t.set_instance_calls(s, "a", true, false); }); };
  EXPECT_FALSE(inbound());  // its snapshot predates the write
  EXPECT_TRUE(inbound());
  EXPECT_TRUE(inbound());  // and from the cache

  // A transaction whose snapshot began before a commit (its first statement was something else)
  // sees the old row even though the cache was emptied and filled meanwhile, and keeps it out.
  store->read([&](ReadTxn& t) {
    EXPECT_FALSE(t.setting("k"));  // the snapshot starts here
    store->write([&](WriteTxn& w) { w.set_instance_calls(s, "a", false, false); });
    EXPECT_FALSE(std::async(std::launch::async, inbound).get());  // another read, after the commit
    EXPECT_TRUE(t.instance(s, "a")->inbound_calls);
  });
  EXPECT_FALSE(inbound());
}

// A read whose records came from the cache before its snapshot began (its first statement) never
// mixes them with a snapshot taken after they changed: it runs again, on the new state.
TEST(SqliteRecordCache, AReadThatMixedCachedRecordsWithALaterSnapshotRunsAgain) {
  test::TempDir dir("cl-cache-");
  const Scope s{"111111111111", "us-east-1"};
  auto store = open_sqlite(SqliteOptions::on_disk(dir.str()));
  store->write([&](WriteTxn& t) { t.insert_instance(plain_instance(s, "a")); });
  store->read([&](ReadTxn& t) { t.instance(s, "a"); });  // cached
  int runs = 0;
  std::optional<InstanceRecord> seen;
  std::optional<std::string> setting;
  store->read([&](ReadTxn& t) {
    ++runs;
    seen = t.instance(s, "a");  // from the cache
    if (runs == 1)
      store->write([&](WriteTxn& w) {
        w.set_instance_calls(s, "a", true, true);
        w.put_setting("k", "with the calls");
      });
    setting = t.setting("k");  // the snapshot begins here, after the write
  });
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(seen->inbound_calls);
  EXPECT_EQ(setting, std::optional<std::string>("with the calls"));

  // Changes to other tables meanwhile do not matter: the cached record is still the snapshot's.
  store->read([&](ReadTxn& t) { t.instance(s, "a"); });  // cached again
  runs = 0;
  store->read([&](ReadTxn& t) {
    ++runs;
    seen = t.instance(s, "a");
    if (runs == 1) store->write([&](WriteTxn& w) { w.put_setting("k", "other"); });
    setting = t.setting("k");
  });
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(setting, std::optional<std::string>("other"));
}

// A read served from the cache runs no SQL at all, not even BEGIN and COMMIT; writes to other
// tables (claims) keep the cache, writes to instances or groups empty it.
// Write transactions read instances and groups from the cache too, until their batch may have
// changed those tables: a transaction sees what the ones before it in its batch changed, before and
// after their commit.
TEST(SqliteRecordCache, AWriteSeesWhatEarlierTransactionsOfItsBatchChanged) {
  const Scope s{"111111111111", "us-east-1"};
  std::atomic<int> fills{0};
  std::mutex mu;
  std::vector<size_t> batches;
  SqliteOptions o = SqliteOptions::memory();
  o.before_cache_fill = [&] { ++fills; };
  o.on_commit = [&](double, size_t transactions) {
    std::lock_guard lk(mu);
    batches.push_back(transactions);
  };
  auto store = open_sqlite(o);
  TrafficDistributionGroupRecord g{s.account_id, s.region, "g", "a", "n", std::nullopt, false, 1, std::nullopt};
  store->write([&](WriteTxn& t) {
    t.insert_instance(plain_instance(s, "a"));
    t.insert_traffic_distribution_group(g);
  });
  // A write fills the cache; a read is then served from it.
  store->write([&](WriteTxn& t) {
    EXPECT_TRUE(t.instance(s, "a"));
    EXPECT_TRUE(t.traffic_distribution_group(s, "g"));
  });
  EXPECT_EQ(fills.load(), 2);
  store->read([&](ReadTxn& t) {
    EXPECT_TRUE(t.instance(s, "a"));
    EXPECT_TRUE(t.traffic_distribution_group(s, "g"));
  });
  EXPECT_EQ(fills.load(), 2);

  // One batch: change, read, delete, read.
  std::promise<void> writer_busy, release;
  std::shared_future<void> released = release.get_future().share();
  store->submit(
      [&](WriteTxn&) {
        writer_busy.set_value();
        released.wait();  // what is submitted now queues up for the next batch
      },
      [](std::exception_ptr) {});
  writer_busy.get_future().wait();
  std::vector<std::function<void(WriteTxn&)>> jobs = {
      [&](WriteTxn& t) { t.set_instance_calls(s, "a", true, false); },
      [&](WriteTxn& t) {
        auto a = t.instance(s, "a");
        ASSERT_TRUE(a);
        EXPECT_TRUE(a->inbound_calls);
        EXPECT_TRUE(t.traffic_distribution_group(s, "g"));
      },
      [&](WriteTxn& t) {
        EXPECT_TRUE(t.delete_instance(s, "a"));
        t.mark_traffic_distribution_group_deleted(s, "g", 5);
      },
      [&](WriteTxn& t) {
        EXPECT_FALSE(t.instance(s, "a"));
        EXPECT_EQ(t.traffic_distribution_group(s, "g")->deleted_ms, std::optional<Millis>(5));
      },
  };
  std::vector<std::promise<std::exception_ptr>> outcomes(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i)
    store->submit(jobs[i], [&outcomes, i](std::exception_ptr e) { outcomes[i].set_value(e); });
  release.set_value();
  for (auto& f : outcomes) EXPECT_FALSE(f.get_future().get());
  {
    std::lock_guard lk(mu);
    EXPECT_NE(std::find(batches.begin(), batches.end(), jobs.size()), batches.end())
        << "the transactions did not share one commit";
  }
  store->write([&](WriteTxn& t) {
    EXPECT_FALSE(t.instance(s, "a"));
    EXPECT_EQ(t.traffic_distribution_group(s, "g")->deleted_ms, std::optional<Millis>(5));
  });
  store->read([&](ReadTxn& t) {
    EXPECT_FALSE(t.instance(s, "a"));
    EXPECT_EQ(t.traffic_distribution_group(s, "g")->deleted_ms, std::optional<Millis>(5));
  });
}

TEST(SqliteRecordCache, AReadServedFromTheCacheRunsNoStatement) {
  const Scope s{"111111111111", "us-east-1"};
  std::mutex mu;
  std::vector<std::string> statements;
  SqliteOptions o = SqliteOptions::memory();
  o.on_read_statement = [&](const char* sql) {
    std::lock_guard lk(mu);
    statements.emplace_back(sql);
  };
  auto store = open_sqlite(o);
  auto ran = [&] {
    std::lock_guard lk(mu);
    return std::exchange(statements, {});
  };
  TrafficDistributionGroupRecord g{s.account_id, s.region, "g", "a", "n", std::nullopt, false, 1, std::nullopt};
  store->write([&](WriteTxn& t) {
    t.insert_instance(plain_instance(s, "a"));
    t.insert_traffic_distribution_group(g);
  });
  ran();
  auto resolve = [&] {
    store->read([&](ReadTxn& t) {
      EXPECT_TRUE(t.instance(s, "a"));
      EXPECT_TRUE(t.traffic_distribution_group(s, "g"));
    });
  };
  resolve();
  const auto first = ran();
  ASSERT_EQ(first.size(), 4u);  // BEGIN, two SELECTs, COMMIT
  EXPECT_EQ(first.front(), "BEGIN");
  EXPECT_EQ(first.back(), "COMMIT");
  resolve();
  EXPECT_TRUE(ran().empty());
  store->read([](ReadTxn&) {});
  EXPECT_TRUE(ran().empty());

  store->write([&](WriteTxn& t) {
    t.put_setting("k", "v");
    t.take_hold("+1", kNever, "p", 0);
  });
  resolve();
  EXPECT_TRUE(ran().empty());

  // A read that does need SQL still sees one snapshot from its first statement.
  store->read([&](ReadTxn& t) {
    EXPECT_TRUE(t.instance(s, "a"));
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("v"));
  });
  EXPECT_EQ(ran(), (std::vector<std::string>{"BEGIN", "SELECT value FROM settings WHERE key = ?1", "COMMIT"}));

  store->write([&](WriteTxn& t) { t.set_instance_calls(s, "a", true, true); });
  store->read([&](ReadTxn& t) { EXPECT_TRUE(t.instance(s, "a")->inbound_calls); });
  EXPECT_EQ(ran().size(), 3u);
  store->write([&](WriteTxn& t) { t.delete_everything(); });
  store->read([&](ReadTxn& t) { EXPECT_FALSE(t.traffic_distribution_group(s, "g")); });
  EXPECT_EQ(ran().size(), 3u);
}

// Readers on several threads while the writer changes an instance: once a write has returned,
// no read that starts afterwards sees an older record.
TEST(SqliteRecordCache, NoReadStartedAfterACommitSeesAnOlderRecord) {
  const Scope s{"111111111111", "us-east-1"};
  test::TempDir dir("cl-cache-");
  auto store = open_sqlite(SqliteOptions::on_disk(dir.str()));  // WAL: readers never wait for the writer
  store->write([&](WriteTxn& t) {
    t.insert_instance(plain_instance(s, "a"));
    t.set_replica_region(s, "a", "0");
  });
  constexpr int kWrites = 300;
  std::atomic<int> committed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0}, reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!stop.load()) {
        const int floor = committed.load();
        store->read([&](ReadTxn& t) {
          if (std::stoi(t.instance(s, "a")->replica_region.value_or("-1")) < floor) ++stale;
        });
        ++reads;
      }
    });
  for (int i = 1; i <= kWrites; ++i) {
    store->write([&](WriteTxn& t) { t.set_replica_region(s, "a", std::to_string(i)); });
    committed = i;
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

// --- PostgreSQL: several nodes on one database, failures ------------------------------------------

class PostgresNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* why = Postgres::unavailable()) GTEST_SKIP() << why;
  }
  struct Node {
    std::unique_ptr<Store> store;
    std::mutex mu;
    std::vector<Change> heard;
    explicit Node(const std::string& schema) : store(open_postgres(postgres_options(schema))) {
      store->set_change_listener([this](const std::vector<Change>& c) {
        std::lock_guard lk(mu);
        heard.insert(heard.end(), c.begin(), c.end());
      });
    }
    std::vector<Change> changes() {
      std::lock_guard lk(mu);
      return heard;
    }
  };
  std::string schema = fresh_schema();
};

TEST_F(PostgresNodes, AChangeCommittedOnOneNodeReachesTheOtherBeforeItsNextTransaction) {
  Node a(schema), b(schema);
  a.store->write([](WriteTxn& t) {
    ASSERT_TRUE(t.take_hold("+15550100", 900, "p1", 0));
    t.publish(Change{Change::Kind::Hold, "+15550100", 900, 0});
  });
  bool seen_before_read = false;
  b.store->read([&](ReadTxn& t) {
    for (const auto& c : b.changes()) seen_before_read |= c.kind == Change::Kind::Hold && c.number == "+15550100";
    EXPECT_EQ(t.active_holds(0).size(), 1u);
  });
  EXPECT_TRUE(seen_before_read);
  // And through submit(), in the other direction.
  std::promise<void> done;
  b.store->submit(
      [](WriteTxn& t) {
        t.publish(Change{Change::Kind::Block, {}, 0, 77});
      },
      [&](std::exception_ptr) { done.set_value(); });
  done.get_future().wait();
  bool seen_before_write = false;
  a.store->write([&](WriteTxn&) {
    for (const auto& c : a.changes()) seen_before_write |= c.kind == Change::Kind::Block && c.value == 77;
  });
  EXPECT_TRUE(seen_before_write);
}

TEST_F(PostgresNodes, ClaimsOnSeveralNodesHaveExactlyOneWinnerAndQuotaStaysExact) {
  Node a(schema), b(schema), c(schema);
  Node* nodes[] = {&a, &b, &c};
  const Scope scope{"111111111111", "us-east-1"};
  constexpr int kThreads = 12, kQuota = 2;
  std::barrier start(kThreads);
  std::atomic<int> holds{0}, instances{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      Store& s = *nodes[i % 3]->store;
      start.arrive_and_wait();
      s.write([&](WriteTxn& t) {
        if (t.take_hold("+15550199", kNever, "p" + std::to_string(i), 0)) ++holds;
      });
      bool mine = false;
      s.write([&](WriteTxn& t) {
        mine = false;
        if (t.count_instances(scope) >= kQuota) return;
        InstanceRecord r;
        r.account_id = scope.account_id;
        r.region = scope.region;
        r.id = "i" + std::to_string(i);
        r.identity_management_type = "SAML";
        r.service_role = "role";
        t.insert_instance(r);
        mine = true;
      });
      if (mine) ++instances;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(holds.load(), 1);
  EXPECT_EQ(instances.load(), kQuota);
}

TEST_F(PostgresNodes, MigrationsRunOnceWhenNodesStartTogether) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto s = open_postgres(postgres_options(schema));
      s->read([](ReadTxn& t) { EXPECT_TRUE(t.blocks().empty()); });
      ++opened;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 4);
}

TEST_F(PostgresNodes, ConnectionsKilledByTheServerAreReplacedAndAKilledTransactionFailsCleanly) {
  Node a(schema);
  a.store->write([](WriteTxn& t) { t.put_setting("k", "1"); });
  a.store->read([](ReadTxn& t) { EXPECT_TRUE(t.setting("k")); });
  EXPECT_GE(terminate_backends(schema), 1);
  // Idle pooled connections died: the next transactions notice at their first statement and
  // reconnect.
  a.store->write([](WriteTxn& t) { t.put_setting("k", "2"); });
  a.store->read([](ReadTxn& t) { EXPECT_EQ(t.setting("k"), std::optional<std::string>("2")); });
  std::promise<void> done;
  a.store->submit([](WriteTxn& t) { t.put_setting("s", "1"); },
                  [&](std::exception_ptr e) {
                    EXPECT_FALSE(e);
                    done.set_value();
                  });
  done.get_future().wait();

  // Killed in the middle of a transaction: that transaction fails with StoreFailure and keeps
  // nothing; the next one succeeds.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(a.store->write([&](WriteTxn& t) {
    t.put_setting("k", "lost");
    terminate_backends(schema);
    t.put_setting("k2", "lost");
  }),
               StoreFailure);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  a.store->read([](ReadTxn& t) {
    EXPECT_EQ(t.setting("k"), std::optional<std::string>("2"));
    EXPECT_FALSE(t.setting("k2"));
  });
  a.store->write([](WriteTxn& t) { t.put_setting("k", "3"); });
}

TEST_F(PostgresNodes, AnUnreachableDatabaseFailsWithinBoundedTime) {
  PostgresOptions o;
  o.dsn = "host=127.0.0.1 port=1 connect_timeout=2";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(open_postgres(o), StoreFailure);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace cl::store
