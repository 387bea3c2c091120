// The VFS that writes each commit's WAL frames at once: another connection sees every commit the
// moment it returns, the files hold every commit as it returns (what a crash would leave), rolled
// back and spilled transactions leave the database as SQLite alone would, and a commit of up to
// 124 KiB costs one write.
#include "store/sqlite/wal_write_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace cl::store {
namespace {

class Db {
 public:
  Db(const std::string& file, const char* vfs) {
    wal_write_vfs();  // the store's SQLite settings, before this opens anything
    const std::string uri = "file:" + file + "?vfs=" + vfs;
    if (sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr) !=
        SQLITE_OK)
      throw std::runtime_error("open " + uri + ": " + sqlite3_errmsg(db_));
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(sql.substr(0, 60) + ": " + msg);
    }
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// What a table holds, in one string: every row's id, length and first and last bytes (a stale or
// missing page changes them).
constexpr const char* kDigest =
    "SELECT count(*) || ':' || coalesce(group_concat(id || '/' || length(v) || '/' || hex(substr(v, 1, 4)) || "
    "hex(substr(v, -4)), ','), '') FROM (SELECT id, v FROM t ORDER BY id)";

// The write system calls this process has made so far.
long write_calls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long value = 0;
  while (io >> key >> value)
    if (key == "syscw:") return value;
  throw std::runtime_error("no syscw in /proc/self/io");
}

// "WITH ... INSERT ... SELECT ... FROM s": the numbers 1..n as column `value` of s.
std::string series(int n) {
  return "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < " + std::to_string(n) +
         ") ";
}

void open_wal(Db& db) {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
}

TEST(WalWriteVfs, ACommitOfManyPagesIsOneWriteWhereSqliteAloneMakesTwoPerPage) {
  test::TempDir dir;
  auto writes_for_a_commit = [&](const char* vfs, const std::string& name) {
    Db db(dir.file(name), vfs);
    open_wal(db);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
    const long before = write_calls();
    db.exec(series(100) + "INSERT INTO t SELECT value, zeroblob(1000) FROM s");  // ~25 pages, ~100 KiB
    return write_calls() - before;
  };
  EXPECT_GE(writes_for_a_commit("unix-excl", "plain.db"), 50);
  EXPECT_EQ(writes_for_a_commit(wal_write_vfs(), "gathered.db"), 1);
}

TEST(WalWriteVfs, EveryCommitIsSeenByAnotherConnectionAndIsInTheFilesWhenItReturns) {
  test::TempDir dir;
  const std::string file = dir.file("t.db");
  Db writer(file, wal_write_vfs());
  open_wal(writer);
  writer.exec("PRAGMA cache_size = 8");  // large transactions spill frames before they commit
  writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  Db reader(file, wal_write_vfs());
  std::mt19937 rng(7);
  for (int round = 0; round < 60; ++round) {
    const int rows = std::uniform_int_distribution<int>(1, round % 10 == 0 ? 3000 : 40)(rng);
    const int size = std::uniform_int_distribution<int>(1, 3000)(rng);
    const std::string before = writer.text(kDigest);
    writer.exec("BEGIN");
    writer.exec(series(rows) + "INSERT OR REPLACE INTO t SELECT abs(random()) % 5000, randomblob(" +
                std::to_string(size) + ") FROM s");
    writer.exec("DELETE FROM t WHERE id % 7 = " + std::to_string(round % 7));
    if (round % 5 == 4) {  // rolled back: nothing of it anywhere
      writer.exec("ROLLBACK");
      ASSERT_EQ(writer.text(kDigest), before) << round;
      ASSERT_EQ(reader.text(kDigest), before) << round;
      continue;
    }
    writer.exec("COMMIT");
    const std::string committed = writer.text(kDigest);
    ASSERT_EQ(reader.text(kDigest), committed) << round;
    if (round % 3 == 0) writer.exec("PRAGMA wal_checkpoint(PASSIVE)");  // the WAL restarts from its start

    // What a crash now would leave: the files as they are, opened by SQLite alone.
    const auto image = dir.path() / ("image" + std::to_string(round));
    std::filesystem::create_directory(image);
    for (const char* suffix : {"", "-wal"})
      std::filesystem::copy_file(file + suffix, (image / "t.db").string() + suffix);
    Db copy((image / "t.db").string(), "unix");
    ASSERT_EQ(copy.text(kDigest), committed) << round;
    ASSERT_EQ(copy.text("PRAGMA integrity_check"), "ok") << round;
  }
}

// The file as SQLite's writes would have left it: what is written once a commit frame's page
// follows its header, however much was gathered before it (up to and across the amount at which
// the VFS writes anyway).
TEST(WalWriteVfs, ACommitFrameIsInTheFileOnceItsPageIsWritten) {
  test::TempDir dir;
  const std::string db = dir.file("t.db"), path = db + "-wal";
  std::ofstream(db).put('\0');  // the unix VFS gives a WAL its database's permissions
  sqlite3_vfs* vfs = sqlite3_vfs_find(wal_write_vfs());
  ASSERT_NE(vfs, nullptr);
  std::vector<char> memory(static_cast<size_t>(vfs->szOsFile));
  auto* file = reinterpret_cast<sqlite3_file*>(memory.data());
  ASSERT_EQ(vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_WAL | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  std::string expected;
  auto write = [&](const std::string& bytes) {
    ASSERT_EQ(file->pMethods->xWrite(file, bytes.data(), static_cast<int>(bytes.size()),
                                     static_cast<sqlite3_int64>(expected.size())),
              SQLITE_OK);
    expected += bytes;
  };
  auto on_disk = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string commit_header(24, '\1');  // bytes 4..7: the database size, not zero
  constexpr size_t kMiB = 1 << 20;
  for (size_t before : {size_t{0}, size_t{4096}, kMiB - 4096, kMiB - 30, kMiB - 24, kMiB - 10, kMiB - 1}) {
    write(std::string(before, 'a'));  // frames of no commit: gathered, or written once there are enough
    write(commit_header);
    write(std::string(4096, 'p'));
    const std::string file_now = on_disk();
    ASSERT_EQ(file_now.size(), expected.size()) << before;
    ASSERT_TRUE(file_now == expected) << before;
  }
  EXPECT_EQ(file->pMethods->xClose(file), SQLITE_OK);
}

TEST(WalWriteVfs, NeedsABaseVfs) {
  EXPECT_THROW(register_wal_write_vfs("cl-test-none", "no-such-vfs"), std::runtime_error);
}

}  // namespace
}  // namespace cl::store
