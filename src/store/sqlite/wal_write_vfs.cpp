#include "store/sqlite/wal_write_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_config.hpp"

namespace cl::store {
namespace {

constexpr int kFrameHeaderBytes = 24;     // a WAL frame's header; bytes 4..7 are the database size in a commit frame
constexpr size_t kMaxGathered = 1 << 20;  // a transaction larger than this (spilling) writes as it goes
// The unix VFS writes at most 128 KiB - 1 bytes a call (it masks the length to 17 bits).
constexpr size_t kMaxWrite = 0x1f000;

// The file SQLite sees; the base VFS's file follows it in the same allocation.
struct WalFile {
  sqlite3_file base;  // pMethods: kWalMethods
  sqlite3_file* real;
  std::vector<char>* gathered;  // owned; what SQLite has written and the file has not yet
  sqlite3_int64 gathered_at;    // the file offset of gathered[0]
  bool after_commit_header;     // the last write was the header of a commit frame
};

constexpr int real_offset() { return (static_cast<int>(sizeof(WalFile)) + 7) & ~7; }

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
const sqlite3_io_methods* real_methods(WalFile* f) { return f->real->pMethods; }

bool is_commit_header(const void* data, int amt) {
  if (amt != kFrameHeaderBytes) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int write_gathered(WalFile* f) {
  f->after_commit_header = false;
  auto& g = *f->gathered;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < g.size() && rc == SQLITE_OK; done += kMaxWrite)
    rc = real_methods(f)->xWrite(f->real, g.data() + done, static_cast<int>(std::min(kMaxWrite, g.size() - done)),
                                 f->gathered_at + static_cast<sqlite3_int64>(done));
  g.clear();
  return rc;
}

int x_write(sqlite3_file* file, const void* data, int amt, sqlite3_int64 offset) {
  WalFile* f = wal(file);
  auto& g = *f->gathered;
  if (!g.empty() && offset != f->gathered_at + static_cast<sqlite3_int64>(g.size())) {
    if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  }
  if (g.empty()) f->gathered_at = offset;
  const bool completes_commit = f->after_commit_header;
  try {
    g.insert(g.end(), static_cast<const char*>(data), static_cast<const char*>(data) + amt);
  } catch (const std::bad_alloc&) {  // written as it comes, after what is gathered
    int rc = write_gathered(f);
    if (rc == SQLITE_OK) rc = real_methods(f)->xWrite(f->real, data, amt, offset);
    f->after_commit_header = rc == SQLITE_OK && is_commit_header(data, amt);
    return rc;
  }
  // The commit frame's page follows its header: the commit is complete, and once SQLite has
  // published it in the wal-index any connection may read it.
  if (completes_commit) return write_gathered(f);
  const int rc = g.size() >= kMaxGathered ? write_gathered(f) : SQLITE_OK;
  f->after_commit_header = rc == SQLITE_OK && is_commit_header(data, amt);  // also when it was just written
  return rc;
}

int x_close(sqlite3_file* file) {
  WalFile* f = wal(file);
  const int flushed = write_gathered(f);
  const int rc = real_methods(f)->xClose(f->real);
  delete f->gathered;
  f->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

// Every other method passes on to the base file's; one that touches the file (Flush) first writes
// what is gathered. (A WAL file has no shared memory and is never memory-mapped: those pass on for
// completeness.)
template <auto Method, bool Flush>
struct Forward;
template <class R, class... A, R (*sqlite3_io_methods::*Method)(sqlite3_file*, A...), bool Flush>
struct Forward<Method, Flush> {
  static R call(sqlite3_file* file, A... args) {
    WalFile* f = wal(file);
    if constexpr (Flush) {
      if (int rc = write_gathered(f); rc != SQLITE_OK) return rc;
    }
    return (real_methods(f)->*Method)(f->real, args...);
  }
};
template <auto Method>
constexpr auto flushing = &Forward<Method, true>::call;
template <auto Method>
constexpr auto passing = &Forward<Method, false>::call;

const sqlite3_io_methods kWalMethods = {
    3,
    x_close,
    flushing<&sqlite3_io_methods::xRead>,
    x_write,
    flushing<&sqlite3_io_methods::xTruncate>,
    flushing<&sqlite3_io_methods::xSync>,
    flushing<&sqlite3_io_methods::xFileSize>,
    flushing<&sqlite3_io_methods::xLock>,
    flushing<&sqlite3_io_methods::xUnlock>,
    passing<&sqlite3_io_methods::xCheckReservedLock>,
    flushing<&sqlite3_io_methods::xFileControl>,
    passing<&sqlite3_io_methods::xSectorSize>,
    passing<&sqlite3_io_methods::xDeviceCharacteristics>,
    passing<&sqlite3_io_methods::xShmMap>,
    passing<&sqlite3_io_methods::xShmLock>,
    passing<&sqlite3_io_methods::xShmBarrier>,
    passing<&sqlite3_io_methods::xShmUnmap>,
    flushing<&sqlite3_io_methods::xFetch>,
    passing<&sqlite3_io_methods::xUnfetch>,
};

sqlite3_vfs* base_vfs(sqlite3_vfs* self) { return static_cast<sqlite3_vfs*>(self->pAppData); }

int x_open(sqlite3_vfs* self, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = base_vfs(self);
  // Every file but a WAL is the base VFS's own, in the same memory.
  if (!(flags & SQLITE_OPEN_WAL)) return base->xOpen(base, name, file, flags, out_flags);
  WalFile* f = wal(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_offset());
  const int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  // The methods above need version 3 of the base's (unix has it).
  if (!f->real->pMethods || f->real->pMethods->iVersion < 3 ||
      !(f->gathered = new (std::nothrow) std::vector<char>())) {
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->gathered_at = 0;
  f->after_commit_header = false;
  f->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* self, const char* n, int sync) { return base_vfs(self)->xDelete(base_vfs(self), n, sync); }
int x_access(sqlite3_vfs* self, const char* n, int flags, int* out) {
  return base_vfs(self)->xAccess(base_vfs(self), n, flags, out);
}
int x_full_pathname(sqlite3_vfs* self, const char* n, int size, char* out) {
  return base_vfs(self)->xFullPathname(base_vfs(self), n, size, out);
}
void* x_dl_open(sqlite3_vfs* self, const char* n) { return base_vfs(self)->xDlOpen(base_vfs(self), n); }
void x_dl_error(sqlite3_vfs* self, int n, char* out) { base_vfs(self)->xDlError(base_vfs(self), n, out); }
void (*x_dl_sym(sqlite3_vfs* self, void* h, const char* s))(void) {
  return base_vfs(self)->xDlSym(base_vfs(self), h, s);
}
void x_dl_close(sqlite3_vfs* self, void* h) { base_vfs(self)->xDlClose(base_vfs(self), h); }
int x_randomness(sqlite3_vfs* self, int n, char* out) { return base_vfs(self)->xRandomness(base_vfs(self), n, out); }
int x_sleep(sqlite3_vfs* self, int us) { return base_vfs(self)->xSleep(base_vfs(self), us); }
int x_current_time(sqlite3_vfs* self, double* out) { return base_vfs(self)->xCurrentTime(base_vfs(self), out); }
int x_get_last_error(sqlite3_vfs* self, int n, char* out) {
  return base_vfs(self)->xGetLastError(base_vfs(self), n, out);
}
int x_current_time_int64(sqlite3_vfs* self, sqlite3_int64* out) {
  return base_vfs(self)->xCurrentTimeInt64(base_vfs(self), out);
}

}  // namespace

const char* register_wal_write_vfs(const char* name, const char* base_name) {
  configure_sqlite_once();  // looking up the base initialises SQLite
  sqlite3_vfs* base = sqlite3_vfs_find(base_name);
  if (!base || base->iVersion < 2) throw std::runtime_error(std::string("no SQLite VFS ") + base_name);
  auto* vfs = new sqlite3_vfs{};
  vfs->iVersion = 2;
  vfs->szOsFile = real_offset() + base->szOsFile;
  vfs->mxPathname = base->mxPathname;
  vfs->zName = name;
  vfs->pAppData = base;
  vfs->xOpen = x_open;
  vfs->xDelete = x_delete;
  vfs->xAccess = x_access;
  vfs->xFullPathname = x_full_pathname;
  vfs->xDlOpen = x_dl_open;
  vfs->xDlError = x_dl_error;
  vfs->xDlSym = x_dl_sym;
  vfs->xDlClose = x_dl_close;
  vfs->xRandomness = x_randomness;
  vfs->xSleep = x_sleep;
  vfs->xCurrentTime = x_current_time;
  vfs->xGetLastError = x_get_last_error;
  vfs->xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(vfs, 0) != SQLITE_OK) throw std::runtime_error(std::string("cannot register ") + name);
  return name;
}

const char* wal_write_vfs() {
  static const char* const name = register_wal_write_vfs("cl-unix-excl", "unix-excl");
  return name;
}

}  // namespace cl::store
