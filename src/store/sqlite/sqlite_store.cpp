// SQLite backend: WAL, one writer thread with group commit (many transactions per fsync, each in
// its own savepoint so one failing transaction does not undo the others), a pool of reader
// connections for snapshots.
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/embedded.hpp"
#include "common/ids.hpp"
#include "store/store.hpp"

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
constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)";
constexpr const char* kMigrationApplied = "SELECT 1 FROM schema_migrations WHERE name = ?1";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (name, applied_ms) VALUES (?1, ?2)";

constexpr const char* kSelectInstance =
    "SELECT account_id, region, id, identity_management_type, alias, directory_id, inbound_calls, outbound_calls, "
    "service_role, created_ms FROM instances WHERE account_id = ?1 AND region = ?2 AND id = ?3";
constexpr const char* kSelectInstancesPage =
    "SELECT account_id, region, id, identity_management_type, alias, directory_id, inbound_calls, outbound_calls, "
    "service_role, created_ms FROM instances WHERE account_id = ?1 AND region = ?2 AND id > ?3 ORDER BY id LIMIT ?4";
constexpr const char* kCountInstances = "SELECT count(*) FROM instances WHERE account_id = ?1 AND region = ?2";
constexpr const char* kInsertInstance =
    "INSERT INTO instances (account_id, region, id, identity_management_type, alias, alias_key, directory_id, "
    "inbound_calls, outbound_calls, service_role, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, lower(?5), ?6, ?7, ?8, ?9, ?10)";
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
constexpr const char* kUpsertIdempotency =
    "INSERT INTO idempotency (account_id, region, operation, token, request_hash, response, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (account_id, region, operation, token) DO UPDATE SET "
    "request_hash = excluded.request_hash, response = excluded.response, created_ms = excluded.created_ms";

constexpr const char* kSelectSetting = "SELECT value FROM settings WHERE key = ?1";
constexpr const char* kUpsertSetting =
    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
constexpr const char* kListTables =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'";
}  // namespace sql

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreFailure("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "no connection"));
}

