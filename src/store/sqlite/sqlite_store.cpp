// SQLite backend: WAL, one writer thread with group commit (many transactions per fsync, each in
// its own savepoint so one failing transaction does not undo the others), per-thread read-only
// connections for snapshots. Write transactions run one at a time, which is how this backend keeps
// the concurrency contract of store.hpp: nothing else writes between a transaction's reads and its
// writes.
#include <fcntl.h>
#include <sqlite3.h>
#include <strings.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "common/embedded.hpp"
#include "common/ids.hpp"
#include "common/worker_pool.hpp"
#include "store/sqlite/record_cache.hpp"
#include "store/sqlite/sqlite_config.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/wal_write_vfs.hpp"

namespace cl {
extern const EmbeddedFile kSqliteMigrations[];
}

namespace cl::store {

namespace {

namespace sql {
constexpr const char* kBegin = "BEGIN";
constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kSavepoint = "SAVEPOINT txn";
constexpr const char* kRelease = "RELEASE txn";
constexpr const char* kRollbackToSavepoint = "ROLLBACK TO txn";
// The store syncs the WAL itself before it answers a commit (see SqliteStore).
constexpr const char* kSynchronousNormal = "PRAGMA synchronous = NORMAL";
constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)";
constexpr const char* kMigrationApplied = "SELECT 1 FROM schema_migrations WHERE name = ?1";
constexpr const char* kMigrationNames = "SELECT name FROM schema_migrations ORDER BY name";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (name, applied_ms) VALUES (?1, ?2)";

#define CL_INSTANCE_COLUMNS                                                                                \
  "account_id, region, id, identity_management_type, alias, directory_id, inbound_calls, outbound_calls, " \
  "service_role, created_ms, source_region, replica_region"
constexpr const char* kSelectInstance =
    "SELECT " CL_INSTANCE_COLUMNS " FROM instances WHERE account_id = ?1 AND region = ?2 AND id = ?3";
constexpr const char* kSelectInstancesPage =
    "SELECT " CL_INSTANCE_COLUMNS
    " FROM instances WHERE account_id = ?1 AND region = ?2 AND id > ?3 ORDER BY id LIMIT ?4";
constexpr const char* kCountInstances = "SELECT count(*) FROM instances WHERE account_id = ?1 AND region = ?2";
constexpr const char* kInsertInstance =
    "INSERT INTO instances (account_id, region, id, identity_management_type, alias, alias_key, directory_id, "
    "inbound_calls, outbound_calls, service_role, created_ms, source_region, replica_region) "
    "VALUES (?1, ?2, ?3, ?4, ?5, lower(?5), ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kSetReplicaRegion =
    "UPDATE instances SET replica_region = ?4 WHERE account_id = ?1 AND region = ?2 AND id = ?3";

#define CL_TDG_COLUMNS "account_id, region, id, instance_id, name, description, is_default, created_ms, deleted_ms"
constexpr const char* kSelectTdg =
    "SELECT " CL_TDG_COLUMNS " FROM traffic_distribution_groups WHERE account_id = ?1 AND region = ?2 AND id = ?3";
constexpr const char* kPurgeGoneTdgs =
    "DELETE FROM traffic_distribution_groups WHERE account_id = ?1 AND region = ?2 AND deleted_ms IS NOT NULL "
    "AND deleted_ms < ?3 RETURNING id";
constexpr const char* kInsertTdg =
    "INSERT INTO traffic_distribution_groups (" CL_TDG_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)";
constexpr const char* kSelectTdgs =
    "SELECT " CL_TDG_COLUMNS
    " FROM traffic_distribution_groups WHERE account_id = ?1 AND region = ?2 "
    "AND (?3 = '' OR instance_id = ?3) AND id > ?4 AND (deleted_ms IS NULL OR deleted_ms >= ?6) ORDER BY id LIMIT ?5";
constexpr const char* kMarkTdgDeleted =
    "UPDATE traffic_distribution_groups SET deleted_ms = ?4 WHERE account_id = ?1 AND region = ?2 AND id = ?3";
constexpr const char* kDeleteInstance = "DELETE FROM instances WHERE account_id = ?1 AND region = ?2 AND id = ?3";

constexpr const char* kSelectTags = "SELECT key, value FROM tags WHERE resource_arn = ?1 ORDER BY key";
constexpr const char* kUpsertTag =
    "INSERT INTO tags (resource_arn, key, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteTag = "DELETE FROM tags WHERE resource_arn = ?1 AND key = ?2";
constexpr const char* kDeleteAllTags = "DELETE FROM tags WHERE resource_arn = ?1";

constexpr const char* kSelectIdempotency =
    "SELECT request_hash, response, created_ms FROM idempotency "
    "WHERE account_id = ?1 AND region = ?2 AND operation = ?3 AND token = ?4";
constexpr const char* kInsertIdempotency =
    "INSERT INTO idempotency (account_id, region, operation, token, request_hash, response, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, region, operation, token) DO UPDATE SET "
    "request_hash = excluded.request_hash, response = excluded.response, created_ms = excluded.created_ms "
    "WHERE idempotency.created_ms < ?8";

constexpr const char* kSelectBlocks = "SELECT id, country, type, prefix, length FROM blocks ORDER BY id";
constexpr const char* kInsertBlock = "INSERT INTO blocks (country, type, prefix, length) VALUES (?1, ?2, ?3, ?4)";

constexpr const char* kTakeHold =
    "INSERT INTO number_holds (number, held_until_ms, phone_number_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (number) DO UPDATE SET held_until_ms = excluded.held_until_ms, "
    "phone_number_id = excluded.phone_number_id WHERE number_holds.held_until_ms <= ?4 "
    "OR number_holds.phone_number_id = ?5";
constexpr const char* kSetHold = "UPDATE number_holds SET held_until_ms = ?2 WHERE number = ?1";
constexpr const char* kActiveHolds =
    "SELECT number, held_until_ms FROM number_holds WHERE held_until_ms > ?1 ORDER BY number";

#define CL_PHONE_COLUMNS                                                                                       \
  "id, account_id, region, number, country, type, target_arn, description, source_arn, workflow, started_ms, " \
  "settles_ms, failed_message, flow_arn, vanishes_ms, counts_toward_quota"
constexpr const char* kSelectPhoneNumber =
    "SELECT " CL_PHONE_COLUMNS " FROM phone_numbers WHERE account_id = ?1 AND id = ?2";
constexpr const char* kInsertPhoneNumber = "INSERT INTO phone_numbers (" CL_PHONE_COLUMNS
                                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                                           "?15, ?16)";
constexpr const char* kUpdatePhoneNumber =
    "UPDATE phone_numbers SET account_id = ?2, region = ?3, number = ?4, country = ?5, type = ?6, target_arn = ?7, "
    "description = ?8, source_arn = ?9, workflow = ?10, started_ms = ?11, settles_ms = ?12, failed_message = ?13, "
    "flow_arn = ?14, vanishes_ms = ?15, counts_toward_quota = ?16 WHERE id = ?1";
constexpr const char* kDeletePhoneNumber = "DELETE FROM phone_numbers WHERE id = ?1";
// Only records that vanish are in the number index (phone_numbers_vanishing): its condition is
// spelled out for the planner, which cannot see that a bound parameter implies it.
constexpr const char* kPurgeVanished =
    "DELETE FROM phone_numbers WHERE number = ?1 AND vanishes_ms < 9223372036854775807 AND vanishes_ms <= ?2";
// The record a number's hold names, if it is still visible.
constexpr const char* kHolderOf = "SELECT " CL_PHONE_COLUMNS
                                  " FROM phone_numbers WHERE id = (SELECT phone_number_id FROM number_holds "
                                  "WHERE number = ?1) AND number = ?1 AND vanishes_ms > ?2";
// A page of a list walks one index in number order from the page's key: (account_id, region,
// number) for a whole scope, (target_arn, number) for one target, whose numbers may be few among
// the scope's. Either way a page costs O(page), not O(numbers before it).
#define CL_PHONE_PAGE_FILTERS                                                             \
  "AND number > ?4 AND number >= ?5 AND number < ?6 "                                     \
  "AND (?7 IS NULL OR country IN (SELECT value FROM json_each(?7))) "                     \
  "AND (?8 IS NULL OR type IN (SELECT value FROM json_each(?8))) "                        \
  "AND (?9 = 0 OR (settles_ms <= ?10 AND failed_message IS NULL)) AND vanishes_ms > ?10 " \
  "ORDER BY number LIMIT ?11"
constexpr const char* kSelectPhoneNumbers = "SELECT " CL_PHONE_COLUMNS
                                            " FROM phone_numbers INDEXED BY phone_numbers_scope "
                                            "WHERE account_id = ?1 AND region = ?2 " CL_PHONE_PAGE_FILTERS;
constexpr const char* kSelectTargetPhoneNumbers =
    "SELECT " CL_PHONE_COLUMNS
    " FROM phone_numbers INDEXED BY phone_numbers_target "
    "WHERE target_arn = ?3 AND account_id = ?1 AND region = ?2 " CL_PHONE_PAGE_FILTERS;
constexpr const char* kCountQuotaNumbers = "SELECT numbers FROM target_usage WHERE target_arn = ?1";
constexpr const char* kTargetNumbers =
    "SELECT " CL_PHONE_COLUMNS " FROM phone_numbers WHERE target_arn = ?1 ORDER BY number";
constexpr const char* kFlowAssociations = "SELECT " CL_PHONE_COLUMNS
                                          " FROM phone_numbers WHERE account_id = ?1 AND flow_arn IS NOT NULL "
                                          "AND substr(flow_arn, 1, length(?2)) = ?2 AND id > ?3 ORDER BY id LIMIT ?4";
constexpr const char* kClearFlow = "UPDATE phone_numbers SET flow_arn = NULL WHERE flow_arn = ?1";

constexpr const char* kInsertRelease =
    "INSERT INTO releases (account_id, region, released_ms, number) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kCountReleases =
    "SELECT count(*), min(released_ms) FROM releases WHERE account_id = ?1 AND region = ?2 AND released_ms > ?3";

constexpr const char* kSelectExternal =
    "SELECT source_arn, number, country, type FROM external_numbers WHERE source_arn = ?1";
constexpr const char* kSelectExternals =
    "SELECT source_arn, number, country, type FROM external_numbers ORDER BY source_arn";
constexpr const char* kUpsertExternal =
    "INSERT INTO external_numbers (source_arn, number, country, type) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (source_arn) DO UPDATE SET number = excluded.number, country = excluded.country, type = excluded.type";

#define CL_FLOW_COLUMNS \
  "account_id, region, instance_id, id, name, type, description, content, status, modified_ms, state"
constexpr const char* kSelectFlow =
    "SELECT " CL_FLOW_COLUMNS
    " FROM contact_flows WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3 AND id = ?4";
constexpr const char* kInsertFlow =
    "INSERT INTO contact_flows (" CL_FLOW_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kUpdateFlow =
    "UPDATE contact_flows SET name = ?5, description = ?6, content = ?7, status = ?8, modified_ms = ?9, state = ?10 "
    "WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3 AND id = ?4";

constexpr const char* kSelectInstanceAttributes =
    "SELECT attribute_type, value FROM instance_attributes WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3";
constexpr const char* kUpsertInstanceAttribute =
    "INSERT INTO instance_attributes (account_id, region, instance_id, attribute_type, value) VALUES (?1, ?2, ?3, ?4, "
    "?5) "
    "ON CONFLICT (account_id, region, instance_id, attribute_type) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteInstanceAttributes =
    "DELETE FROM instance_attributes WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3";
constexpr const char* kSetInstanceCalls =
    "UPDATE instances SET inbound_calls = ?4, outbound_calls = ?5 WHERE account_id = ?1 AND region = ?2 AND id = ?3";
constexpr const char* kSelectFlows =
    "SELECT " CL_FLOW_COLUMNS
    " FROM contact_flows WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3 "
    "AND (?4 IS NULL OR type IN (SELECT value FROM json_each(?4))) AND id > ?5 ORDER BY id LIMIT ?6";
constexpr const char* kDeleteFlow =
    "DELETE FROM contact_flows WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3 AND id = ?4";
constexpr const char* kDeleteFlows =
    "DELETE FROM contact_flows WHERE account_id = ?1 AND region = ?2 AND instance_id = ?3";

constexpr const char* kSelectFaultRules = "SELECT id, definition, times_left FROM fault_rules ORDER BY id";
constexpr const char* kUpsertFaultRule =
    "INSERT INTO fault_rules (id, definition, times_left) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, times_left = excluded.times_left";
constexpr const char* kDeleteFaultRule = "DELETE FROM fault_rules WHERE id = ?1";
constexpr const char* kDeleteFaultRules = "DELETE FROM fault_rules";
constexpr const char* kConsumeFaultRule =
    "UPDATE fault_rules SET times_left = times_left - 1 WHERE id = ?1 AND times_left > 0";

constexpr const char* kSelectSetting = "SELECT value FROM settings WHERE key = ?1";
constexpr const char* kUpsertSetting =
    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
constexpr const char* kInsertSetting = "INSERT INTO settings (key, value) VALUES (?1, ?2)";
constexpr const char* kListTables =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'";
constexpr const char* kListAllTables =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
constexpr const char* kTableColumns = "SELECT name FROM pragma_table_info(?1) ORDER BY cid";
}  // namespace sql

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreFailure("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "no connection"));
}

