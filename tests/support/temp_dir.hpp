#pragma once
// A fresh directory under the system temporary directory, removed with everything in it when the
// object goes away, so tests leave nothing behind (also when an assertion fails).
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace cl::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "cl-test-") {
    std::random_device rd;
    for (int attempt = 0;; ++attempt) {
      path_ = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()) + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) break;  // false: it existed, try another name
      if (attempt > 100) throw std::runtime_error("cannot create a temporary directory");
    }
  }
  ~TempDir() {
    std::error_code ec;  // a destructor must not throw; what cannot be removed stays
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // A path inside the directory (not created).
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace cl::test
