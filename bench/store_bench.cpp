// Store micro-benchmark on PostgreSQL: write transactions through submit() and write(), and read
// transactions, from 16 threads, 8 s each. Usage: scripts/with-postgres build/bench/store_bench [submit-threads=8]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>
#include "store/postgres/postgres_store.hpp"
using namespace cl::store;
static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
int main(int argc, char** argv) {
  PostgresOptions o;
  o.dsn = getenv("CL_TEST_POSTGRES_DSN");
  o.schema = "bench";
  o.submit_threads = argc > 1 ? static_cast<size_t>(atoi(argv[1])) : 8;
  auto s = open_postgres(o);
  std::atomic<long> heard{0};
  s->set_change_listener([&](const std::vector<Change>& c) { heard += c.size(); });
  const double secs = 8;
  for (int mode = 0; mode < 3; ++mode) {
    std::atomic<long> done{0}, failed{0};
    std::vector<std::thread> th;
    double t0 = now();
    for (int i = 0; i < 16; ++i)
      th.emplace_back([&, i] {
        long n = 0;
        while (now() - t0 < secs) {
          std::string num = "+1" + std::to_string(mode) + std::to_string(i * 1000000 + n++);
          auto body = [&](WriteTxn& t) {
            if (t.take_hold(num, 1000, num, 0)) {
              PhoneNumberRecord p;
              p.id = num;
              p.account_id = "1";
              p.region = "r";
              p.number = num;
              p.country = "US";
              p.type = "DID";
              p.target_arn = "arn:t";
              t.insert_phone_number(p);
              t.publish(Change{Change::Kind::Hold, num, 1000, 0});
            }
          };
          try {
            if (mode == 0) {
              std::promise<std::exception_ptr> pr;
              s->submit(body, [&](std::exception_ptr e) { pr.set_value(e); });
              if (pr.get_future().get())
                ++failed;
              else
                ++done;
            } else if (mode == 1) {
              s->write(body);
              ++done;
            } else {
              s->read([&](ReadTxn& t) { t.setting("x"); });
              ++done;
            }
          } catch (...) {
            ++failed;
          }
        }
      });
    for (auto& t : th) t.join();
    double el = now() - t0;
    printf("%s: %.0f txn/s (%ld ok, %ld failed)\n",
           mode == 0   ? "submit write, 16 threads"
           : mode == 1 ? "write() on callers, 16 threads"
                       : "read() on callers, 16 threads",
           done / el, done.load(), failed.load());
  }
  printf("changes heard: %ld\n", heard.load());
}
