// Micro benchmark of the inventory (not a ctest): SearchAvailablePhoneNumbers' in-memory part over
// ~10^8 valid numbers with 10^6 held (half clustered at the start, where clients race, half
// scattered at random), against an inventory of 10^4 numbers with 1 % held the same way; the same
// query mix on both (limit 10; half from the start, half after a random number; a quarter of all
// queries also narrowed by an area-code prefix). Also reports the start-up cost of loading the
// holds (sorted, as the store returns them) and the heap bytes per held number.
//
//   inventory_bench [queries]

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "inventory/inventory.hpp"

using namespace cl::inventory;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::string pad(uint64_t v, int width) {
  std::string d = std::to_string(v);
  return std::string(size_t(width) - d.size(), '0') + d;
}

size_t heap_bytes() { return mallinfo2().uordblks; }

struct Stats {
  double p50, p99, max, mean;
};

Stats stats(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double x : us) sum += x;
  return {us[us.size() / 2], us[us.size() * 99 / 100], us.back(), sum / double(us.size())};
}

struct Scenario {
  const char* name;
  std::vector<BlockSpec> blocks;
  size_t clustered, scattered;
};

struct Result {
  uint64_t valid = 0;
  size_t held = 0, runs = 0;
  double load_ms = 0, bytes_per_hold = 0;
  Stats search{}, available{};
};

Result run(const NumberPlan& plan, const Scenario& sc, size_t queries) {
  Result r;
  Inventory inv(plan);
  std::vector<BlockAutomaton> autos;
  for (size_t i = 0; i < sc.blocks.size(); ++i) {
    inv.add_block(int64_t(i + 1), sc.blocks[i]);
    autos.push_back(plan.automaton(sc.blocks[i]));
    r.valid += autos.back().valid_count();
  }
  std::mt19937_64 rng(42);
  auto random_valid = [&]() -> std::string {
    for (;;) {
      size_t b = rng() % autos.size();
      if (auto s = autos[b].next_valid(rng() % autos[b].size()))
        return sc.blocks[b].prefix + pad(*s, autos[b].digits());
    }
  };

  // The numbers to hold: the first `clustered` available ones, then `scattered` random ones.
  std::vector<std::string> held;
  held.reserve(sc.clustered + sc.scattered);
  std::string after;
  while (held.size() < sc.clustered) {
    auto p = inv.search("US", "DID", "", after, 10, kNow);
    for (auto& n : p.numbers)
      if (held.size() < sc.clustered) held.push_back(n);
    after = held.back();
  }
  std::set<std::string> cluster(held.begin(), held.end());
  while (held.size() < sc.clustered + sc.scattered) {
    std::string n = random_valid();
    if (cluster.insert(n).second) held.push_back(n);
  }
  std::sort(held.begin(), held.end());
  std::set<std::string>().swap(cluster);
  r.held = held.size();

  // Start-up: load the holds in number order.
  const size_t before = heap_bytes();
  auto t0 = Clock::now();
  inv.reserve_holds(held.size());
  for (const auto& n : held) inv.hold(n, Inventory::kForever);
  auto t1 = Clock::now();
  r.load_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  r.bytes_per_hold = double(heap_bytes() - before) / double(held.size());
  for (size_t i = 0; i < sc.blocks.size(); ++i) r.runs += inv.interval_count(int64_t(i + 1));

  // Query mix.
  std::vector<double> search_us, avail_us;
  search_us.reserve(queries);
  size_t returned = 0;
  for (size_t q = 0; q < queries; ++q) {
    std::string a = q % 2 ? random_valid() : std::string();
    std::string prefix;
    if (q % 4 >= 2) {
      const auto& b = sc.blocks[rng() % sc.blocks.size()];
      prefix = b.prefix.substr(0, 5);  // "+1206": an area code
    }
    auto s0 = Clock::now();
    auto page = inv.search("US", "DID", prefix, a, 10, kNow);
    auto s1 = Clock::now();
    search_us.push_back(std::chrono::duration<double, std::micro>(s1 - s0).count());
    returned += page.numbers.size();
    std::string probe = q % 2 ? a : held[rng() % held.size()];
    auto v0 = Clock::now();
    volatile bool ok = inv.available(probe, "US", "DID", kNow);
    (void)ok;
    auto v1 = Clock::now();
    avail_us.push_back(std::chrono::duration<double, std::micro>(v1 - v0).count());
  }
  if (returned < queries * 5) std::fprintf(stderr, "warning: searches returned only %zu numbers\n", returned);
  r.search = stats(search_us);
  r.available = stats(avail_us);
  return r;
}

void print(const char* name, const Result& r) {
  std::printf("%-6s valid numbers %12llu  held %8zu  runs %8zu  load %8.1f ms  %6.1f B/held\n", name,
              (unsigned long long)r.valid, r.held, r.runs, r.load_ms, r.bytes_per_hold);
  std::printf("       search    p50 %7.2f us  p99 %7.2f us  max %8.2f us  mean %7.2f us\n", r.search.p50, r.search.p99,
              r.search.max, r.search.mean);
  std::printf("       available p50 %7.2f us  p99 %7.2f us  max %8.2f us\n", r.available.p50, r.available.p99,
              r.available.max);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t queries = argc > 1 ? size_t(std::atol(argv[1])) : 20000;
  auto t0 = Clock::now();
  NumberPlan plan;
  std::printf("number plan built in %.1f ms\n", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

  // 13 US area codes x 10^7 candidates, 80 % valid (exchanges 2-9): ~1.04 x 10^8 numbers.
  Scenario large{"large", {}, 500000, 500000};
  for (const char* ac : {"201", "202", "206", "212", "213", "305", "312", "415", "512", "617", "646", "718", "818"})
    large.blocks.push_back({"US", "DID", std::string("+1") + ac, 12});
  Scenario small{"small", {{"US", "DID", "+1206555", 12}}, 50, 50};

  Scenario clustered{"large", large.blocks, 1000000, 0};

  Result l = run(plan, large, queries);
  Result s = run(plan, small, queries);
  Result c = run(plan, clustered, queries / 4);
  std::printf(
      "%zu queries each (limit 10; 1/2 from the start, 1/2 after a random number; 1/4 with an area-code prefix)\n",
      queries);
  print("large", l);
  print("small", s);
  print("clust.", c);
  std::printf("(clust. = the large inventory with its 10^6 holds all consecutive from the start)\n");
  std::printf("ratio large/small: search p50 %.2f  p99 %.2f\n", l.search.p50 / s.search.p50,
              l.search.p99 / s.search.p99);
  return 0;
}
