// PostgreSQL backend: several connect-local nodes share one database.
//
// How it keeps the contract of store.hpp:
// - Write transactions run at READ COMMITTED on a pooled connection. Keyed reads of an instance,
//   group, phone number or contact flow inside a write transaction are SELECT … FOR UPDATE;
//   count_instances locks the scope's row in `scopes` first. Uniqueness is a constraint, reached
//   through INSERT … ON CONFLICT so a conflict is an answer, not an aborted transaction.
// - Deadlocks (40P01), serialization failures (40001) and Retry roll back and run the closure again,
//   at most max_attempts times with a short jittered back-off; then StoreFailure.
// - Read transactions are REPEATABLE READ READ ONLY: one snapshot, no writes.
// - Changes are inserted into `changes` right before COMMIT (after every lock the transaction takes,
//   so two transactions touching the same row get sequence numbers in commit order). The committing
//   node hands them to the listener right after COMMIT; before every transaction each node reads the
//   rows it has not applied yet (its own included) and applies them in sequence order, so a node
//   applies its own changes twice (at commit and in order at the next catch-up): changes are
//   idempotent, and the second pass restores the commit order of conflicting changes. An own change
//   already covered by a catch-up is not applied again at commit.
// - Sequence numbers are assigned at insert, not at commit, so a reader can see seq 12 before 11
//   commits: missing seqs below the highest seen are kept as gaps and asked for again until they
//   are older than kGapLifetimeMs (60 s). The bound: change rows are inserted by the statement before
//   COMMIT, each statement is bounded by statement_timeout (10 s) and the wait between them by
//   idle_in_transaction_session_timeout (15 s), and the client abandons a statement after
//   statement_timeout + 5 s; a transaction that has inserted its changes commits or dies well
//   within 60 s unless the server itself stalls longer than that.
// - Concurrent transactions of one node share one catch-up query when it started after they
//   arrived (single flight): under load one query serves many requests.
// - Nothing waits without bound: connect_timeout, TCP keepalives and tcp_user_timeout on every
//   connection, statement_timeout and idle_in_transaction_session_timeout in every session, a
//   client-side deadline on every round trip (the connection is dropped when it passes), a bounded
//   wait for a pooled connection. A broken connection is dropped; the next use makes a new one.
//
// PostgreSQL-only features relied on: INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING and
// ON CONFLICT DO NOTHING (take_hold, idempotency, inserts answering Conflict), DELETE … RETURNING,
// arrays (= ANY($n::text[]), unnest) for list filters and multi-row inserts, BIGSERIAL for the
// change log, COLLATE "C" for byte-wise ordering, pg_advisory_xact_lock around migrations, the
// session settings statement_timeout and idle_in_transaction_session_timeout, SQLSTATEs 40001/40P01
// and libpq's keepalive and tcp_user_timeout parameters.
#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/embedded.hpp"
#include "common/worker_pool.hpp"

namespace cl {
extern const EmbeddedFile kPostgresMigrations[];
}

