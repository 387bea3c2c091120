#pragma once
// One server per data directory: an exclusive flock on <dir>/connect-local.lock, taken before the
// database is opened and held until the process ends (the kernel drops it even on SIGKILL). Two
// servers on one directory would each keep their own in-memory index and disagree.
#include <string>

namespace cl::app {

class DataDirLock {
 public:
  // Creates the directory if needed and takes the lock. Throws std::runtime_error with a message
  // for the operator (naming the directory, the cause and, when another server holds the lock, its pid).
  explicit DataDirLock(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace cl::app
