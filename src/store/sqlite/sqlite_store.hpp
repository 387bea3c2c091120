#pragma once
// The embedded SQLite backend: WAL, one writer thread with group commit, per-thread read connections.
#include <functional>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace cl::store {

struct SqliteOptions {
  std::string data_dir;  // ignored when in_memory
  bool in_memory = false;
  size_t max_batch = 512;  // group commit: at most this many transactions per commit
  CommitObserver on_commit;
  // Tests only: told of every statement a read transaction runs (BEGIN and COMMIT included), and
  // run between a read's SELECT of an instance or group and offering the row to the record cache.
  std::function<void(const char* sql)> on_read_statement;
  std::function<void()> before_cache_fill;
  // Tests only: syncs the WAL in place of fdatasync(fd); returns 0 or an errno.
  std::function<int(int fd)> sync_wal;

  static SqliteOptions memory() {
    SqliteOptions o;
    o.in_memory = true;
    return o;
  }
  static SqliteOptions on_disk(std::string dir) {
    SqliteOptions o;
    o.data_dir = std::move(dir);
    return o;
  }
};

// Opens (creating and migrating as needed) the store; throws StoreFailure naming the file, the
// cause and what to do when that fails.
std::unique_ptr<Store> open_sqlite(const SqliteOptions& options);

}  // namespace cl::store
