#pragma once
// The PostgreSQL backend: any number of nodes share one database (see postgres_store.cpp for the
// PostgreSQL features it relies on and how it keeps the contract of store.hpp).
#include <cstddef>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace cl::store {

struct PostgresOptions {
  std::string dsn;  // any libpq connection string or URI (several hosts allowed)
  // Tables live in this schema (created when missing) instead of the connection's search_path;
  // lower-case letters, digits and '_'. Lets several deployments or test runs share a database.
  std::string schema;
  size_t pool_size = 8;       // connections for read() and write() on the callers' threads
  size_t submit_threads = 8;  // store threads running submit(), each with its own connection
  CommitObserver on_commit;
  // Bounds (milliseconds): nothing waits on the server longer than statement_timeout_ms plus a
  // small margin; a connection idle inside a transaction is closed by the server.
  int connect_timeout_s = 5;
  int statement_timeout_ms = 10000;
  int idle_in_transaction_timeout_ms = 15000;
  int max_attempts = 16;  // of a write transaction (deadlock, serialization failure, Retry)
};

// Connects, applies pending migrations (under an advisory lock, so nodes starting together do not
// race) and starts the submit threads. Throws StoreFailure when the database is unreachable.
std::unique_ptr<Store> open_postgres(const PostgresOptions& options);

}  // namespace cl::store