namespace cl::store {

namespace {

namespace sql {
constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kBegin = "BEGIN";
// Any constant works as long as every node uses the same one ("connectl" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7165064465133663084)";
constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)";
constexpr const char* kMigrationApplied = "SELECT 1 FROM schema_migrations WHERE name = $1";
constexpr const char* kRecordMigration = "INSERT INTO schema_migrations (name, applied_ms) VALUES ($1, $2)";

#define CL_INSTANCE_COLUMNS                                                                                \
  "account_id, region, id, identity_management_type, alias, directory_id, inbound_calls, outbound_calls, " \
  "service_role, created_ms, source_region, replica_region"
constexpr const char* kSelectInstance =
    "SELECT " CL_INSTANCE_COLUMNS " FROM instances WHERE account_id = $1 AND region = $2 AND id = $3";
constexpr const char* kSelectInstanceForUpdate =
    "SELECT " CL_INSTANCE_COLUMNS " FROM instances WHERE account_id = $1 AND region = $2 AND id = $3 FOR UPDATE";
constexpr const char* kSelectInstancesPage =
    "SELECT " CL_INSTANCE_COLUMNS
    " FROM instances WHERE account_id = $1 AND region = $2 AND id > $3 ORDER BY id LIMIT $4";
constexpr const char* kCountInstances = "SELECT count(*) FROM instances WHERE account_id = $1 AND region = $2";
constexpr const char* kEnsureScope =
    "INSERT INTO scopes (account_id, region) VALUES ($1, $2) ON CONFLICT (account_id, region) DO NOTHING";
constexpr const char* kLockScope = "SELECT 1 FROM scopes WHERE account_id = $1 AND region = $2 FOR UPDATE";
constexpr const char* kInsertInstance =
    "INSERT INTO instances (account_id, region, id, identity_management_type, alias, alias_key, directory_id, "
    "inbound_calls, outbound_calls, service_role, created_ms, source_region, replica_region) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
    "ON CONFLICT (region, alias_key) WHERE alias_key IS NOT NULL DO NOTHING RETURNING 1";
constexpr const char* kSetReplicaRegion =
    "UPDATE instances SET replica_region = $4 WHERE account_id = $1 AND region = $2 AND id = $3";
constexpr const char* kDeleteInstance = "DELETE FROM instances WHERE account_id = $1 AND region = $2 AND id = $3";

#define CL_TDG_COLUMNS "account_id, region, id, instance_id, name, description, is_default, created_ms, deleted_ms"
constexpr const char* kSelectTdg =
    "SELECT " CL_TDG_COLUMNS " FROM traffic_distribution_groups WHERE account_id = $1 AND region = $2 AND id = $3";
constexpr const char* kSelectTdgForUpdate =
    "SELECT " CL_TDG_COLUMNS
    " FROM traffic_distribution_groups WHERE account_id = $1 AND region = $2 AND id = $3 FOR UPDATE";
constexpr const char* kPurgeGoneTdgs =
    "DELETE FROM traffic_distribution_groups WHERE account_id = $1 AND region = $2 AND deleted_ms IS NOT NULL "
    "AND deleted_ms < $3 RETURNING id";
constexpr const char* kInsertTdg =
    "INSERT INTO traffic_distribution_groups (" CL_TDG_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL) ON CONFLICT (account_id, region, name) DO NOTHING RETURNING 1";
constexpr const char* kSelectTdgs =
    "SELECT " CL_TDG_COLUMNS
    " FROM traffic_distribution_groups WHERE account_id = $1 AND region = $2 "
    "AND ($3::text = '' OR instance_id = $3) AND id > $4 AND (deleted_ms IS NULL OR deleted_ms >= $6) "
    "ORDER BY id LIMIT $5";
constexpr const char* kMarkTdgDeleted =
    "UPDATE traffic_distribution_groups SET deleted_ms = $4 WHERE account_id = $1 AND region = $2 AND id = $3";

constexpr const char* kSelectTags = "SELECT key, value FROM tags WHERE resource_arn = $1 ORDER BY key";
constexpr const char* kUpsertTags =
    "INSERT INTO tags (resource_arn, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v) "
    "ON CONFLICT (resource_arn, key) DO UPDATE SET value = EXCLUDED.value";
constexpr const char* kDeleteTags = "DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2::text[])";
constexpr const char* kDeleteAllTags = "DELETE FROM tags WHERE resource_arn = $1";

constexpr const char* kSelectIdempotency =
    "SELECT request_hash, response, created_ms FROM idempotency "
    "WHERE account_id = $1 AND region = $2 AND operation = $3 AND token = $4";
constexpr const char* kInsertIdempotency =
    "INSERT INTO idempotency (account_id, region, operation, token, request_hash, response, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, region, operation, token) DO UPDATE SET "
    "request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, created_ms = EXCLUDED.created_ms "
    "WHERE idempotency.created_ms < $8 RETURNING 1";

constexpr const char* kSelectBlocks = "SELECT id, country, type, prefix, length FROM blocks ORDER BY id";
constexpr const char* kInsertBlock =
    "INSERT INTO blocks (country, type, prefix, length) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (country, type, prefix, length) DO NOTHING RETURNING id";

constexpr const char* kTakeHold =
    "INSERT INTO number_holds (number, held_until_ms, phone_number_id) VALUES ($1, $2, $3) "
    "ON CONFLICT (number) DO UPDATE SET held_until_ms = EXCLUDED.held_until_ms, "
    "phone_number_id = EXCLUDED.phone_number_id WHERE number_holds.held_until_ms <= $4 "
    "OR ($5::text <> '' AND number_holds.phone_number_id = $5) RETURNING 1";
constexpr const char* kSetHold = "UPDATE number_holds SET held_until_ms = $2 WHERE number = $1";
constexpr const char* kActiveHolds =
    "SELECT number, held_until_ms FROM number_holds WHERE held_until_ms > $1 ORDER BY number";

#define CL_PHONE_COLUMNS                                                                                       \
  "id, account_id, region, number, country, type, target_arn, description, source_arn, workflow, started_ms, " \
  "settles_ms, failed_message, flow_arn, vanishes_ms, counts_toward_quota"
constexpr const char* kSelectPhoneNumber =
    "SELECT " CL_PHONE_COLUMNS " FROM phone_numbers WHERE account_id = $1 AND id = $2";
constexpr const char* kSelectPhoneNumberForUpdate =
    "SELECT " CL_PHONE_COLUMNS " FROM phone_numbers WHERE account_id = $1 AND id = $2 FOR UPDATE";
constexpr const char* kInsertPhoneNumber =
    "INSERT INTO phone_numbers (" CL_PHONE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
constexpr const char* kUpdatePhoneNumber =
    "UPDATE phone_numbers SET account_id = $2, region = $3, number = $4, country = $5, type = $6, target_arn = $7, "
    "description = $8, source_arn = $9, workflow = $10, started_ms = $11, settles_ms = $12, failed_message = $13, "
    "flow_arn = $14, vanishes_ms = $15, counts_toward_quota = $16 WHERE id = $1";
constexpr const char* kDeletePhoneNumber = "DELETE FROM phone_numbers WHERE id = $1";
constexpr const char* kPurgeVanished = "DELETE FROM phone_numbers WHERE number = $1 AND vanishes_ms <= $2";
// The record a number's hold names, if it is still visible.
constexpr const char* kHolderOf = "SELECT " CL_PHONE_COLUMNS
                                  " FROM phone_numbers WHERE id = (SELECT phone_number_id FROM number_holds "
                                  "WHERE number = $1) AND number = $1 AND vanishes_ms > $2";
// A page of a list walks one index in number order from the page's key: (account_id, region,
// number) for a whole scope, (target_arn, number) for one target, whose numbers may be few among
// the scope's. Two statements, so that a generic plan of the prepared statement keeps the index.
#define CL_PHONE_PAGE_FILTERS                                                                      \
  "AND number > $4 AND number >= $5 AND number < $6 "                                              \
  "AND ($7::text[] IS NULL OR country = ANY($7)) AND ($8::text[] IS NULL OR type = ANY($8)) "      \
  "AND (NOT $9::boolean OR (settles_ms <= $10 AND failed_message IS NULL)) AND vanishes_ms > $10 " \
  "ORDER BY number, id LIMIT $11"
constexpr const char* kSelectPhoneNumbers =
    "SELECT " CL_PHONE_COLUMNS
    " FROM phone_numbers "
    "WHERE account_id = $1 AND region = $2 AND $3::text IS NULL " CL_PHONE_PAGE_FILTERS;
constexpr const char* kSelectTargetPhoneNumbers =
    "SELECT " CL_PHONE_COLUMNS
    " FROM phone_numbers "
    "WHERE target_arn = $3 AND account_id = $1 AND region = $2 " CL_PHONE_PAGE_FILTERS;
constexpr const char* kCountQuotaNumbers =
    "SELECT count(*) FROM phone_numbers WHERE target_arn = $1 AND counts_toward_quota";
constexpr const char* kTargetNumbers =
    "SELECT " CL_PHONE_COLUMNS " FROM phone_numbers WHERE target_arn = $1 ORDER BY number, id";
constexpr const char* kFlowAssociations =
    "SELECT " CL_PHONE_COLUMNS
    " FROM phone_numbers WHERE account_id = $1 AND flow_arn IS NOT NULL "
    "AND substr(flow_arn, 1, length($2::text)) = $2 AND id > $3 ORDER BY id LIMIT $4";
constexpr const char* kClearFlow = "UPDATE phone_numbers SET flow_arn = NULL WHERE flow_arn = $1";

constexpr const char* kInsertRelease =
    "INSERT INTO releases (account_id, region, released_ms, number) VALUES ($1, $2, $3, $4)";
constexpr const char* kCountReleases =
    "SELECT count(*), min(released_ms) FROM releases WHERE account_id = $1 AND region = $2 AND released_ms > $3";

constexpr const char* kSelectExternal =
    "SELECT source_arn, number, country, type FROM external_numbers WHERE source_arn = $1";
constexpr const char* kSelectExternals =
    "SELECT source_arn, number, country, type FROM external_numbers ORDER BY source_arn";
constexpr const char* kUpsertExternal =
    "INSERT INTO external_numbers (source_arn, number, country, type) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (source_arn) DO UPDATE SET number = EXCLUDED.number, country = EXCLUDED.country, "
    "type = EXCLUDED.type";

#define CL_FLOW_COLUMNS \
  "account_id, region, instance_id, id, name, type, description, content, status, modified_ms, state"
constexpr const char* kSelectFlow =
    "SELECT " CL_FLOW_COLUMNS
    " FROM contact_flows WHERE account_id = $1 AND region = $2 AND instance_id = $3 AND id = $4";
constexpr const char* kSelectFlowForUpdate =
    "SELECT " CL_FLOW_COLUMNS
    " FROM contact_flows WHERE account_id = $1 AND region = $2 AND instance_id = $3 AND id = $4 FOR UPDATE";
constexpr const char* kInsertFlow = "INSERT INTO contact_flows (" CL_FLOW_COLUMNS
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                                    "ON CONFLICT (account_id, region, instance_id, name) DO NOTHING RETURNING 1";
// A rename onto a name another flow of the instance has changes nothing (Conflict).
constexpr const char* kUpdateFlow =
    "UPDATE contact_flows SET name = $5, description = $6, content = $7, status = $8, modified_ms = $9, state = $10 "
    "WHERE account_id = $1 AND region = $2 AND instance_id = $3 AND id = $4 AND NOT EXISTS (SELECT 1 FROM "
    "contact_flows o WHERE o.account_id = $1 AND o.region = $2 AND o.instance_id = $3 AND o.name = $5 AND o.id <> $4) "
    "RETURNING 1";
constexpr const char* kSelectInstanceAttributes =
    "SELECT attribute_type, value FROM instance_attributes WHERE account_id = $1 AND region = $2 AND instance_id = $3";
constexpr const char* kUpsertInstanceAttribute =
    "INSERT INTO instance_attributes (account_id, region, instance_id, attribute_type, value) VALUES ($1, $2, $3, $4, "
    "$5) "
    "ON CONFLICT (account_id, region, instance_id, attribute_type) DO UPDATE SET value = EXCLUDED.value";
constexpr const char* kDeleteInstanceAttributes =
    "DELETE FROM instance_attributes WHERE account_id = $1 AND region = $2 AND instance_id = $3";
constexpr const char* kSetInstanceCalls =
    "UPDATE instances SET inbound_calls = $4, outbound_calls = $5 WHERE account_id = $1 AND region = $2 AND id = $3";
constexpr const char* kSelectFlows = "SELECT " CL_FLOW_COLUMNS
                                     " FROM contact_flows WHERE account_id = $1 AND region = $2 AND instance_id = $3 "
                                     "AND ($4::text[] IS NULL OR type = ANY($4)) AND id > $5 ORDER BY id LIMIT $6";
constexpr const char* kDeleteFlow =
    "DELETE FROM contact_flows WHERE account_id = $1 AND region = $2 AND instance_id = $3 AND id = $4";
constexpr const char* kDeleteFlows =
    "DELETE FROM contact_flows WHERE account_id = $1 AND region = $2 AND instance_id = $3";

constexpr const char* kSelectSetting = "SELECT value FROM settings WHERE key = $1";
constexpr const char* kInsertSetting =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1";
constexpr const char* kUpsertSetting =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";

constexpr const char* kSelectFaultRules = "SELECT id, definition, times_left FROM fault_rules ORDER BY id";
constexpr const char* kUpsertFaultRule =
    "INSERT INTO fault_rules (id, definition, times_left) VALUES ($1, $2, $3) "
    "ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, times_left = EXCLUDED.times_left";
constexpr const char* kDeleteFaultRule = "DELETE FROM fault_rules WHERE id = $1";
constexpr const char* kDeleteFaultRules = "DELETE FROM fault_rules";
constexpr const char* kConsumeFaultRule =
    "UPDATE fault_rules SET times_left = times_left - 1 WHERE id = $1 AND times_left > 0 RETURNING 1";

// delete_everything: every table but the change log and schema_migrations.
constexpr const char* kDeleteEverything[] = {
    "DELETE FROM settings",
    "DELETE FROM scopes",
    "DELETE FROM instances",
    "DELETE FROM traffic_distribution_groups",
    "DELETE FROM tags",
    "DELETE FROM idempotency",
    "DELETE FROM blocks",
    "DELETE FROM number_holds",
    "DELETE FROM phone_numbers",
    "DELETE FROM releases",
    "DELETE FROM external_numbers",
    "DELETE FROM contact_flows",
    "DELETE FROM fault_rules",
    "DELETE FROM instance_attributes",
};

// Snapshots (admin export/import).
constexpr const char* kListTables =
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name";
constexpr const char* kTableColumns =
    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = $1 ORDER BY ordinal_position";
constexpr const char* kMigrationNames = "SELECT name FROM schema_migrations ORDER BY name";
// Loaded blocks keep their ids: the identity continues after the highest.
constexpr const char* kContinueBlockIds =
    "SELECT setval(pg_get_serial_sequence('blocks', 'id'), coalesce(max(id), 0) + 1, false) FROM blocks";

// The change log. Rows are inserted in the order published (WITH ORDINALITY … ORDER BY), so their
// seqs follow that order.
constexpr const char* kInsertChanges =
    "INSERT INTO changes (kind, number, until_ms, value, created_ms) "
    "SELECT k, n, u, v, $5 FROM unnest($1::smallint[], $2::text[], $3::bigint[], $4::bigint[]) "
    "WITH ORDINALITY AS c(k, n, u, v, i) ORDER BY i RETURNING seq";
constexpr const char* kChangesSince =
    "SELECT seq, kind, number, until_ms, value FROM changes WHERE seq > $1 OR seq = ANY($2::bigint[]) ORDER BY seq";
constexpr const char* kMaxChange = "SELECT coalesce(max(seq), 0) FROM changes";
constexpr const char* kRecentChanges = "SELECT seq FROM changes WHERE seq > $1";
constexpr const char* kPruneChanges = "DELETE FROM changes WHERE created_ms < $1";
}  // namespace sql