// WAL frames (4 KiB pages) after which the checkpointer copies the WAL into the database. Ten times
// SQLite's default: the pages every claim rewrites (the ends of the indexes) are copied once per
// checkpoint, so fewer checkpoints copy fewer pages per claim; the WAL stays under ~40 MiB.
constexpr int kCheckpointFrames = 10000;

constexpr const char* kTempStoreMemory = "PRAGMA temp_store = MEMORY";

// Reads the schema page: a file that is not a database fails at open rather than in a migration.
constexpr const char* kCheckReadable = "SELECT count(*) FROM sqlite_master";

// "file:/x/connect-local.db?vfs=..." -> "/x/connect-local.db"
std::string file_of(const std::string& uri) {
  std::string f = uri.rfind("file:", 0) == 0 ? uri.substr(5) : uri;
  return f.substr(0, f.find('?'));
}

// Why a database could not be opened, in the operator's terms: the file, the cause, what to do.
[[noreturn]] void explain_open_failure(const std::string& file, int code, int sys_errno, const StoreFailure& e) {
  switch (code & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR: {
      std::string cause = sys_errno ? std::strerror(sys_errno) : sqlite3_errstr(code);
      if (!cause.empty()) cause[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(cause[0])));
      throw StoreFailure("cannot open " + file + ": " + cause +
                         ": check that the directory is writable or choose another --data-dir");
    }
    case SQLITE_READONLY:
      throw StoreFailure("cannot open " + file +
                         " for writing: it is read-only: make it writable or choose another --data-dir");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw StoreFailure(file +
                         " is not a connect-local database (or is corrupt): move it away or choose another --data-dir");
    default: throw e;
  }
}