// One connection with its prepared statements.
class Connection {
 public:
  Connection(const std::string& uri, bool writer) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr) != SQLITE_OK) fail(db_, "open " + uri);
    sqlite3_busy_timeout(db_, 10000);
    sqlite3_extended_result_codes(db_, 1);
    exec("PRAGMA foreign_keys = ON");
    if (writer) exec("PRAGMA synchronous = FULL");
  }
  ~Connection() {
    for (auto& [_, st] : statements_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() { return db_; }

  void exec(const char* text) {
    char* err = nullptr;
    if (sqlite3_exec(db_, text, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw StoreFailure(std::string("sqlite: ") + text + ": " + msg);
    }
  }

  sqlite3_stmt* prepare(const char* text) {
    auto it = statements_.find(text);
    if (it != statements_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, text, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      fail(db_, std::string("prepare ") + text);
    statements_.emplace(text, st);
    return st;
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

// A bound statement, reset when it goes out of scope.
class Stmt {
 public:
  Stmt(Connection& c, const char* text) : c_(c), st_(c.prepare(text)) {}
  ~Stmt() { sqlite3_reset(st_); }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const std::optional<std::string>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(st_, i);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  // True when a row is available.
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    last_rc_ = rc;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return false;
    fail(c_.db(), std::string("step ") + sqlite3_sql(st_));
  }
  bool constraint_violated() const { return (last_rc_ & 0xff) == SQLITE_CONSTRAINT; }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : std::string();
  }
  std::optional<std::string> opt_text(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }

 private:
  Connection& c_;
  sqlite3_stmt* st_;
  int last_rc_ = 0;
};

class SqliteTxn final : public Txn {
 public:
  explicit SqliteTxn(Connection& c) : c_(c) {}
  Connection& connection() { return c_; }

  static InstanceRecord instance_row(const Stmt& s) {
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
    return r;
  }

  std::optional<InstanceRecord> instance(const Scope& sc, const std::string& id) override {
    Stmt s(c_, sql::kSelectInstance);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id);
    if (!s.step()) return std::nullopt;
    return instance_row(s);
  }
  std::vector<InstanceRecord> instances(const Scope& sc, const std::string& after_id, int limit) override {
    Stmt s(c_, sql::kSelectInstancesPage);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, after_id).bind(4, int64_t{limit});
    std::vector<InstanceRecord> out;
    while (s.step()) out.push_back(instance_row(s));
    return out;
  }
  int64_t count_instances(const Scope& sc) override {
    Stmt s(c_, sql::kCountInstances);
    s.bind(1, sc.account_id).bind(2, sc.region);
    s.step();
    return s.integer(0);
  }
  Insert insert_instance(const InstanceRecord& r) override {
    Stmt s(c_, sql::kInsertInstance);
    s.bind(1, r.account_id).bind(2, r.region).bind(3, r.id).bind(4, r.identity_management_type).bind(5, r.alias);
    s.bind(6, r.directory_id).bind(7, int64_t{r.inbound_calls}).bind(8, int64_t{r.outbound_calls});
    s.bind(9, r.service_role).bind(10, r.created_ms);
    s.step();
    return s.constraint_violated() ? Insert::Conflict : Insert::Ok;
  }
  bool delete_instance(const Scope& sc, const std::string& id) override {
    Stmt s(c_, sql::kDeleteInstance);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, id);
    s.step();
    return sqlite3_changes(c_.db()) > 0;
  }

  TagMap tags(const std::string& arn) override {
    Stmt s(c_, sql::kSelectTags);
    s.bind(1, arn);
    TagMap out;
    while (s.step()) out.emplace(s.text(0), s.text(1));
    return out;
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

  std::optional<IdempotencyRecord> idempotency(const Scope& sc, const std::string& op, const std::string& token) override {
    Stmt s(c_, sql::kSelectIdempotency);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, op).bind(4, token);
    if (!s.step()) return std::nullopt;
    return IdempotencyRecord{s.text(0), s.text(1), s.integer(2)};
  }
  void put_idempotency(const Scope& sc, const std::string& op, const std::string& token,
                       const IdempotencyRecord& r) override {
    Stmt s(c_, sql::kUpsertIdempotency);
    s.bind(1, sc.account_id).bind(2, sc.region).bind(3, op).bind(4, token);
    s.bind(5, r.request_hash).bind(6, r.response).bind(7, r.created_ms);
    s.step();
  }

  std::optional<std::string> setting(const std::string& key) override {
    Stmt s(c_, sql::kSelectSetting);
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }
  void put_setting(const std::string& key, const std::string& value) override {
    Stmt s(c_, sql::kUpsertSetting);
    s.bind(1, key).bind(2, value);
    s.step();
  }

 private:
  Connection& c_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& o) : max_batch_(o.max_batch) {
    if (o.in_memory) {
      // memdb VFS: one in-memory database shared by every connection of this process.
      uri_ = "file:/connect-local-" + random_uuid() + "?vfs=memdb";
    } else {
      std::filesystem::create_directories(o.data_dir);
      uri_ = "file:" + (std::filesystem::path(o.data_dir) / "connect-local.db").string();
    }
    writer_conn_ = std::make_unique<Connection>(uri_, true);
    if (!o.in_memory) writer_conn_->exec("PRAGMA journal_mode = WAL");
    migrate();
    writer_ = std::thread([this] { writer_loop(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    writer_.join();
  }

  void write(const std::function<void(Txn&)>& fn) override {
    Job job{&fn, {}};
    auto done = job.result.get_future();
    {
      std::lock_guard lk(mu_);
      if (stopping_) throw StoreFailure("store is shutting down");
      queue_.push_back(&job);
    }
    cv_.notify_one();
    done.get();  // rethrows the transaction's exception
  }

  void read(const std::function<void(Txn&)>& fn) override {
    auto conn = checkout();
    struct Return {
      SqliteStore* self;
      std::unique_ptr<Connection>& c;
      ~Return() { self->checkin(std::move(c)); }
    } ret{this, conn};
    conn->exec(sql::kBegin);
    try {
      SqliteTxn txn(*conn);
      fn(txn);
    } catch (...) {
      conn->exec(sql::kRollback);
      throw;
    }
    conn->exec(sql::kCommit);
  }

  void reset() override {
    write([](Txn& t) {
      auto& c = static_cast<SqliteTxn&>(t).connection();
      std::vector<std::string> tables;
      {
        Stmt s(c, sql::kListTables);
        while (s.step()) tables.push_back(s.text(0));
      }
      for (const auto& name : tables) c.exec(("DELETE FROM \"" + name + "\"").c_str());
    });
  }

  const char* backend() const override { return "sqlite"; }
  bool local_reads() const override { return true; }

 private:
  struct Job {
    const std::function<void(Txn&)>* fn;
    std::promise<void> result;
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

  std::unique_ptr<Connection> checkout() {
    {
      std::lock_guard lk(pool_mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return std::make_unique<Connection>(uri_, false);
  }
  void checkin(std::unique_ptr<Connection> c) {
    std::lock_guard lk(pool_mu_);
    if (pool_.size() < 64) pool_.push_back(std::move(c));
  }

  void writer_loop() {
    Connection& c = *writer_conn_;
    std::vector<Job*> batch;
    std::vector<std::exception_ptr> outcomes;
    for (;;) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      outcomes.assign(batch.size(), nullptr);
      std::exception_ptr commit_error;
      try {
        c.exec(sql::kBeginImmediate);
        for (size_t i = 0; i < batch.size(); ++i) {
          c.exec(sql::kSavepoint);
          try {
            SqliteTxn txn(c);
            (*batch[i]->fn)(txn);
            c.exec(sql::kRelease);
          } catch (...) {
            outcomes[i] = std::current_exception();
            c.exec(sql::kRollbackToSavepoint);
            c.exec(sql::kRelease);
          }
        }
        c.exec(sql::kCommit);
      } catch (...) {
        commit_error = std::current_exception();
        try {
          c.exec(sql::kRollback);
        } catch (...) {
        }
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        if (commit_error)
          batch[i]->result.set_exception(commit_error);
        else if (outcomes[i])
          batch[i]->result.set_exception(outcomes[i]);
        else
          batch[i]->result.set_value();
      }
      batch.clear();
    }
  }

  size_t max_batch_;
  std::string uri_;
  std::unique_ptr<Connection> writer_conn_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::thread writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const SqliteOptions& options) { return std::make_unique<SqliteStore>(options); }

}  // namespace cl::store
