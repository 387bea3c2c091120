#pragma once
// A fixed pool of threads for work that would stall an I/O thread: admin calls, the front half of
// requests with a large body (hashing, parsing), and domain calls on a store whose reads wait on the
// network.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cl {

// Names the calling thread (at most 15 characters show), as `top -H` and debuggers list it.
void name_this_thread(const char* name);

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  void post(std::function<void()> task);

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cl