// One connection with its prepared statements.
class Connection {
 public:
  Connection(const std::string& uri, bool writer) {
    configure_sqlite_once();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    try {
      if (sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr) != SQLITE_OK) fail(db_, "open " + uri);
      sqlite3_busy_timeout(db_, 10000);
      sqlite3_extended_result_codes(db_, 1);
      exec("PRAGMA foreign_keys = ON");
      if (writer) {
        exec("PRAGMA synchronous = FULL");  // lowered to NORMAL by a store that syncs the WAL itself
        // Each transaction of a group commit runs in a savepoint, whose undo records (the
        // sub-journal) would otherwise go to a temporary file once they pass 64 KiB, and stay there
        // until the commit: a write system call for every page a claim touches.
        exec(kTempStoreMemory);
      } else
        exec("PRAGMA query_only = ON");  // read transactions cannot write, whatever the caller does
      exec(kCheckReadable);
    } catch (const StoreFailure& e) {
      const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
      const int sys = db_ ? sqlite3_system_errno(db_) : 0;
      sqlite3_close_v2(db_);
      explain_open_failure(file_of(uri), code, sys, e);
    }
    if (writer && sqlite3_db_readonly(db_, "main") == 1) {
      sqlite3_close_v2(db_);
      explain_open_failure(file_of(uri), SQLITE_READONLY, 0, StoreFailure("read-only"));
    }
  }
  ~Connection() {
    for (auto& [_, p] : statements_) sqlite3_finalize(p.st);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() { return db_; }

  // A read transaction begins (BEGIN) at its first statement, so one that needs none (its records
  // came from the RecordCache) runs no SQL at all; its statements still share one snapshot.
  void begin_at_first_statement() {
    if (begin_pending_ || began_) throw StoreFailure("sqlite: a read transaction inside another one");
    begin_pending_ = true;
  }
  bool began() const { return began_; }
  // Ends the wait for a first statement; true when BEGIN ran (the transaction must be ended).
  bool end_deferred_begin() {
    begin_pending_ = false;
    return std::exchange(began_, false);
  }

  // Watches this (the writer's) connection for statements that write the tables the RecordCache
  // keeps. SQLite names every table a statement may write (its triggers' and foreign keys' included)
  // to the authorizer when the statement is prepared; a prepared statement remembers the answer.
  void watch_cached_tables() { sqlite3_set_authorizer(db_, &Connection::authorize, this); }
  // True when a statement that may write those tables was prepared or run since the last call.
  bool take_cached_tables_written() { return std::exchange(cached_tables_written_, false); }
  bool cached_tables_written() const { return cached_tables_written_; }

  void exec(const char* text) {
    begin_if_pending();
    char* err = nullptr;
    if (sqlite3_exec(db_, text, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw StoreFailure(std::string("sqlite: ") + text + ": " + msg);
    }
  }

  // Runs a statement without parameters through the prepared-statement cache.
  void run(const char* text) {
    sqlite3_stmt* st = prepare(text);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(db_, text);
  }

  sqlite3_stmt* prepare(const char* text) {
    begin_if_pending();
    auto it = statements_.find(text);
    if (it != statements_.end()) {
      sqlite3_reset(it->second.st);
      sqlite3_clear_bindings(it->second.st);
      if (it->second.writes_cached_tables) cached_tables_written_ = true;
      return it->second.st;
    }
    sqlite3_stmt* st = nullptr;
    preparing_writes_cached_tables_ = false;
    if (sqlite3_prepare_v3(db_, text, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      fail(db_, std::string("prepare ") + text);
    statements_.emplace(text, Prepared{st, preparing_writes_cached_tables_});
    return st;
  }

 private:
  struct Prepared {
    sqlite3_stmt* st;
    bool writes_cached_tables;
  };

  void begin_if_pending() {
    if (!begin_pending_) return;
    begin_pending_ = false;
    run(sql::kBegin);
    began_ = true;
  }

  static int authorize(void* self, int action, const char* a, const char* b, const char*, const char*) {
    const char* table = action == SQLITE_ALTER_TABLE ? b : a;
    switch (action) {
      case SQLITE_INSERT:
      case SQLITE_UPDATE:
      case SQLITE_DELETE:
      case SQLITE_DROP_TABLE:
      case SQLITE_ALTER_TABLE:
        if (table &&
            (::strcasecmp(table, "instances") == 0 || ::strcasecmp(table, "traffic_distribution_groups") == 0)) {
          auto* c = static_cast<Connection*>(self);
          c->preparing_writes_cached_tables_ = true;
          c->cached_tables_written_ = true;  // statements prepared and run at once (exec, snapshots)
        }
        break;
      default: break;
    }
    return SQLITE_OK;
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, Prepared> statements_;
  bool begin_pending_ = false, began_ = false;
  bool preparing_writes_cached_tables_ = false, cached_tables_written_ = false;
};

// A bound statement, reset when it goes out of scope. Every failure throws StoreFailure, constraint
// violations included, except through insert() for the one constraint a caller expects.
class Stmt {
 public:
  Stmt(Connection& c, const char* text) : c_(c), st_(c.prepare(text)) {}
  ~Stmt() { sqlite3_reset(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const std::optional<std::string>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(st_, i);
    return *this;
  }
  Stmt& bind(int i, const std::optional<int64_t>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(st_, i);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, bool v) { return bind(i, int64_t{v}); }
  // True when a row is available.
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(c_.db(), std::string("step ") + sqlite3_sql(st_));
  }
  // Runs an INSERT whose UNIQUE or PRIMARY KEY constraint may fail: Conflict then.
  Insert insert() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Insert::Ok;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return Insert::Conflict;
    fail(c_.db(), std::string("insert ") + sqlite3_sql(st_));
  }
  // Runs a statement that returns no rows; the number of rows it changed.
  int changes() {
    step();
    return sqlite3_changes(c_.db());
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : std::string();
  }
  std::optional<std::string> opt_text(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  std::optional<int64_t> opt_integer(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return integer(col);
  }
  // The value when the column holds an integer (not text, real or null).
  std::optional<int64_t> opt_integer_exact(int col) const {
    if (sqlite3_column_type(st_, col) != SQLITE_INTEGER) return std::nullopt;
    return integer(col);
  }

 private:
  Connection& c_;
  sqlite3_stmt* st_;
};

std::optional<std::string> json_list(const std::vector<std::string>& items) {
  if (items.empty()) return std::nullopt;
  std::string out = "[";
  for (const auto& i : items) {
    out += out.size() > 1 ? ",\"" : "\"";
    for (char c : i) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "]";
}

InstanceRecord instance_row(const Stmt& s) {
  InstanceRecord r;
  r.account_id = s.text(0);
  r.region = s.text(1);
  r.id = s.text(2);
  r.identity_management_type = s.text(3);
  r.alias = s.opt_text(4);
  r.directory_id = s.opt_text(5);
  r.inbound_calls = s.integer(6) != 0;
  r.outbound_calls = s.integer(7) != 0;
  r.service_role = s.text(8);
  r.created_ms = s.integer(9);
  r.source_region = s.opt_text(10);
  r.replica_region = s.opt_text(11);
  return r;
}

TrafficDistributionGroupRecord tdg_row(const Stmt& s) {
  TrafficDistributionGroupRecord r;
  r.account_id = s.text(0);
  r.region = s.text(1);
  r.id = s.text(2);
  r.instance_id = s.text(3);
  r.name = s.text(4);
  r.description = s.opt_text(5);
  r.is_default = s.integer(6) != 0;
  r.created_ms = s.integer(7);
  r.deleted_ms = s.opt_integer(8);
  return r;
}

PhoneNumberRecord phone_row(const Stmt& s) {
  PhoneNumberRecord r;
  r.id = s.text(0);
  r.account_id = s.text(1);
  r.region = s.text(2);
  r.number = s.text(3);
  r.country = s.text(4);
  r.type = s.text(5);
  r.target_arn = s.text(6);
  r.description = s.opt_text(7);
  r.source_arn = s.opt_text(8);
  r.workflow = s.text(9);
  r.started_ms = s.integer(10);
  r.settles_ms = s.integer(11);
  r.failed_message = s.opt_text(12);
  r.flow_arn = s.opt_text(13);
  r.vanishes_ms = s.integer(14);
  r.counts_toward_quota = s.integer(15) != 0;
  return r;
}

void bind_phone(Stmt& s, const PhoneNumberRecord& r) {
  s.bind(1, r.id).bind(2, r.account_id).bind(3, r.region).bind(4, r.number).bind(5, r.country).bind(6, r.type);
  s.bind(7, r.target_arn).bind(8, r.description).bind(9, r.source_arn).bind(10, r.workflow).bind(11, r.started_ms);
  s.bind(12, r.settles_ms).bind(13, r.failed_message).bind(14, r.flow_arn).bind(15, r.vanishes_ms);
  s.bind(16, r.counts_toward_quota);
}

ContactFlowRecord flow_row(const Stmt& s) {
  return {s.text(0),     s.text(1), s.text(2), s.text(3),    s.text(4), s.text(5),
          s.opt_text(6), s.text(7), s.text(8), s.integer(9), s.text(10)};
}

template <class Row, class Fn>
std::vector<Row> rows(Stmt& s, Fn row) {
  std::vector<Row> out;
  while (s.step()) out.push_back(row(s));
  return out;
}

// Both transaction kinds on one connection. Read transactions are handed out as ReadTxn on a
// query_only connection, with the record cache and the generation they took before their first
// statement; write transactions as WriteTxn on the writer's connection, without the cache.
class SqliteTxn final : public WriteTxn {
 public:
  explicit SqliteTxn(Connection& c, RecordCache* cache = nullptr, uint64_t generation = 0)
      : c_(c), cache_(cache), generation_(generation) {}
  Connection& connection() { return c_; }
  std::vector<Change>& published() { return published_; }
  // True when a record came from the cache before the transaction's snapshot began (see read()).
  bool cached_before_snapshot() const { return cached_before_snapshot_; }

  // ---- reads ----
  std::optional<InstanceRecord> instance(const Scope& sc, const std::string& id) override {
    auto select = [&] { return select_instance(sc, id); };
    if (!cache_ || c_.cached_tables_written()) return select();
    return cached([&](auto load) { return cache_->instance(generation_, sc, id, load); }, select);
  }
  std::optional<InstanceRecord> select_instance(const Scope& sc, const std::string& id) {
    Stmt s(c_, sql::kSelectInstance);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id);
    if (!s.step()) return std::nullopt;
    return instance_row(s);
  }
  std::vector<InstanceRecord> instances(const Scope& sc, const std::string& after_id, int limit) override {
    Stmt s(c_, sql::kSelectInstancesPage);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, after_id).bind(4, int64_t{limit});
    return rows<InstanceRecord>(s, instance_row);
  }
  int64_t count_instances(const Scope& sc) override {
    Stmt s(c_, sql::kCountInstances);
    s.bind(1, sc.account_id).bind(2, sc.region);
    s.step();
    return s.integer(0);
  }
  std::optional<TrafficDistributionGroupRecord> traffic_distribution_group(const Scope& sc,
                                                                           const std::string& id) override {
    auto select = [&] { return select_tdg(sc, id); };
    if (!cache_ || c_.cached_tables_written()) return select();
    return cached([&](auto load) { return cache_->group(generation_, sc, id, load); }, select);
  }
  std::optional<TrafficDistributionGroupRecord> select_tdg(const Scope& sc, const std::string& id) {
    Stmt s(c_, sql::kSelectTdg);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id);
    if (!s.step()) return std::nullopt;
    return tdg_row(s);
  }
  std::vector<TrafficDistributionGroupRecord> traffic_distribution_groups(const Scope& sc,
                                                                          const std::string& instance_id,
                                                                          const std::string& after_id, int limit,
                                                                          Millis gone_before_ms) override {
    Stmt s(c_, sql::kSelectTdgs);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id).bind(4, after_id).bind(5, int64_t{limit});
    s.bind(6, gone_before_ms);
    return rows<TrafficDistributionGroupRecord>(s, tdg_row);
  }
  TagMap tags(const std::string& arn) override {
    Stmt s(c_, sql::kSelectTags);
    s.bind(1, arn);
    TagMap out;
    while (s.step()) out.emplace(s.text(0), s.text(1));
    return out;
  }
  std::optional<IdempotencyRecord> idempotency(const Scope& sc, const std::string& op,
                                               const std::string& token) override {
    Stmt s(c_, sql::kSelectIdempotency);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, op).bind(4, token);
    if (!s.step()) return std::nullopt;
    return IdempotencyRecord{s.text(0), s.text(1), s.integer(2)};
  }
  std::vector<BlockRecord> blocks() override {
    Stmt s(c_, sql::kSelectBlocks);
    return rows<BlockRecord>(s, [](const Stmt& r) {
      return BlockRecord{r.integer(0), r.text(1), r.text(2), r.text(3), static_cast<int>(r.integer(4))};
    });
  }
  std::vector<std::pair<std::string, Millis>> active_holds(Millis now_ms) override {
    Stmt s(c_, sql::kActiveHolds);
    s.bind(1, now_ms);
    return rows<std::pair<std::string, Millis>>(s, [](const Stmt& r) { return std::pair(r.text(0), r.integer(1)); });
  }
  std::optional<PhoneNumberRecord> phone_number(const std::string& account_id, const std::string& id) override {
    Stmt s(c_, sql::kSelectPhoneNumber);
    s.bind(1, account_id).bind(2, id);
    if (!s.step()) return std::nullopt;
    return phone_row(s);
  }
  std::vector<PhoneNumberRecord> phone_numbers(const PhoneNumberQuery& q) override {
    Stmt s(c_, q.target_arn ? sql::kSelectTargetPhoneNumbers : sql::kSelectPhoneNumbers);
    s.bind(1, q.account_id).bind(2, q.region).bind(4, q.after_number);
    if (q.target_arn) s.bind(3, *q.target_arn);
    // ':' sorts right after '9': [prefix, prefix + ":") is every number starting with prefix.
    s.bind(5, q.prefix).bind(6, q.prefix + ":");
    s.bind(7, json_list(q.countries)).bind(8, json_list(q.types)).bind(9, q.claimed_only);
    s.bind(10, q.now_ms).bind(11, int64_t{q.limit});
    return rows<PhoneNumberRecord>(s, phone_row);
  }
  int64_t count_quota_numbers(const std::string& target_arn) override {
    Stmt s(c_, sql::kCountQuotaNumbers);
    s.bind(1, target_arn);
    return s.step() ? s.integer(0) : 0;
  }
  std::vector<PhoneNumberRecord> target_numbers(const std::string& target_arn) override {
    Stmt s(c_, sql::kTargetNumbers);
    s.bind(1, target_arn);
    return rows<PhoneNumberRecord>(s, phone_row);
  }
  std::optional<PhoneNumberRecord> holder_of(const std::string& number, Millis now_ms) override {
    Stmt s(c_, sql::kHolderOf);
    s.bind(1, number).bind(2, now_ms);
    if (!s.step()) return std::nullopt;
    return phone_row(s);
  }
  ReleaseCount releases_since(const Scope& sc, Millis since_ms) override {
    Stmt s(c_, sql::kCountReleases);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, since_ms);
    s.step();
    return {s.integer(0), s.opt_integer(1)};
  }
  std::optional<ExternalNumber> external_number(const std::string& source_arn) override {
    Stmt s(c_, sql::kSelectExternal);
    s.bind(1, source_arn);
    if (!s.step()) return std::nullopt;
    return ExternalNumber{s.text(0), s.text(1), s.text(2), s.text(3)};
  }
  std::vector<ExternalNumber> external_numbers() override {
    Stmt s(c_, sql::kSelectExternals);
    return rows<ExternalNumber>(s, [](const Stmt& r) {
      return ExternalNumber{r.text(0), r.text(1), r.text(2), r.text(3)};
    });
  }
  std::map<std::string, std::string> instance_attributes(const Scope& sc, const std::string& instance_id) override {
    Stmt s(c_, sql::kSelectInstanceAttributes);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id);
    std::map<std::string, std::string> out;
    while (s.step()) out.emplace(s.text(0), s.text(1));
    return out;
  }
  std::optional<ContactFlowRecord> contact_flow(const Scope& sc, const std::string& instance_id,
                                                const std::string& id) override {
    Stmt s(c_, sql::kSelectFlow);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id).bind(4, id);
    if (!s.step()) return std::nullopt;
    return flow_row(s);
  }
  std::vector<ContactFlowRecord> contact_flows(const Scope& sc, const std::string& instance_id,
                                               const std::vector<std::string>& types, const std::string& after_id,
                                               int limit) override {
    Stmt s(c_, sql::kSelectFlows);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id).bind(4, json_list(types)).bind(5, after_id);
    s.bind(6, int64_t{limit});
    return rows<ContactFlowRecord>(s, flow_row);
  }
  std::vector<PhoneNumberRecord> flow_associations(const std::string& account_id, const std::string& flow_arn_prefix,
                                                   const std::string& after_id, int limit) override {
    Stmt s(c_, sql::kFlowAssociations);
    s.bind(1, account_id).bind(2, flow_arn_prefix).bind(3, after_id).bind(4, int64_t{limit});
    return rows<PhoneNumberRecord>(s, phone_row);
  }
  std::optional<std::string> setting(const std::string& key) override {
    Stmt s(c_, sql::kSelectSetting);
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }
  std::vector<FaultRuleRecord> fault_rules() override {
    Stmt s(c_, sql::kSelectFaultRules);
    return rows<FaultRuleRecord>(s, [](const Stmt& r) {
      return FaultRuleRecord{r.text(0), r.text(1), r.opt_integer(2)};
    });
  }

  // ---- writes ----
  Insert insert_instance(const InstanceRecord& r) override {
    Stmt s(c_, sql::kInsertInstance);
    s.bind(1, r.account_id).bind(2, r.region).bind(3, r.id).bind(4, r.identity_management_type).bind(5, r.alias);
    s.bind(6, r.directory_id).bind(7, r.inbound_calls).bind(8, r.outbound_calls);
    s.bind(9, r.service_role).bind(10, r.created_ms).bind(11, r.source_region).bind(12, r.replica_region);
    return s.insert();
  }
  bool delete_instance(const Scope& sc, const std::string& id) override {
    Stmt s(c_, sql::kDeleteInstance);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id);
    return s.changes() > 0;
  }
  void set_instance_calls(const Scope& sc, const std::string& id, bool inbound, bool outbound) override {
    Stmt s(c_, sql::kSetInstanceCalls);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id).bind(4, inbound).bind(5, outbound);
    s.step();
  }
  void put_instance_attribute(const Scope& sc, const std::string& instance_id, const std::string& type,
                              const std::string& value) override {
    Stmt s(c_, sql::kUpsertInstanceAttribute);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id).bind(4, type).bind(5, value);
    s.step();
  }
  void delete_instance_attributes(const Scope& sc, const std::string& instance_id) override {
    Stmt s(c_, sql::kDeleteInstanceAttributes);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id);
    s.step();
  }
  void set_replica_region(const Scope& sc, const std::string& id, const std::optional<std::string>& region) override {
    Stmt s(c_, sql::kSetReplicaRegion);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id).bind(4, region);
    s.step();
  }
  Insert insert_traffic_distribution_group(const TrafficDistributionGroupRecord& r) override {
    Stmt s(c_, sql::kInsertTdg);
    s.bind(1, r.account_id)
        .bind(2, r.region)
        .bind(3, r.id)
        .bind(4, r.instance_id)
        .bind(5, r.name)
        .bind(6, r.description);
    s.bind(7, r.is_default).bind(8, r.created_ms);
    return s.insert();
  }
  void mark_traffic_distribution_group_deleted(const Scope& sc, const std::string& id, Millis deleted_ms) override {
    Stmt s(c_, sql::kMarkTdgDeleted);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id).bind(4, deleted_ms);
    s.step();
  }
  std::vector<std::string> delete_gone_traffic_distribution_groups(const Scope& sc, Millis gone_before_ms) override {
    Stmt s(c_, sql::kPurgeGoneTdgs);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, gone_before_ms);
    return rows<std::string>(s, [](const Stmt& r) { return r.text(0); });
  }
  void put_tags(const std::string& arn, const TagMap& tags) override {
    for (const auto& [k, v] : tags) {
      Stmt s(c_, sql::kUpsertTag);
      s.bind(1, arn).bind(2, k).bind(3, v);
      s.step();
    }
  }
  void delete_tags(const std::string& arn, const std::vector<std::string>& keys) override {
    for (const auto& k : keys) {
      Stmt s(c_, sql::kDeleteTag);
      s.bind(1, arn).bind(2, k);
      s.step();
    }
  }
  void delete_all_tags(const std::string& arn) override {
    Stmt s(c_, sql::kDeleteAllTags);
    s.bind(1, arn);
    s.step();
  }
  Insert insert_idempotency(const Scope& sc, const std::string& op, const std::string& token,
                            const IdempotencyRecord& r, Millis expired_before_ms) override {
    Stmt s(c_, sql::kInsertIdempotency);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, op).bind(4, token);
    s.bind(5, r.request_hash).bind(6, r.response).bind(7, r.created_ms).bind(8, expired_before_ms);
    return s.changes() == 1 ? Insert::Ok : Insert::Conflict;
  }
  Insert insert_block(BlockRecord& r) override {
    Stmt s(c_, sql::kInsertBlock);
    s.bind(1, r.country).bind(2, r.type).bind(3, r.prefix).bind(4, int64_t{r.length});
    if (s.insert() == Insert::Conflict) return Insert::Conflict;
    r.id = sqlite3_last_insert_rowid(c_.db());
    return Insert::Ok;
  }
  bool take_hold(const std::string& number, Millis until_ms, const std::string& phone_number_id, Millis now_ms,
                 const std::string& taken_over) override {
    Stmt s(c_, sql::kTakeHold);
    s.bind(1, number).bind(2, until_ms).bind(3, phone_number_id).bind(4, now_ms).bind(5, taken_over);
    return s.changes() == 1;
  }
  void set_hold(const std::string& number, Millis until_ms) override {
    Stmt s(c_, sql::kSetHold);
    s.bind(1, number).bind(2, until_ms);
    s.step();
  }
  void insert_phone_number(const PhoneNumberRecord& r) override {
    Stmt s(c_, sql::kInsertPhoneNumber);
    bind_phone(s, r);
    s.step();
  }
  void update_phone_number(const PhoneNumberRecord& r) override {
    Stmt s(c_, sql::kUpdatePhoneNumber);
    bind_phone(s, r);
    s.step();
  }
  void delete_phone_number(const std::string& id) override {
    Stmt s(c_, sql::kDeletePhoneNumber);
    s.bind(1, id);
    s.step();
  }
  void purge_vanished(const std::string& number, Millis now_ms) override {
    Stmt s(c_, sql::kPurgeVanished);
    s.bind(1, number).bind(2, now_ms);
    s.step();
  }
  void insert_release(const Scope& sc, Millis released_ms, const std::string& number) override {
    Stmt s(c_, sql::kInsertRelease);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, released_ms).bind(4, number);
    s.step();
  }
  void put_external_number(const ExternalNumber& n) override {
    Stmt s(c_, sql::kUpsertExternal);
    s.bind(1, n.source_arn).bind(2, n.number).bind(3, n.country).bind(4, n.type);
    s.step();
  }
  Insert insert_contact_flow(const ContactFlowRecord& r) override {
    Stmt s(c_, sql::kInsertFlow);
    s.bind(1, r.account_id).bind(2, r.region).bind(3, r.instance_id).bind(4, r.id).bind(5, r.name).bind(6, r.type);
    s.bind(7, r.description).bind(8, r.content).bind(9, r.status).bind(10, r.modified_ms).bind(11, r.state);
    return s.insert();
  }
  Insert update_contact_flow(const ContactFlowRecord& r) override {
    Stmt s(c_, sql::kUpdateFlow);
    s.bind(1, r.account_id).bind(2, r.region).bind(3, r.instance_id).bind(4, r.id).bind(5, r.name);
    s.bind(6, r.description).bind(7, r.content).bind(8, r.status).bind(9, r.modified_ms).bind(10, r.state);
    return s.insert();
  }
  bool delete_contact_flow(const Scope& sc, const std::string& instance_id, const std::string& id) override {
    Stmt s(c_, sql::kDeleteFlow);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id).bind(4, id);
    return s.changes() > 0;
  }
  void delete_contact_flows(const Scope& sc, const std::string& instance_id) override {
    Stmt s(c_, sql::kDeleteFlows);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, instance_id);
    s.step();
  }
  void clear_flow(const std::string& flow_arn) override {
    Stmt s(c_, sql::kClearFlow);
    s.bind(1, flow_arn);
    s.step();
  }
  void put_setting(const std::string& key, const std::string& value) override {
    Stmt s(c_, sql::kUpsertSetting);
    s.bind(1, key).bind(2, value);
    s.step();
  }
  Insert insert_setting(const std::string& key, const std::string& value) override {
    Stmt s(c_, sql::kInsertSetting);
    s.bind(1, key).bind(2, value);
    return s.insert();
  }
  void put_fault_rule(const FaultRuleRecord& r) override {
    Stmt s(c_, sql::kUpsertFaultRule);
    s.bind(1, r.id).bind(2, r.definition).bind(3, r.times_left);
    s.step();
  }
  bool delete_fault_rule(const std::string& id) override {
    Stmt s(c_, sql::kDeleteFaultRule);
    s.bind(1, id);
    return s.changes() > 0;
  }
  void delete_fault_rules() override {
    Stmt s(c_, sql::kDeleteFaultRules);
    s.step();
  }
  bool consume_fault_rule(const std::string& id) override {
    Stmt s(c_, sql::kConsumeFaultRule);
    s.bind(1, id);
    return s.changes() == 1;
  }
  void delete_everything() override {
    std::vector<std::string> tables;
    {
      Stmt s(c_, sql::kListTables);
      while (s.step()) tables.push_back(s.text(0));
    }
    for (const auto& name : tables) c_.exec(("DELETE FROM \"" + name + "\"").c_str());
  }
  void publish(const Change& c) override { published_.push_back(c); }

  // target_usage is rebuilt by its triggers as phone_numbers load: never part of a snapshot.
  static bool derived(const std::string& table) { return table == "target_usage"; }

  std::vector<TableSnapshot> dump_tables() override {
    std::vector<TableSnapshot> out;
    for (const auto& name : table_names(sql::kListAllTables)) {
      if (derived(name)) continue;
      TableSnapshot t{name, columns_of(name), {}};
      // Identifiers come from sqlite_master, never from a request.
      Stmt s(c_, statement_text("SELECT * FROM \"" + name + "\""));
      while (s.step()) {
        std::vector<Value> row;
        row.reserve(t.columns.size());
        for (int i = 0; i < static_cast<int>(t.columns.size()); ++i) {
          if (auto v = s.opt_integer_exact(i))
            row.emplace_back(*v);
          else if (auto text = s.opt_text(i))
            row.emplace_back(std::move(*text));
          else
            row.emplace_back(nullptr);
        }
        t.rows.push_back(std::move(row));
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  void load_tables(const std::vector<TableSnapshot>& tables) override {
    const auto known = table_names(sql::kListAllTables);
    for (const auto& t : tables) {
      if (std::find(known.begin(), known.end(), t.name) == known.end() || derived(t.name))
        throw std::invalid_argument("the snapshot has a table this version does not know: " + t.name);
      if (t.columns != columns_of(t.name))
        throw std::invalid_argument("the snapshot's table " + t.name + " has other columns than this version's");
    }
    for (const auto& t : tables) {
      if (t.name == "schema_migrations") {
        // The snapshot must come from the same schema: compare, never load.
        std::vector<std::vector<Value>> ours;
        Stmt s(c_, sql::kMigrationNames);
        while (s.step()) ours.push_back({Value(s.text(0))});
        std::vector<std::vector<Value>> theirs;
        for (const auto& row : t.rows)
          if (!row.empty()) theirs.push_back({row[0]});
        if (theirs != ours) throw std::invalid_argument("the snapshot was taken from another schema version");
        continue;
      }
      std::string text = "INSERT INTO \"" + t.name + "\" VALUES (";
      for (size_t i = 0; i < t.columns.size(); ++i) text += i ? ",?" : "?";
      text += ")";
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(c_.db(), text.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(c_.db(), "prepare " + text);
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
      for (const auto& row : t.rows) {
        if (row.size() != t.columns.size())
          throw std::invalid_argument("a row of " + t.name + " has the wrong number of values");
        sqlite3_reset(st);
        for (size_t i = 0; i < row.size(); ++i) {
          const int at = static_cast<int>(i) + 1;
          switch (row[i].kind()) {
            case Value::Kind::Null: sqlite3_bind_null(st, at); break;
            case Value::Kind::Int: sqlite3_bind_int64(st, at, row[i].as_int()); break;
            case Value::Kind::String:
              sqlite3_bind_text(st, at, row[i].as_string().data(), static_cast<int>(row[i].as_string().size()),
                                SQLITE_TRANSIENT);
              break;
            default: throw std::invalid_argument("a value of " + t.name + " is neither a string, an integer nor null");
          }
        }
        if (sqlite3_step(st) != SQLITE_DONE)
          throw std::invalid_argument("a row of " + t.name + " does not fit: " + sqlite3_errmsg(c_.db()));
      }
    }
  }

 private:
  std::vector<std::string> table_names(const char* query) {
    Stmt s(c_, query);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  std::vector<std::string> columns_of(const std::string& table) {
    Stmt s(c_, sql::kTableColumns);
    s.bind(1, table);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  // A record through the cache (`lookup` calls its loader on a miss), noting whether it came from
  // the cache before this transaction's snapshot began (see read()).
  template <class Lookup, class Select>
  std::invoke_result_t<Select> cached(Lookup lookup, Select select) {
    bool loaded = false;
    auto r = lookup([&] { return loaded = true, select(); });
    cached_before_snapshot_ |= !loaded && !c_.began();
    return r;
  }

  // Statements built from table names live as long as the connection's cache: keep their text.
  const char* statement_text(std::string text) { return dynamic_texts_.insert(std::move(text)).first->c_str(); }

  Connection& c_;
  RecordCache* cache_;
  uint64_t generation_;
  bool cached_before_snapshot_ = false;
  std::vector<Change> published_;
  static inline thread_local std::set<std::string> dynamic_texts_;
};

uint64_t next_store_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

constexpr int kMaxAttempts = 16;  // runs of one transaction that keeps throwing Retry

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& o)
      : max_batch_(o.max_batch),
        on_commit_(o.on_commit),
        on_read_statement_(o.on_read_statement),
        sync_wal_(o.sync_wal) {
    if (o.before_cache_fill) cache_.set_before_fill(o.before_cache_fill);
    if (o.in_memory) {
      // memdb VFS: one in-memory database shared by every connection of this process.
      uri_ = "file:/connect-local-" + random_uuid() + "?vfs=memdb";
    } else {
      std::filesystem::create_directories(o.data_dir);
      // unix-excl VFS: the process holds the database file exclusively (one server per data
      // directory, which the data-directory lock enforces anyway) and keeps the WAL index in its own
      // memory, so a read transaction takes its WAL locks without a system call (two fcntl calls
      // per request otherwise). Over it, each commit's WAL frames are written together, not two
      // system calls a page (wal_write_vfs.hpp).
      uri_ = "file:" + (std::filesystem::path(o.data_dir) / "connect-local.db").string() + "?vfs=" + wal_write_vfs();
    }
    writer_conn_ = std::make_unique<Connection>(uri_, true);
    if (!o.in_memory) writer_conn_->exec("PRAGMA journal_mode = WAL");
    writer_conn_->watch_cached_tables();
    cache_.begin_change();
    migrate();
    cache_.end_change();
    writer_conn_->take_cached_tables_written();
    if (!o.in_memory) {
      // Commits are made durable by syncing the WAL on the syncer thread, not inside COMMIT: the
      // writer goes on with the next batch while the disk works, and a batch is answered only once
      // a sync that started after its COMMIT has returned. Without the WAL's descriptor (it always
      // exists once the database is in WAL mode) COMMIT syncs, as SQLite does by default.
      wal_fd_ = ::open((file_of(uri_) + "-wal").c_str(), O_RDWR | O_CLOEXEC);
      if (wal_fd_ >= 0) {
        writer_conn_->exec(sql::kSynchronousNormal);
        for (auto& t : syncers_)
          t = std::thread([this] {
            name_this_thread("cl-wal-sync");
            sync_loop();
          });
      }
      // Checkpoints (copying the WAL into the database and syncing that) run on their own thread and
      // connection, not inside the writer's commits.
      checkpoint_conn_ = std::make_unique<Connection>(uri_, true);
      writer_conn_->exec("PRAGMA wal_autocheckpoint = 0");
      sqlite3_wal_hook(writer_conn_->db(), &SqliteStore::on_wal_commit, this);
      checkpointer_ = std::thread([this] {
        name_this_thread("cl-checkpoint");
        checkpoint_loop();
      });
    }
    writer_ = std::thread([this] {
      name_this_thread("cl-writer");
      writer_loop();
    });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    writer_.join();
    if (syncers_[0].joinable()) {  // after the writer: it answers every batch the writer committed
      {
        std::lock_guard lk(sync_mu_);
        sync_stopping_ = true;
      }
      sync_cv_.notify_all();
      for (auto& t : syncers_) t.join();
    }
    if (wal_fd_ >= 0) ::close(wal_fd_);
    if (checkpointer_.joinable()) {
      {
        std::lock_guard lk(checkpoint_mu_);
        checkpoint_stopping_ = true;
      }
      checkpoint_cv_.notify_all();
      checkpointer_.join();
    }
  }

  void write(const std::function<void(WriteTxn&)>& fn) override {
    const auto self = std::this_thread::get_id();
    if (self == writer_.get_id() || self == syncers_[0].get_id() || self == syncers_[1].get_id())
      throw std::logic_error("Store::write called from inside a write transaction or its completion");
    std::promise<void> result;
    auto done = result.get_future();
    submit([&fn](WriteTxn& t) { fn(t); },
           [&result](const std::exception_ptr& e) {
             if (e)
               result.set_exception(e);
             else
               result.set_value();
           });
    done.get();  // rethrows the transaction's exception
  }

  void submit(std::function<void(WriteTxn&)> fn, std::function<void(std::exception_ptr)> done) override {
    {
      std::lock_guard lk(mu_);
      if (stopping_) throw StoreFailure("store is shutting down");
      queue_.push_back(Job{std::move(fn), std::move(done), {}});
    }
    cv_.notify_one();
  }

  // BEGIN waits for the transaction's first statement, so a read served by the record cache runs
  // none. Records served before the snapshot began describe the state when they were served; if
  // their tables changed meanwhile (rare: instances and groups seldom change), the transaction may
  // have seen two states and `fn` runs again, without the cache.
  void read(const std::function<void(ReadTxn&)>& fn) override {
    Connection* conn = reader();
    for (bool use_cache = true;; use_cache = false) {
      const uint64_t generation = cache_.generation();  // before the snapshot (see RecordCache)
      conn->begin_at_first_statement();
      SqliteTxn txn(*conn, use_cache ? &cache_ : nullptr, generation);
      std::exception_ptr error;
      try {
        fn(txn);
      } catch (...) {
        error = std::current_exception();
      }
      const bool began = conn->end_deferred_begin();
      const bool mixed = began && txn.cached_before_snapshot() && cache_.generation() != generation;
      if (began) conn->run(error || mixed ? sql::kRollback : sql::kCommit);
      if (mixed) continue;
      if (error) std::rethrow_exception(error);
      return;
    }
  }

  void set_change_listener(ChangeListener listener) override { listener_ = std::move(listener); }
  const char* backend() const override { return "sqlite"; }
  bool local_reads() const override { return true; }
  std::optional<std::string> failure() const override {
    std::lock_guard lk(sync_mu_);
    if (sync_failure_.empty()) return std::nullopt;
    return sync_failure_;
  }

 private:
  struct Job {
    std::function<void(WriteTxn&)> fn;
    std::function<void(std::exception_ptr)> done;
    std::vector<Change> published;
  };

  void migrate() {
    Connection& c = *writer_conn_;
    c.exec(sql::kCreateMigrations);
    for (const EmbeddedFile* f = kSqliteMigrations; f->name; ++f) {
      {
        Stmt s(c, sql::kMigrationApplied);
        s.bind(1, std::string(f->name));
        if (s.step()) continue;
      }
      c.exec(sql::kBeginImmediate);
      try {
        c.exec(f->content);
        Stmt s(c, sql::kRecordMigration);
        s.bind(1, std::string(f->name)).bind(2, wall_clock_ms());
        s.step();
        c.exec(sql::kCommit);
      } catch (...) {
        c.exec(sql::kRollback);
        throw;
      }
    }
  }

  // Each thread keeps one read connection to the store it last read from: reads take no lock of
  // ours. Store ids are never reused, so a connection is never used with another store.
  Connection* reader() {
    thread_local uint64_t store_id = 0;
    thread_local std::unique_ptr<Connection> conn;
    if (store_id != id_ || !conn) {
      conn = std::make_unique<Connection>(uri_, false);
      store_id = id_;
      if (on_read_statement_) sqlite3_trace_v2(conn->db(), SQLITE_TRACE_STMT, &SqliteStore::trace_read, this);
    }
    return conn.get();
  }

  static int trace_read(unsigned, void* self, void* stmt, void*) {
    static_cast<SqliteStore*>(self)->on_read_statement_(sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)));
    return 0;
  }

  // Runs one job in its own savepoint, again after Retry; its outcome (nullptr: it succeeded).
  std::exception_ptr run_job(Connection& c, Job& job) {
    for (int attempt = 1;; ++attempt) {
      c.run(sql::kSavepoint);
      // Its reads of instances and groups may come from the record cache, which holds the last
      // commit's rows, until a statement of the batch may have changed those tables.
      SqliteTxn txn(c, &cache_, cache_.generation());
      try {
        job.fn(txn);
        c.run(sql::kRelease);
        job.published = std::move(txn.published());
        return nullptr;
      } catch (const Retry&) {
        c.run(sql::kRollbackToSavepoint);
        c.run(sql::kRelease);
        if (attempt == kMaxAttempts) return std::make_exception_ptr(StoreFailure("transaction kept conflicting"));
      } catch (...) {
        c.run(sql::kRollbackToSavepoint);
        c.run(sql::kRelease);
        return std::current_exception();
      }
    }
  }

  // A committed (or failed) batch on its way to its answers.
  struct Committed {
    std::vector<Job> jobs;
    std::vector<std::exception_ptr> outcomes;
    std::exception_ptr commit_error;
    std::chrono::steady_clock::time_point started;
  };

  void writer_loop() {
    Connection& c = *writer_conn_;
    std::vector<Job> batch;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      Committed done{{}, std::vector<std::exception_ptr>(batch.size()), nullptr, std::chrono::steady_clock::now()};
      // Cached records of a batch that may have changed them go before its COMMIT and stay out
      // until COMMIT has returned: from then on readers see the new rows in SQLite. Not at the
      // sync: the rows are visible before they are durable.
      bool records_changed = false;
      try {
        c.run(sql::kBeginImmediate);
        for (size_t i = 0; i < batch.size(); ++i) done.outcomes[i] = run_job(c, batch[i]);
        records_changed = c.take_cached_tables_written();
        if (records_changed) cache_.begin_change();
        c.run(sql::kCommit);
      } catch (...) {
        done.commit_error = std::current_exception();
        try {
          c.exec(sql::kRollback);
        } catch (...) {}
      }
      if (records_changed) cache_.end_change();
      c.take_cached_tables_written();  // a batch that failed before its COMMIT changed nothing
      done.jobs = std::move(batch);
      batch = {};
      if (wal_fd_ < 0) {
        answer(done);  // COMMIT synced
        continue;
      }
      {
        std::lock_guard lk(sync_mu_);
        to_sync_.push_back(std::move(done));
      }
      sync_cv_.notify_one();
    }
  }

  // One fdatasync of the WAL makes every batch committed before it started durable. Two syncers
  // take turns: batches that commit while one sync is in flight start the next sync at once, on the
  // other syncer, instead of waiting for the first to return. Syncs are answered in the order they
  // started (a ticket each), so batches are answered in commit order. A failed sync fails every
  // later one too: the kernel may have dropped the pages it could not write, and a later commit's
  // frames follow them in the WAL, so nothing after it can be promised durable (restart the server).
  void sync_loop() {
    std::vector<Committed> batches;
    for (;;) {
      uint64_t ticket = 0;
      {
        std::unique_lock lk(sync_mu_);
        sync_cv_.wait(lk, [&] { return sync_stopping_ || !to_sync_.empty(); });
        if (to_sync_.empty() && sync_stopping_) return;
        batches.swap(to_sync_);
        ticket = next_sync_++;
      }
      const int err = sync_wal_ ? sync_wal_(wal_fd_) : (::fdatasync(wal_fd_) == 0 ? 0 : errno);
      std::exception_ptr sync_error;
      {
        std::unique_lock lk(sync_mu_);
        answered_cv_.wait(lk, [&] { return answered_syncs_ == ticket; });
        if (err != 0 && sync_failure_.empty())
          sync_failure_ = std::string("sqlite: syncing the WAL: ") + std::strerror(err) + ": restart the server";
        if (!sync_failure_.empty()) sync_error = std::make_exception_ptr(StoreFailure(sync_failure_));
      }
      for (auto& b : batches) {
        if (sync_error && !b.commit_error) b.commit_error = sync_error;
        answer(b);
      }
      batches.clear();
      {
        std::lock_guard lk(sync_mu_);
        ++answered_syncs_;
      }
      answered_cv_.notify_all();
    }
  }

  // Publishes a durable batch's changes, then calls each job's `done`.
  void answer(Committed& b) {
    if (!b.commit_error && on_commit_)
      on_commit_(std::chrono::duration<double>(std::chrono::steady_clock::now() - b.started).count(), b.jobs.size());
    if (!b.commit_error && listener_) {
      changes_.clear();
      for (size_t i = 0; i < b.jobs.size(); ++i)
        if (!b.outcomes[i]) changes_.insert(changes_.end(), b.jobs[i].published.begin(), b.jobs[i].published.end());
      if (!changes_.empty()) notify(changes_);
    }
    for (size_t i = 0; i < b.jobs.size(); ++i) {
      try {
        b.jobs[i].done(b.commit_error ? b.commit_error : b.outcomes[i]);
      } catch (...) {
        // `done` must not throw; one that does cannot stop the writer or the syncer.
      }
    }
  }

  // Called by SQLite on the writer thread after each commit, with the WAL's size in frames.
  static int on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    auto* store = static_cast<SqliteStore*>(self);
    if (frames >= kCheckpointFrames) {
      {
        std::lock_guard lk(store->checkpoint_mu_);
        store->checkpoint_wanted_ = true;
      }
      store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // PASSIVE: never waits for the writer or readers; what it cannot copy now is copied next time,
  // and the writer starts the WAL afresh once a checkpoint has copied all of it.
  void checkpoint_loop() {
    for (;;) {
      {
        std::unique_lock lk(checkpoint_mu_);
        checkpoint_cv_.wait(lk, [&] { return checkpoint_stopping_ || checkpoint_wanted_; });
        if (checkpoint_stopping_) return;
        checkpoint_wanted_ = false;
      }
      sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
  }

  void notify(const std::vector<Change>& changes) {
    try {
      listener_(changes);
    } catch (...) {
      // The listener keeps caches; a failure there must not undo a durable commit's answer.
    }
  }

  size_t max_batch_;
  CommitObserver on_commit_;
  std::function<void(const char*)> on_read_statement_;
  RecordCache cache_;
  ChangeListener listener_;
  std::string uri_;
  std::unique_ptr<Connection> writer_conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;
  int wal_fd_ = -1;  // the WAL, synced by the syncer; -1: COMMIT syncs
  mutable std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<Committed> to_sync_;
  bool sync_stopping_ = false;
  std::vector<Change> changes_;  // used by whichever thread answers batches (one at a time)
  std::function<int(int)> sync_wal_;
  std::string sync_failure_;     // the first failed sync's error: every later commit fails with it
  uint64_t next_sync_ = 0;       // the ticket of the next sync to start
  uint64_t answered_syncs_ = 0;  // syncs whose batches are answered (they are, in ticket order)
  std::condition_variable answered_cv_;
  std::array<std::thread, 2> syncers_;
  std::unique_ptr<Connection> checkpoint_conn_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stopping_ = false;
  std::thread checkpointer_;
  const uint64_t id_ = next_store_id();
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options) { return std::make_unique<SqliteStore>(options); }

}  // namespace cl::store