// How long a missing change seq is asked for again (see the header comment for the bound).
constexpr int64_t kGapLifetimeMs = 60'000;
// Change rows older than this are deleted; a node that could not read the log for longer than
// kPruneAfterMs - kGapLifetimeMs cannot trust its caches and hands the listener a Reset.
constexpr int64_t kPruneAfterMs = 10 * 60'000;
constexpr int64_t kPruneEveryMs = 60'000;
// An idle node reads the change log at least this often.
constexpr int64_t kKeepUpEveryMs = 30'000;
// At open, seqs this far below the highest are checked for transactions still in flight.
constexpr int64_t kOpeningWindow = 128;
// Larger jumps in the sequence (a setval, a crash losing cached values) are not tracked as gaps.
constexpr int64_t kMaxGapSpan = 4096;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The SQLSTATE this store gives a round trip it abandoned (the server's own is 57014).
constexpr const char* kClientTimeout = "CL001";

// A failure reported by libpq or the server.
class PgError : public StoreFailure {
 public:
  PgError(const std::string& what, std::string sqlstate, bool broken)
      : StoreFailure(what), sqlstate_(std::move(sqlstate)), broken_(broken) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The connection is gone: the transaction did not happen (or, if COMMIT was in flight, its
  // outcome is unknown).
  bool broken() const { return broken_; }
  // Lost a race the transaction can win by running again.
  bool retryable() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

 private:
  std::string sqlstate_;
  bool broken_;
};

// A statement parameter in text form; nullopt is SQL NULL.
struct Param {
  std::optional<std::string> v;
  Param(const std::string& s) : v(s) {}
  Param(const char* s) : v(std::string(s)) {}
  Param(const std::optional<std::string>& s) : v(s) {}
  Param(int64_t i) : v(std::to_string(i)) {}
  Param(int i) : v(std::to_string(i)) {}
  Param(bool b) : v(b ? "t" : "f") {}
  Param(const std::optional<int64_t>& i) {
    if (i) v = std::to_string(*i);
  }
  Param(std::nullopt_t) {}
};

// A PostgreSQL array literal ({"a","b"}); nullopt for an empty list (the statements read NULL as
// "no filter").
std::optional<std::string> text_array(const std::vector<std::string>& items) {
  if (items.empty()) return std::nullopt;
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string int_array(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (int64_t i : items) {
    if (out.size() > 1) out += ',';
    out += std::to_string(i);
  }
  return out + "}";
}

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  Result(Result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (r_) PQclear(r_);
  }
  int rows() const { return PQntuples(r_); }
  int columns() const { return PQnfields(r_); }
  unsigned type(int col) const { return PQftype(r_, col); }
  bool null(int row, int col) const { return PQgetisnull(r_, row, col); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
  }
  std::optional<std::string> opt_text(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return text(row, col);
  }
  int64_t integer(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
  std::optional<int64_t> opt_integer(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return integer(row, col);
  }
  bool boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }
  int64_t affected() const {
    const char* n = PQcmdTuples(r_);
    return *n ? std::strtoll(n, nullptr, 10) : 0;
  }

 private:
  PGresult* r_;
};

struct SessionSettings {
  std::string schema;  // empty: the connection's search_path
  int connect_s;
  int statement_ms;
  int idle_in_transaction_ms;
  // The client gives up on a round trip this long after the server should have.
  int64_t round_trip_ms() const { return statement_ms + 5000; }
};

// Every row of a result through `row(i)`, into a vector sized once.
template <class Row>
auto map_rows(const Result& r, Row&& row) {
  std::vector<std::decay_t<decltype(row(0))>> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(row(i));
  return out;
}

// One libpq connection, used by one thread at a time. Every round trip has a deadline; when it
// passes, or the connection fails, the connection is marked broken and must be dropped.
class Connection {
 public:
  Connection(const std::string& dsn, const SessionSettings& t) : session_(t) {
    const std::string connect_timeout = std::to_string(t.connect_s);
    const std::string user_timeout = std::to_string(t.statement_ms);
    // Our defaults come before the connection string, which overrides them; client_encoding after
    // it, because the store exchanges UTF-8.
    const char* keys[] = {
        "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval", "keepalives_count",
        "tcp_user_timeout", "application_name", "dbname",          "client_encoding",     nullptr};
    const char* values[] = {connect_timeout.c_str(), "1",         "5",    "2",    "3", user_timeout.c_str(),
                            "connect-local",         dsn.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      throw PgError("postgres: cannot connect: " + trim(msg), "08001", true);
    }
    // Notices ("already exists, skipping") are not errors; nobody reads them.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(conn_, 1) != 0) {
      PQfinish(conn_);
      conn_ = nullptr;
      throw PgError("postgres: cannot make the connection non-blocking", "08000", true);
    }
    const std::string settings =
        "SET statement_timeout = " + std::to_string(t.statement_ms) +
        "; SET idle_in_transaction_session_timeout = " + std::to_string(t.idle_in_transaction_ms) +
        (t.schema.empty() ? "" : "; SET search_path = \"" + t.schema + "\"");
    try {
      simple(settings.c_str());
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }
  ~Connection() {
    if (conn_) PQfinish(conn_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool broken() const { return broken_; }

  // Starts a transaction lazily: BEGIN travels with the transaction's first statement (one round
  // trip less), and a transaction that runs no statement never reaches the server.
  void begin(const char* text) { pending_begin_ = text; }
  // True once the server has seen this transaction's BEGIN.
  bool begun() const { return pending_begin_ == nullptr; }

  // A statement with parameters, prepared once per connection.
  Result exec(const char* text, std::initializer_list<Param> params) {
    check_usable();
    std::vector<Step> steps;
    if (pending_begin_) steps.push_back({pending_begin_, nullptr, {}});
    steps.push_back({text, prepared(text).c_str(), values_of(params)});
    pending_begin_ = nullptr;
    auto results = pipeline(steps, text);
    return std::move(results.back());
  }

  // A statement built at run time (not prepared: its text is not one of the named constants).
  Result exec_once(const std::string& text, const std::vector<std::optional<std::string>>& params) {
    check_usable();
    std::vector<Step> steps;
    if (pending_begin_) steps.push_back({pending_begin_, nullptr, {}});
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    steps.push_back({text.c_str(), nullptr, std::move(values)});
    pending_begin_ = nullptr;
    auto results = pipeline(steps, text.c_str());
    return std::move(results.back());
  }

  // Ends a write transaction: its last statement (`text`, the change log insert; nullptr for none)
  // and COMMIT in one round trip. Returns the last statement's result.
  std::vector<Result> commit(const char* text, std::initializer_list<Param> params) {
    check_usable();
    if (pending_begin_ && !text) {  // nothing ever reached the server
      pending_begin_ = nullptr;
      return {};
    }
    std::vector<Step> steps;
    if (pending_begin_) steps.push_back({pending_begin_, nullptr, {}});
    if (text) steps.push_back({text, prepared(text).c_str(), values_of(params)});
    steps.push_back({sql::kCommit, nullptr, {}});
    pending_begin_ = nullptr;
    auto results = pipeline(steps, sql::kCommit);
    results.pop_back();
    return results;
  }

  // Statements without parameters (one or several), by the simple protocol.
  void simple(const char* text) {
    check_usable();
    if (!PQsendQuery(conn_, text)) lost(text);
    finish(text);
  }

  // Ends a transaction after a failure; a connection that cannot roll back is dropped.
  void rollback() noexcept {
    if (!pending_begin_ && broken_) return;
    if (pending_begin_) {
      pending_begin_ = nullptr;
      return;
    }
    try {
      simple(sql::kRollback);
    } catch (...) {
      broken_ = true;
    }
  }

 private:
  struct Step {
    const char* text;
    const char* name;  // prepared statement; nullptr: `text`, sent as is
    std::vector<const char*> values;
  };
  using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

  static std::vector<const char*> values_of(std::initializer_list<Param> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.v ? p.v->c_str() : nullptr);
    return values;
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  void check_usable() {
    if (broken_) throw PgError("postgres: connection lost", "08003", true);
  }

  const std::string& prepared(const char* text) {
    auto it = prepared_.find(text);
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size());
    if (!PQsendPrepare(conn_, name.c_str(), text, 0, nullptr)) lost(text);
    finish(text);
    return prepared_.emplace(text, std::move(name)).first->second;
  }

  [[noreturn]] void lost(const char* text) {
    broken_ = true;
    throw PgError(std::string("postgres: ") + trim(PQerrorMessage(conn_)) + " (" + text + ")", "08006", true);
  }

  // Waits for the socket until the deadline; false when it passed.
  bool wait(short events, int64_t deadline) {
    for (;;) {
      const int64_t left = deadline - steady_ms();
      if (left <= 0) return false;
      pollfd p{PQsocket(conn_), events, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return false;
    }
  }

  // Sends what libpq buffered.
  void flush(int64_t deadline, const char* text) {
    for (;;) {
      const int rc = PQflush(conn_);
      if (rc == 0) return;
      if (rc < 0) lost(text);
      if (!wait(POLLIN | POLLOUT, deadline)) timed_out(text);
      if (!PQconsumeInput(conn_)) lost(text);
    }
  }

  // The next result (nullptr: the current query has no more), waiting until the deadline.
  ResultPtr next_result(int64_t deadline, const char* text) {
    while (PQisBusy(conn_)) {
      if (!wait(POLLIN, deadline)) timed_out(text);
      if (!PQconsumeInput(conn_)) lost(text);
    }
    return ResultPtr(PQgetResult(conn_), &PQclear);
  }

  // Throws the error a result reports. Class 08 (connection exception) and 57P0x (the server
  // shutting down or terminating us) leave nothing to reuse.
  [[noreturn]] void raise(const PGresult* r, const char* text) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string sqlstate = state ? state : "";
    std::string message = trim(PQresultErrorMessage(r));
    if (PQstatus(conn_) == CONNECTION_BAD || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P0", 0) == 0)
      broken_ = true;
    throw PgError("postgres: " + message + " [" + sqlstate + "] (" + text + ")", sqlstate, broken_);
  }

  static bool ok(const PGresult* r) {
    const auto status = PQresultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

  // Collects every result of one query sent outside a pipeline; throws on the first error.
  Result finish(const char* text) {
    const int64_t deadline = steady_ms() + session_.round_trip_ms();
    flush(deadline, text);
    ResultPtr kept(nullptr, &PQclear);
    while (auto r = next_result(deadline, text)) {
      if (kept && !ok(kept.get())) continue;  // keep the first error, else the last result
      kept = std::move(r);
    }
    if (!kept) lost(text);
    if (!ok(kept.get())) raise(kept.get(), text);
    return Result(kept.release());
  }

  // Runs several statements in one round trip (libpq pipeline mode). After a failing statement
  // the server skips the rest; the first error is thrown once the pipeline is drained.
  std::vector<Result> pipeline(const std::vector<Step>& steps, const char* text) {
    auto send = [&](const Step& s) {
      const int n = static_cast<int>(s.values.size());
      const int sent = s.name ? PQsendQueryPrepared(conn_, s.name, n, s.values.data(), nullptr, nullptr, 0)
                              : PQsendQueryParams(conn_, s.text, n, nullptr, s.values.data(), nullptr, nullptr, 0);
      if (!sent) lost(text);
    };
    if (steps.size() == 1) {
      send(steps[0]);
      std::vector<Result> out;
      out.push_back(finish(text));
      return out;
    }
    if (!PQenterPipelineMode(conn_)) lost(text);
    for (const auto& s : steps) send(s);
    if (!PQpipelineSync(conn_)) lost(text);
    const int64_t deadline = steady_ms() + session_.round_trip_ms();
    flush(deadline, text);
    std::vector<Result> out;
    out.reserve(steps.size());
    ResultPtr error(nullptr, &PQclear);
    const char* failed = text;
    bool skipped = false;  // a step the server did not run (aborted pipeline) or answered oddly
    for (const auto& s : steps) {
      ResultPtr r = next_result(deadline, text);
      if (!r) lost(text);
      while (auto extra = next_result(deadline, text)) {}
      if (ok(r.get())) {
        out.emplace_back(r.release());
      } else {
        if (!error && PQresultStatus(r.get()) == PGRES_FATAL_ERROR) {
          error = std::move(r);
          failed = s.text;
        } else {
          skipped = true;
        }
        out.emplace_back(nullptr);
      }
    }
    ResultPtr sync = next_result(deadline, text);
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || !PQexitPipelineMode(conn_)) {
      broken_ = true;
      throw PgError(std::string("postgres: pipeline out of step (") + text + ")", "08000", true);
    }
    if (error) raise(error.get(), failed);
    // A step without a result and without an error (the pipeline aborted by a failure libpq did
    // not report as a statement's, e.g. the server terminating the session) must never read as an
    // empty result: "no row" would be taken for an answer.
    if (skipped) {
      broken_ = true;
      throw PgError(std::string("postgres: pipeline aborted without an error (") + text + ")", "08000", true);
    }
    return out;
  }

  [[noreturn]] void timed_out(const char* text) {
    broken_ = true;
    throw PgError(
        std::string("postgres: no answer within ") + std::to_string(session_.round_trip_ms()) + " ms (" + text + ")",
        kClientTimeout, true);
  }

  PGconn* conn_ = nullptr;
  SessionSettings session_;
  bool broken_ = false;
  const char* pending_begin_ = nullptr;
  std::unordered_map<const char*, std::string> prepared_;
};

std::string ascii_lower(const std::optional<std::string>& s) {
  std::string out = s.value_or("");
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// One transaction on one connection. Read transactions get it as a ReadTxn; `locking` makes keyed
// reads lock their rows (write transactions).
class PgTxn final : public WriteTxn {
 public:
  PgTxn(Connection& c, bool locking) : c_(c), locking_(locking) {}

  std::vector<Change>& published() { return changes_; }

  static InstanceRecord instance_row(const Result& r, int i) {
    InstanceRecord x;
    x.account_id = r.text(i, 0);
    x.region = r.text(i, 1);
    x.id = r.text(i, 2);
    x.identity_management_type = r.text(i, 3);
    x.alias = r.opt_text(i, 4);
    x.directory_id = r.opt_text(i, 5);
    x.inbound_calls = r.boolean(i, 6);
    x.outbound_calls = r.boolean(i, 7);
    x.service_role = r.text(i, 8);
    x.created_ms = r.integer(i, 9);
    x.source_region = r.opt_text(i, 10);
    x.replica_region = r.opt_text(i, 11);
    return x;
  }

  std::optional<InstanceRecord> instance(const Scope& s, const std::string& id) override {
    auto r = c_.exec(locking_ ? sql::kSelectInstanceForUpdate : sql::kSelectInstance, {s.account_id, s.region, id});
    if (r.rows() == 0) return std::nullopt;
    return instance_row(r, 0);
  }
  std::vector<InstanceRecord> instances(const Scope& s, const std::string& after_id, int limit) override {
    auto r = c_.exec(sql::kSelectInstancesPage, {s.account_id, s.region, after_id, limit});
    auto out = map_rows(r, [&](int i) { return instance_row(r, i); });
    return out;
  }
  int64_t count_instances(const Scope& s) override {
    if (locking_) {
      c_.exec(sql::kEnsureScope, {s.account_id, s.region});
      c_.exec(sql::kLockScope, {s.account_id, s.region});
    }
    return c_.exec(sql::kCountInstances, {s.account_id, s.region}).integer(0, 0);
  }
  Insert insert_instance(const InstanceRecord& x) override {
    std::optional<std::string> alias_key;
    if (x.alias) alias_key = ascii_lower(x.alias);
    auto r = c_.exec(sql::kInsertInstance, {x.account_id, x.region, x.id, x.identity_management_type, x.alias,
                                            alias_key, x.directory_id, x.inbound_calls, x.outbound_calls,
                                            x.service_role, x.created_ms, x.source_region, x.replica_region});
    return r.rows() == 1 ? Insert::Ok : Insert::Conflict;
  }
  bool delete_instance(const Scope& s, const std::string& id) override {
    return c_.exec(sql::kDeleteInstance, {s.account_id, s.region, id}).affected() > 0;
  }
  void set_replica_region(const Scope& s, const std::string& id, const std::optional<std::string>& region) override {
    c_.exec(sql::kSetReplicaRegion, {s.account_id, s.region, id, region});
  }
  std::map<std::string, std::string> instance_attributes(const Scope& s, const std::string& instance_id) override {
    auto r = c_.exec(sql::kSelectInstanceAttributes, {s.account_id, s.region, instance_id});
    std::map<std::string, std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace(r.text(i, 0), r.text(i, 1));
    return out;
  }
  void set_instance_calls(const Scope& s, const std::string& id, bool inbound, bool outbound) override {
    c_.exec(sql::kSetInstanceCalls, {s.account_id, s.region, id, inbound, outbound});
  }
  void put_instance_attribute(const Scope& s, const std::string& instance_id, const std::string& type,
                              const std::string& value) override {
    c_.exec(sql::kUpsertInstanceAttribute, {s.account_id, s.region, instance_id, type, value});
  }
  void delete_instance_attributes(const Scope& s, const std::string& instance_id) override {
    c_.exec(sql::kDeleteInstanceAttributes, {s.account_id, s.region, instance_id});
  }

  static TrafficDistributionGroupRecord tdg_row(const Result& r, int i) {
    TrafficDistributionGroupRecord x;
    x.account_id = r.text(i, 0);
    x.region = r.text(i, 1);
    x.id = r.text(i, 2);
    x.instance_id = r.text(i, 3);
    x.name = r.text(i, 4);
    x.description = r.opt_text(i, 5);
    x.is_default = r.boolean(i, 6);
    x.created_ms = r.integer(i, 7);
    x.deleted_ms = r.opt_integer(i, 8);
    return x;
  }
  std::optional<TrafficDistributionGroupRecord> traffic_distribution_group(const Scope& s,
                                                                           const std::string& id) override {
    auto r = c_.exec(locking_ ? sql::kSelectTdgForUpdate : sql::kSelectTdg, {s.account_id, s.region, id});
    if (r.rows() == 0) return std::nullopt;
    return tdg_row(r, 0);
  }
  std::vector<TrafficDistributionGroupRecord> traffic_distribution_groups(const Scope& s,
                                                                          const std::string& instance_id,
                                                                          const std::string& after_id, int limit,
                                                                          Millis gone_before_ms) override {
    auto r = c_.exec(sql::kSelectTdgs, {s.account_id, s.region, instance_id, after_id, limit, gone_before_ms});
    auto out = map_rows(r, [&](int i) { return tdg_row(r, i); });
    return out;
  }
  Insert insert_traffic_distribution_group(const TrafficDistributionGroupRecord& x) override {
    auto r = c_.exec(sql::kInsertTdg,
                     {x.account_id, x.region, x.id, x.instance_id, x.name, x.description, x.is_default, x.created_ms});
    return r.rows() == 1 ? Insert::Ok : Insert::Conflict;
  }
  void mark_traffic_distribution_group_deleted(const Scope& s, const std::string& id, Millis deleted_ms) override {
    c_.exec(sql::kMarkTdgDeleted, {s.account_id, s.region, id, deleted_ms});
  }
  std::vector<std::string> delete_gone_traffic_distribution_groups(const Scope& s, Millis gone_before_ms) override {
    auto r = c_.exec(sql::kPurgeGoneTdgs, {s.account_id, s.region, gone_before_ms});
    auto out = map_rows(r, [&](int i) { return r.text(i, 0); });
    std::sort(out.begin(), out.end());
    return out;
  }

  TagMap tags(const std::string& arn) override {
    auto r = c_.exec(sql::kSelectTags, {arn});
    TagMap out;
    for (int i = 0; i < r.rows(); ++i) out.emplace(r.text(i, 0), r.text(i, 1));
    return out;
  }
  void put_tags(const std::string& arn, const TagMap& tags) override {
    if (tags.empty()) return;
    std::vector<std::string> keys, values;
    for (const auto& [k, v] : tags) {
      keys.push_back(k);
      values.push_back(v);
    }
    c_.exec(sql::kUpsertTags, {arn, text_array(keys), text_array(values)});
  }
  void delete_tags(const std::string& arn, const std::vector<std::string>& keys) override {
    if (keys.empty()) return;
    c_.exec(sql::kDeleteTags, {arn, text_array(keys)});
  }
  void delete_all_tags(const std::string& arn) override { c_.exec(sql::kDeleteAllTags, {arn}); }

  std::optional<IdempotencyRecord> idempotency(const Scope& s, const std::string& operation,
                                               const std::string& token) override {
    auto r = c_.exec(sql::kSelectIdempotency, {s.account_id, s.region, operation, token});
    if (r.rows() == 0) return std::nullopt;
    return IdempotencyRecord{r.text(0, 0), r.text(0, 1), r.integer(0, 2)};
  }
  Insert insert_idempotency(const Scope& s, const std::string& operation, const std::string& token,
                            const IdempotencyRecord& x, Millis expired_before_ms) override {
    auto r = c_.exec(sql::kInsertIdempotency, {s.account_id, s.region, operation, token, x.request_hash, x.response,
                                               x.created_ms, expired_before_ms});
    return r.rows() == 1 ? Insert::Ok : Insert::Conflict;
  }

  std::vector<BlockRecord> blocks() override {
    auto r = c_.exec(sql::kSelectBlocks, {});
    auto out = map_rows(r, [&](int i) {
      return BlockRecord{r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), static_cast<int>(r.integer(i, 4))};
    });
    return out;
  }
  Insert insert_block(BlockRecord& b) override {
    auto r = c_.exec(sql::kInsertBlock, {b.country, b.type, b.prefix, b.length});
    if (r.rows() == 0) return Insert::Conflict;
    b.id = r.integer(0, 0);
    return Insert::Ok;
  }

  bool take_hold(const std::string& number, Millis until_ms, const std::string& phone_number_id, Millis now_ms,
                 const std::string& taken_over) override {
    return c_.exec(sql::kTakeHold, {number, until_ms, phone_number_id, now_ms, taken_over}).rows() == 1;
  }
  void set_hold(const std::string& number, Millis until_ms) override { c_.exec(sql::kSetHold, {number, until_ms}); }
  std::vector<std::pair<std::string, Millis>> active_holds(Millis now_ms) override {
    auto r = c_.exec(sql::kActiveHolds, {now_ms});
    std::vector<std::pair<std::string, Millis>> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.integer(i, 1));
    return out;
  }

  static PhoneNumberRecord phone_row(const Result& r, int i) {
    PhoneNumberRecord x;
    x.id = r.text(i, 0);
    x.account_id = r.text(i, 1);
    x.region = r.text(i, 2);
    x.number = r.text(i, 3);
    x.country = r.text(i, 4);
    x.type = r.text(i, 5);
    x.target_arn = r.text(i, 6);
    x.description = r.opt_text(i, 7);
    x.source_arn = r.opt_text(i, 8);
    x.workflow = r.text(i, 9);
    x.started_ms = r.integer(i, 10);
    x.settles_ms = r.integer(i, 11);
    x.failed_message = r.opt_text(i, 12);
    x.flow_arn = r.opt_text(i, 13);
    x.vanishes_ms = r.integer(i, 14);
    x.counts_toward_quota = r.boolean(i, 15);
    return x;
  }
  static std::vector<PhoneNumberRecord> phone_rows(const Result& r) {
    std::vector<PhoneNumberRecord> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(phone_row(r, i));
    return out;
  }
  void write_phone(const char* statement, const PhoneNumberRecord& x) {
    c_.exec(statement, {x.id, x.account_id, x.region, x.number, x.country, x.type, x.target_arn, x.description,
                        x.source_arn, x.workflow, x.started_ms, x.settles_ms, x.failed_message, x.flow_arn,
                        x.vanishes_ms, x.counts_toward_quota});
  }
  std::optional<PhoneNumberRecord> phone_number(const std::string& account_id, const std::string& id) override {
    auto r = c_.exec(locking_ ? sql::kSelectPhoneNumberForUpdate : sql::kSelectPhoneNumber, {account_id, id});
    if (r.rows() == 0) return std::nullopt;
    return phone_row(r, 0);
  }
  std::vector<PhoneNumberRecord> phone_numbers(const PhoneNumberQuery& q) override {
    // ':' sorts right after '9': [prefix, prefix + ":") is every number starting with prefix.
    return phone_rows(c_.exec(q.target_arn ? sql::kSelectTargetPhoneNumbers : sql::kSelectPhoneNumbers,
                              {q.account_id, q.region, q.target_arn, q.after_number, q.prefix, q.prefix + ":",
                               text_array(q.countries), text_array(q.types), q.claimed_only, q.now_ms, q.limit}));
  }
  int64_t count_quota_numbers(const std::string& target_arn) override {
    return c_.exec(sql::kCountQuotaNumbers, {target_arn}).integer(0, 0);
  }
  std::vector<PhoneNumberRecord> target_numbers(const std::string& target_arn) override {
    return phone_rows(c_.exec(sql::kTargetNumbers, {target_arn}));
  }
  std::optional<PhoneNumberRecord> holder_of(const std::string& number, Millis now_ms) override {
    auto r = c_.exec(sql::kHolderOf, {number, now_ms});
    if (r.rows() == 0) return std::nullopt;
    return phone_row(r, 0);
  }
  void insert_phone_number(const PhoneNumberRecord& x) override { write_phone(sql::kInsertPhoneNumber, x); }
  void update_phone_number(const PhoneNumberRecord& x) override { write_phone(sql::kUpdatePhoneNumber, x); }
  void delete_phone_number(const std::string& id) override { c_.exec(sql::kDeletePhoneNumber, {id}); }
  void purge_vanished(const std::string& number, Millis now_ms) override {
    c_.exec(sql::kPurgeVanished, {number, now_ms});
  }

  ReleaseCount releases_since(const Scope& s, Millis since_ms) override {
    auto r = c_.exec(sql::kCountReleases, {s.account_id, s.region, since_ms});
    return ReleaseCount{r.integer(0, 0), r.opt_integer(0, 1)};
  }
  void insert_release(const Scope& s, Millis released_ms, const std::string& number) override {
    c_.exec(sql::kInsertRelease, {s.account_id, s.region, released_ms, number});
  }

  std::optional<ExternalNumber> external_number(const std::string& source_arn) override {
    auto r = c_.exec(sql::kSelectExternal, {source_arn});
    if (r.rows() == 0) return std::nullopt;
    return ExternalNumber{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3)};
  }
  std::vector<ExternalNumber> external_numbers() override {
    auto r = c_.exec(sql::kSelectExternals, {});
    auto out = map_rows(r, [&](int i) {
      return ExternalNumber{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3)};
    });
    return out;
  }
  void put_external_number(const ExternalNumber& n) override {
    c_.exec(sql::kUpsertExternal, {n.source_arn, n.number, n.country, n.type});
  }

  static ContactFlowRecord flow_row(const Result& r, int i) {
    return {r.text(i, 0),     r.text(i, 1), r.text(i, 2), r.text(i, 3),    r.text(i, 4), r.text(i, 5),
            r.opt_text(i, 6), r.text(i, 7), r.text(i, 8), r.integer(i, 9), r.text(i, 10)};
  }
  std::optional<ContactFlowRecord> contact_flow(const Scope& s, const std::string& instance_id,
                                                const std::string& id) override {
    auto r =
        c_.exec(locking_ ? sql::kSelectFlowForUpdate : sql::kSelectFlow, {s.account_id, s.region, instance_id, id});
    if (r.rows() == 0) return std::nullopt;
    return flow_row(r, 0);
  }
  std::vector<ContactFlowRecord> contact_flows(const Scope& s, const std::string& instance_id,
                                               const std::vector<std::string>& types, const std::string& after_id,
                                               int limit) override {
    auto r = c_.exec(sql::kSelectFlows, {s.account_id, s.region, instance_id, text_array(types), after_id, limit});
    auto out = map_rows(r, [&](int i) { return flow_row(r, i); });
    return out;
  }
  std::vector<PhoneNumberRecord> flow_associations(const std::string& account_id, const std::string& flow_arn_prefix,
                                                   const std::string& after_id, int limit) override {
    return phone_rows(c_.exec(sql::kFlowAssociations, {account_id, flow_arn_prefix, after_id, limit}));
  }
  Insert insert_contact_flow(const ContactFlowRecord& x) override {
    auto r = c_.exec(sql::kInsertFlow, {x.account_id, x.region, x.instance_id, x.id, x.name, x.type, x.description,
                                        x.content, x.status, x.modified_ms, x.state});
    return r.rows() == 1 ? Insert::Ok : Insert::Conflict;
  }
  Insert update_contact_flow(const ContactFlowRecord& x) override {
    auto r = c_.exec(sql::kUpdateFlow, {x.account_id, x.region, x.instance_id, x.id, x.name, x.description, x.content,
                                        x.status, x.modified_ms, x.state});
    return r.rows() == 1 ? Insert::Ok : Insert::Conflict;
  }
  bool delete_contact_flow(const Scope& s, const std::string& instance_id, const std::string& id) override {
    return c_.exec(sql::kDeleteFlow, {s.account_id, s.region, instance_id, id}).affected() > 0;
  }
  void delete_contact_flows(const Scope& s, const std::string& instance_id) override {
    c_.exec(sql::kDeleteFlows, {s.account_id, s.region, instance_id});
  }
  void clear_flow(const std::string& flow_arn) override { c_.exec(sql::kClearFlow, {flow_arn}); }

  std::optional<std::string> setting(const std::string& key) override {
    auto r = c_.exec(sql::kSelectSetting, {key});
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  }
  void put_setting(const std::string& key, const std::string& value) override {
    c_.exec(sql::kUpsertSetting, {key, value});
  }

  Insert insert_setting(const std::string& key, const std::string& value) override {
    return c_.exec(sql::kInsertSetting, {key, value}).rows() == 1 ? Insert::Ok : Insert::Conflict;
  }

  std::vector<FaultRuleRecord> fault_rules() override {
    auto r = c_.exec(sql::kSelectFaultRules, {});
    auto out = map_rows(r, [&](int i) { return FaultRuleRecord{r.text(i, 0), r.text(i, 1), r.opt_integer(i, 2)}; });
    return out;
  }
  void put_fault_rule(const FaultRuleRecord& x) override {
    c_.exec(sql::kUpsertFaultRule, {x.id, x.definition, x.times_left});
  }
  bool delete_fault_rule(const std::string& id) override { return c_.exec(sql::kDeleteFaultRule, {id}).affected() > 0; }
  void delete_fault_rules() override { c_.exec(sql::kDeleteFaultRules, {}); }
  bool consume_fault_rule(const std::string& id) override { return c_.exec(sql::kConsumeFaultRule, {id}).rows() == 1; }

  void delete_everything() override {
    for (const char* statement : sql::kDeleteEverything) c_.exec(statement, {});
  }

  void publish(const Change& c) override { changes_.push_back(c); }

  // The change log and the scope lock rows are this backend's machinery, not data: never part of a
  // snapshot.
  static bool machinery(const std::string& table) { return table == "changes" || table == "scopes"; }

  std::vector<TableSnapshot> dump_tables() override {
    std::vector<TableSnapshot> out;
    for (const auto& name : table_names()) {
      if (machinery(name)) continue;
      TableSnapshot t{name, columns_of(name), {}};
      // Identifiers come from the catalog, never from a request.
      auto r = c_.exec_once("SELECT * FROM \"" + name + "\" ORDER BY 1", {});
      for (int i = 0; i < r.rows(); ++i) {
        std::vector<Value> row;
        row.reserve(static_cast<size_t>(r.columns()));
        for (int col = 0; col < r.columns(); ++col) {
          if (r.null(i, col))
            row.emplace_back(nullptr);
          else if (is_integer(r.type(col)))
            row.emplace_back(r.integer(i, col));
          else if (r.type(col) == kBoolOid)
            row.emplace_back(int64_t{r.boolean(i, col) ? 1 : 0});  // as SQLite stores them
          else
            row.emplace_back(r.text(i, col));
        }
        t.rows.push_back(std::move(row));
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  void load_tables(const std::vector<TableSnapshot>& tables) override {
    const auto known = table_names();
    for (const auto& t : tables) {
      if (std::find(known.begin(), known.end(), t.name) == known.end() || machinery(t.name))
        throw std::invalid_argument("the snapshot has a table this version does not know: " + t.name);
      if (t.columns != columns_of(t.name))
        throw std::invalid_argument("the snapshot's table " + t.name + " has other columns than this version's");
    }
    for (const auto& t : tables) {
      if (t.name == "schema_migrations") {
        // The snapshot must come from the same schema: compare, never load.
        std::vector<std::string> ours, theirs;
        auto r = c_.exec(sql::kMigrationNames, {});
        for (int i = 0; i < r.rows(); ++i) ours.push_back(r.text(i, 0));
        for (const auto& row : t.rows)
          if (!row.empty() && row[0].kind() == Value::Kind::String) theirs.push_back(row[0].as_string());
        std::sort(theirs.begin(), theirs.end());
        if (theirs != ours) throw std::invalid_argument("the snapshot was taken from another schema version");
        continue;
      }
      load_rows(t);
      if (t.name == "blocks") c_.exec(sql::kContinueBlockIds, {});
    }
  }

  // Commits, inserting the published changes in the same round trip; returns their seqs in order.
  std::vector<int64_t> commit() {
    std::vector<int64_t> seqs;
    if (changes_.empty()) {
      c_.commit(nullptr, {});
      return seqs;
    }
    std::vector<std::string> kinds, numbers, untils, values;
    for (const auto& c : changes_) {
      kinds.push_back(std::to_string(static_cast<int>(c.kind)));
      numbers.push_back(c.number);
      untils.push_back(std::to_string(c.until_ms));
      values.push_back(std::to_string(c.value));
    }
    auto results = c_.commit(sql::kInsertChanges, {text_array(kinds), text_array(numbers), text_array(untils),
                                                   text_array(values), wall_clock_ms()});
    const Result& r = results.back();
    for (int i = 0; i < r.rows(); ++i) seqs.push_back(r.integer(i, 0));
    if (seqs.size() != changes_.size()) throw StoreFailure("postgres: change log insert returned a wrong row count");
    return seqs;
  }

 private:
  static constexpr unsigned kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23;
  static bool is_integer(unsigned oid) { return oid == kInt8Oid || oid == kInt4Oid || oid == kInt2Oid; }

  std::vector<std::string> table_names() {
    auto r = c_.exec(sql::kListTables, {});
    auto out = map_rows(r, [&](int i) { return r.text(i, 0); });
    return out;
  }
  std::vector<std::string> columns_of(const std::string& table) {
    auto r = c_.exec(sql::kTableColumns, {table});
    auto out = map_rows(r, [&](int i) { return r.text(i, 0); });
    return out;
  }

  // Multi-row inserts of at most ~30000 parameters each (the protocol allows 65535).
  void load_rows(const TableSnapshot& t) {
    if (t.rows.empty() || t.columns.empty()) return;
    const size_t per_batch = std::max<size_t>(1, 30000 / t.columns.size());
    std::string head = "INSERT INTO \"" + t.name + "\" (";
    for (size_t i = 0; i < t.columns.size(); ++i) head += (i ? ", \"" : "\"") + t.columns[i] + "\"";
    head += ") VALUES ";
    for (size_t from = 0; from < t.rows.size(); from += per_batch) {
      const size_t to = std::min(t.rows.size(), from + per_batch);
      std::string text = head;
      std::vector<std::optional<std::string>> params;
      params.reserve((to - from) * t.columns.size());
      for (size_t r = from; r < to; ++r) {
        const auto& row = t.rows[r];
        if (row.size() != t.columns.size())
          throw std::invalid_argument("a row of " + t.name + " has the wrong number of values");
        text += r == from ? "(" : ", (";
        for (size_t col = 0; col < row.size(); ++col) {
          text += (col ? ", $" : "$") + std::to_string(params.size() + 1);
          switch (row[col].kind()) {
            case Value::Kind::Null: params.emplace_back(std::nullopt); break;
            case Value::Kind::Int: params.emplace_back(std::to_string(row[col].as_int())); break;
            case Value::Kind::String: params.emplace_back(row[col].as_string()); break;
            default: throw std::invalid_argument("a value of " + t.name + " is neither a string, an integer nor null");
          }
        }
        text += ")";
      }
      try {
        c_.exec_once(text, params);
      } catch (const PgError& e) {
        // Class 22 (data exception) and 23 (constraint violation): the snapshot does not fit.
        if (e.sqlstate().rfind("22", 0) == 0 || e.sqlstate().rfind("23", 0) == 0)
          throw std::invalid_argument("a row of " + t.name + " does not fit: " + e.what());
        throw;
      }
    }
  }

  Connection& c_;
  const bool locking_;
  std::vector<Change> changes_;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const PostgresOptions& o)
      : dsn_(o.dsn),
        session_{checked_schema(o.schema), o.connect_timeout_s, o.statement_timeout_ms,
                 o.idle_in_transaction_timeout_ms},
        pool_size_(std::max<size_t>(1, o.pool_size)),
        max_attempts_(std::max(1, o.max_attempts)),
        on_commit_(o.on_commit) {
    auto c = connect();
    migrate(*c);
    open_change_log(*c);
    open_ = 1;  // the first pooled connection
    give(std::move(c));
    for (size_t i = 0; i < std::max<size_t>(1, o.submit_threads); ++i)
      submitters_.emplace_back([this] {
        name_this_thread("cl-pg-submit");
        submit_loop();
      });
    keeper_ = std::thread([this] {
      name_this_thread("cl-pg-changes");
      keep_up_loop();
    });
  }

  ~PostgresStore() override {
    {
      std::lock_guard lk(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    keeper_cv_.notify_all();
    keeper_.join();
    for (auto& t : submitters_) t.join();
  }

  void write(const std::function<void(WriteTxn&)>& fn) override {
    Lease lease(*this);
    run(lease.conn, true, [&fn](PgTxn& t) { fn(t); });
  }

  void submit(std::function<void(WriteTxn&)> fn, std::function<void(std::exception_ptr)> done) override {
    {
      std::lock_guard lk(queue_mu_);
      if (stopping_) throw StoreFailure("postgres: store is shutting down");
      queue_.push_back({std::move(fn), std::move(done)});
    }
    queue_cv_.notify_one();
  }

  void read(const std::function<void(ReadTxn&)>& fn) override {
    catch_up(nullptr);  // before taking a pooled connection: most reads then hold one only briefly
    Lease lease(*this);
    run(
        lease.conn, false, [&fn](PgTxn& t) { fn(t); }, /*caught_up=*/true);
  }

  void set_change_listener(ChangeListener listener) override {
    std::lock_guard lk(apply_mu_);
    listener_ = std::move(listener);
  }

  const char* backend() const override { return "postgres"; }
  bool local_reads() const override { return false; }

 private:
  struct Job {
    std::function<void(WriteTxn&)> fn;
    std::function<void(std::exception_ptr)> done;
  };

  // A pooled connection for the length of one read() or write(); nullptr until first needed.
  struct Lease {
    explicit Lease(PostgresStore& s) : store(s), conn(s.take()) {}
    ~Lease() { store.give(std::move(conn)); }
    PostgresStore& store;
    std::unique_ptr<Connection> conn;
  };

  std::unique_ptr<Connection> connect() { return std::make_unique<Connection>(dsn_, session_); }

  // An idle connection, or nullptr with a slot reserved for a new one; waits a bounded time when
  // every connection is in use.
  std::unique_ptr<Connection> take() {
    std::unique_lock lk(pool_mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(session_.round_trip_ms());
    while (idle_.empty() && open_ >= pool_size_) {
      if (pool_cv_.wait_until(lk, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= pool_size_)
        throw StoreFailure("postgres: no connection available in time");
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
    return nullptr;
  }

  void give(std::unique_ptr<Connection> c) {
    {
      std::lock_guard lk(pool_mu_);
      if (c && !c->broken())
        idle_.push_back(std::move(c));
      else
        --open_;  // dropped (or never made): the slot is free for a new connection
    }
    pool_cv_.notify_one();
    // c, if broken, is closed here, outside the lock.
  }

  static std::string checked_schema(const std::string& schema) {
    for (char ch : schema)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
        throw StoreFailure("postgres: schema names are lower-case letters, digits and '_': " + schema);
    return schema;
  }

  void migrate(Connection& c) {
    c.simple(sql::kBegin);
    try {
      c.exec(sql::kMigrationLock, {});
      if (!session_.schema.empty()) {
        const std::string create = "CREATE SCHEMA IF NOT EXISTS \"" + session_.schema + "\"";
        c.simple(create.c_str());
      }
      c.simple(sql::kCreateMigrations);
      for (const EmbeddedFile* f = kPostgresMigrations; f->name; ++f) {
        if (c.exec(sql::kMigrationApplied, {f->name}).rows() > 0) continue;
        c.simple(f->content);
        c.exec(sql::kRecordMigration, {f->name, wall_clock_ms()});
      }
      c.simple(sql::kCommit);
    } catch (...) {
      c.rollback();
      throw;
    }
  }

  // The cursor starts at the newest change (the domain loads full state right after opening);
  // recent seqs not committed yet are gaps, in case their transactions commit after that load.
  void open_change_log(Connection& c) {
    const int64_t max = c.exec(sql::kMaxChange, {}).integer(0, 0);
    const int64_t from = std::max<int64_t>(0, max - kOpeningWindow);
    auto r = c.exec(sql::kRecentChanges, {from});
    std::vector<bool> seen(static_cast<size_t>(max - from + 1), false);
    for (int i = 0; i < r.rows(); ++i) seen[static_cast<size_t>(r.integer(i, 0) - from)] = true;
    const int64_t now = steady_ms();
    for (int64_t s = from + 1; s < max; ++s)
      if (!seen[static_cast<size_t>(s - from)]) gaps_[s] = now;
    cursor_ = max;
    last_caught_up_ms_ = now;
  }

  // Reads and applies the changes this node has not applied yet. Single flight: a caller waits for
  // a query that started after it arrived, and at most one runs at a time.
  // `c`: the caller's connection, used if it leads the query; nullptr: a leader uses the flight
  // connection (one per node, only ever used by the one running flight), so a read waiting for the
  // log holds no pooled connection.
  void catch_up(Connection* c) {
    std::unique_lock lk(flight_mu_);
    const uint64_t need = launched_ + 1;
    while (completed_ < need) {
      if (flight_running_) {
        flight_cv_.wait(lk);
        continue;
      }
      flight_running_ = true;
      const uint64_t id = ++launched_;
      lk.unlock();
      try {
        if (c)
          read_change_log(*c);
        else
          read_change_log_on_flight_connection();
      } catch (...) {
        lk.lock();
        flight_running_ = false;
        lk.unlock();
        flight_cv_.notify_all();
        throw;
      }
      lk.lock();
      flight_running_ = false;
      completed_ = id;
      flight_cv_.notify_all();
    }
  }

  // Like run(): a connection found broken (the server restarted while it was idle) is replaced once.
  void read_change_log_on_flight_connection() {
    bool fresh = false;
    if (!flight_conn_ || flight_conn_->broken()) {
      flight_conn_.reset();
      flight_conn_ = connect();
      fresh = true;
    }
    try {
      read_change_log(*flight_conn_);
    } catch (const PgError& e) {
      if (fresh || !e.broken() || e.sqlstate() == kClientTimeout) throw;
      flight_conn_.reset();
      flight_conn_ = connect();
      read_change_log(*flight_conn_);
    }
  }

  void read_change_log(Connection& c) {
    int64_t cursor;
    std::vector<int64_t> gaps;
    {
      std::lock_guard lk(apply_mu_);
      cursor = cursor_;
      for (const auto& [seq, _] : gaps_) gaps.push_back(seq);
    }
    auto r = c.exec(sql::kChangesSince, {cursor, int_array(gaps)});
    const int64_t now = steady_ms();
    std::vector<Change> batch;
    batch.reserve(static_cast<size_t>(r.rows()));
    {
      std::lock_guard lk(apply_mu_);
      if (now - last_caught_up_ms_ > kPruneAfterMs - kGapLifetimeMs) {
        // Rows this node never read may be pruned already: its caches cannot be trusted.
        batch.push_back(Change{Change::Kind::Reset, {}, 0, 0});
      }
      int64_t expected = cursor_ + 1;
      for (int i = 0; i < r.rows(); ++i) {
        const int64_t seq = r.integer(i, 0);
        Change ch;
        ch.kind = static_cast<Change::Kind>(r.integer(i, 1));
        ch.number = r.text(i, 2);
        ch.until_ms = r.integer(i, 3);
        ch.value = r.integer(i, 4);
        batch.push_back(std::move(ch));
        if (seq <= cursor_) {
          gaps_.erase(seq);
          continue;
        }
        if (seq - expected <= kMaxGapSpan)
          for (int64_t missing = expected; missing < seq; ++missing) gaps_.emplace(missing, now);
        expected = seq + 1;
        cursor_ = seq;
      }
      for (auto it = gaps_.begin(); it != gaps_.end();) it = now - it->second > kGapLifetimeMs ? gaps_.erase(it) : ++it;
      last_caught_up_ms_ = now;
      deliver(batch);
    }
    maybe_prune(c, now);
  }

  // Own changes right after COMMIT: those a catch-up already applied (in order) are left out.
  void apply_own(const std::vector<Change>& changes, const std::vector<int64_t>& seqs) {
    std::lock_guard lk(apply_mu_);
    std::vector<Change> pending;
    for (size_t i = 0; i < changes.size(); ++i)
      if (seqs[i] > cursor_ || gaps_.count(seqs[i])) pending.push_back(changes[i]);
    deliver(pending);
  }

  // Under apply_mu_. The listener must not throw; if it does, the commit stands regardless.
  void deliver(const std::vector<Change>& changes) {
    if (changes.empty() || !listener_) return;
    try {
      listener_(changes);
    } catch (...) {}
  }

  void maybe_prune(Connection& c, int64_t now) {
    if (now < next_prune_ms_.load()) return;
    next_prune_ms_ = now + kPruneEveryMs;
    c.exec(sql::kPruneChanges, {wall_clock_ms() - kPruneAfterMs});
  }

  void backoff(int attempt) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    const int base = std::min(1 << std::min(attempt, 6), 50);
    std::uniform_int_distribution<int> jitter(base / 2, base + base / 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
  }

  // Runs one transaction on `conn` (made when missing or broken). A connection found broken before
  // COMMIT was sent (the server restarted while it sat in the pool, or killed it) is replaced and
  // the transaction runs again: nothing of it was committed. A broken COMMIT has an unknown outcome
  // and is reported.
  template <class Body>
  void run(std::unique_ptr<Connection>& conn, bool write, const Body& body, bool caught_up = false) {
    int attempts = 0;
    size_t reconnects = 0;
    for (;;) {
      bool fresh = false;
      if (!conn || conn->broken()) {
        conn.reset();
        conn = connect();
        fresh = true;
      }
      Connection& c = *conn;
      const auto started = std::chrono::steady_clock::now();
      bool committing = false;
      auto replaceable = [&](const PgError& e) {
        // Not after a timeout: the server is there but not answering; waiting again would double
        // the time the caller waits.
        return e.broken() && !committing && !fresh && e.sqlstate() != kClientTimeout &&
               reconnects++ <= pool_size_ + submitters_.size();
      };
      try {
        if (!caught_up) catch_up(&c);
      } catch (const PgError& e) {
        if (replaceable(e)) continue;
        throw;
      }
      c.begin(write ? sql::kBeginWrite : sql::kBeginRead);
      PgTxn txn(c, write);
      std::vector<int64_t> seqs;
      try {
        body(txn);
        committing = true;
        seqs = txn.commit();
      } catch (const Retry& e) {
        c.rollback();
        if (++attempts >= max_attempts_)
          throw StoreFailure(std::string("postgres: transaction still losing after retries: ") + e.what());
        backoff(attempts);
        continue;
      } catch (const PgError& e) {
        c.rollback();
        if (replaceable(e)) continue;
        if (!e.retryable()) throw;
        if (++attempts >= max_attempts_)
          throw StoreFailure(std::string("postgres: transaction still losing after retries: ") + e.what());
        backoff(attempts);
        continue;
      } catch (...) {
        c.rollback();
        throw;
      }
      if (write) {
        if (on_commit_) {
          try {
            on_commit_(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 1);
          } catch (...) {}
        }
        apply_own(txn.published(), seqs);
      }
      return;
    }
  }

  // An idle node still reads the change log now and then, so it never falls further behind than
  // the pruning horizon while nothing asks it anything.
  void keep_up_loop() {
    std::unique_lock lk(queue_mu_);
    while (!stopping_) {
      keeper_cv_.wait_for(lk, std::chrono::milliseconds(kKeepUpEveryMs));
      if (stopping_) return;
      int64_t last;
      {
        std::lock_guard alk(apply_mu_);
        last = last_caught_up_ms_;
      }
      if (steady_ms() - last < kKeepUpEveryMs) continue;
      lk.unlock();
      try {
        Lease lease(*this);
        if (!lease.conn || lease.conn->broken()) lease.conn = connect();
        catch_up(lease.conn.get());
      } catch (...) {
        // The database is unreachable: requests report it; this retries at the next tick.
      }
      lk.lock();
    }
  }

  void submit_loop() {
    std::unique_ptr<Connection> conn;  // this thread's own
    for (;;) {
      Job job;
      {
        std::unique_lock lk(queue_mu_);
        queue_cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, with nothing left to run
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      std::exception_ptr outcome;
      try {
        run(conn, true, [&job](PgTxn& t) { job.fn(t); });
      } catch (...) {
        outcome = std::current_exception();
      }
      try {
        job.done(outcome);
      } catch (...) {}
    }
  }

  const std::string dsn_;
  const SessionSettings session_;
  const size_t pool_size_;
  const int max_attempts_;
  CommitObserver on_commit_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;

  // The change log: what this node has applied.
  std::mutex apply_mu_;
  ChangeListener listener_;
  int64_t cursor_ = 0;
  std::map<int64_t, int64_t> gaps_;  // seq → when first missed (steady ms)
  int64_t last_caught_up_ms_ = 0;
  std::atomic<int64_t> next_prune_ms_{0};

  // Single flight of catch-up queries.
  std::mutex flight_mu_;
  std::condition_variable flight_cv_;
  bool flight_running_ = false;
  std::unique_ptr<Connection> flight_conn_;  // a leader's without one of its own (reads)
  uint64_t launched_ = 0, completed_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> submitters_;
  std::condition_variable keeper_cv_;
  std::thread keeper_;
};

}  // namespace

std::unique_ptr<Store> open_postgres(const PostgresOptions& options) {
  return std::make_unique<PostgresStore>(options);
}

}  // namespace cl::store
