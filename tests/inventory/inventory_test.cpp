#include "inventory/inventory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "test_support.hpp"

namespace cl::inventory {
namespace {

using test::pad;
using test::plan;

constexpr int64_t kNow = 1'700'000'000'000;

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int64_t id = 1;
    for (const auto& b : plan().default_blocks(test::model_countries())) inv.add_block(id++, b);
  }

  int64_t id_of(const BlockSpec& spec) const {
    for (const auto& b : inv.blocks())
      if (b.spec == spec) return b.id;
    return -1;
  }

  // Every available number of (country, type) by paging `limit` at a time.
  std::vector<std::string> all_pages(std::string_view country, std::string_view type, std::string_view prefix,
                                     size_t limit, int64_t now = kNow) const {
    std::vector<std::string> out;
    std::string after;
    for (;;) {
      auto page = inv.search(country, type, prefix, after, limit, now);
      EXPECT_LE(page.numbers.size(), limit);
      out.insert(out.end(), page.numbers.begin(), page.numbers.end());
      if (!page.more) break;
      EXPECT_EQ(page.numbers.size(), limit);
      after = page.numbers.back();
    }
    return out;
  }

  // The expected available numbers, by enumerating every serving block with valid().
  std::vector<std::string> brute_force(std::string_view country, std::string_view type) const {
    std::set<std::string> out;
    for (const auto& b : inv.blocks()) {
      if (b.spec.type != type || (b.spec.country != country && b.spec.country != "*")) continue;
      auto a = plan().automaton(b.spec);
      for (uint64_t s = 0; s < a.size(); ++s) {
        std::string e = b.spec.prefix + pad(s, a.digits());
        if (plan().valid(e, country, type)) out.insert(e);
      }
    }
    return {out.begin(), out.end()};
  }

  Inventory inv{plan()};
};

TEST_F(InventoryTest, FirstResultsAreAscendingValidAndAvailable) {
  auto page = inv.search("US", "DID", "", "", 10, kNow);
  ASSERT_EQ(page.numbers.size(), 10u);
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.numbers.front(), "+12015550000");  // from libphonenumber's US example +1 201-555-0123
  EXPECT_TRUE(std::is_sorted(page.numbers.begin(), page.numbers.end()));
  EXPECT_EQ(std::set<std::string>(page.numbers.begin(), page.numbers.end()).size(), 10u);
  // Stable: the same query gives the same answer.
  EXPECT_EQ(inv.search("US", "DID", "", "", 10, kNow).numbers, page.numbers);
}

TEST_F(InventoryTest, EveryReturnedNumberIsValidAndAvailable) {
  for (const auto& c : test::model_countries()) {
    for (const char* t : {"DID", "TOLL_FREE", "SHARED", "UIFN", "THIRD_PARTY_TF", "THIRD_PARTY_DID", "SHORT_CODE"}) {
      auto page = inv.search(c, t, "", "", 10, kNow);
      if (!plan().knows_country(c)) {
        EXPECT_TRUE(page.numbers.empty()) << c;
      }
      for (const auto& n : page.numbers) {
        EXPECT_TRUE(plan().valid(n, c, t)) << n << " " << c << " " << t;
        EXPECT_TRUE(inv.available(n, c, t, kNow)) << n;
      }
      EXPECT_TRUE(std::is_sorted(page.numbers.begin(), page.numbers.end()));
      const bool stocked = std::string_view(t) == "DID" || std::string_view(t) == "UIFN";
      if (plan().knows_country(c) && stocked) {
        EXPECT_EQ(page.numbers.size(), 10u) << c << " " << t;
      }
      if (std::string_view(t).starts_with("THIRD") || std::string_view(t) == "SHORT_CODE") {
        EXPECT_TRUE(page.numbers.empty());
      }
    }
  }
}

TEST_F(InventoryTest, UnknownCountryHasNoStock) {
  for (const char* t : {"DID", "TOLL_FREE", "UIFN"}) {
    EXPECT_TRUE(inv.search("AQ", t, "", "", 10, kNow).numbers.empty()) << t;
    EXPECT_FALSE(inv.search("AQ", t, "", "", 10, kNow).more);
  }
  EXPECT_TRUE(inv.search("US", "MOBILE", "", "", 10, kNow).numbers.empty());
  EXPECT_FALSE(inv.available("+80012345678", "AQ", "UIFN", kNow));
}

TEST_F(InventoryTest, TollFreeServesEveryNanpCountryAndUifnEveryCountry) {
  auto ca = inv.search("CA", "TOLL_FREE", "+1800", "", 3, kNow);
  ASSERT_FALSE(ca.numbers.empty());
  EXPECT_TRUE(plan().valid(ca.numbers[0], "CA", "TOLL_FREE"));
  auto jp = inv.search("JP", "UIFN", "", "", 3, kNow);
  EXPECT_EQ(jp.numbers, (std::vector<std::string>{"+80000000000", "+80000000001", "+80000000002"}));
  EXPECT_EQ(inv.search("GB", "UIFN", "", "", 3, kNow).numbers, jp.numbers);
  // ZA only has SHARED.
  EXPECT_EQ(inv.search("ZA", "SHARED", "", "", 1, kNow).numbers, std::vector<std::string>{"+27860120000"});
  EXPECT_TRUE(inv.search("GB", "SHARED", "", "", 1, kNow).numbers.empty());
}

TEST_F(InventoryTest, PrefixFilter) {
  auto p = inv.search("US", "DID", "+1206", "", 10, kNow);
  ASSERT_EQ(p.numbers.size(), 10u);
  for (const auto& n : p.numbers) EXPECT_TRUE(n.starts_with("+1206")) << n;
  EXPECT_EQ(p.numbers.front(), "+12065550000");
  // Narrowing inside a block.
  p = inv.search("US", "DID", "+120655501", "", 10, kNow);
  EXPECT_EQ(p.numbers.front(), "+12065550100");
  EXPECT_EQ(p.numbers.back(), "+12065550109");
  EXPECT_TRUE(p.more);
  p = inv.search("US", "DID", "+12065550123", "", 10, kNow);
  EXPECT_EQ(p.numbers, std::vector<std::string>{"+12065550123"});
  EXPECT_FALSE(p.more);
  EXPECT_TRUE(inv.search("US", "DID", "+120655501234", "", 10, kNow).numbers.empty());  // too long
  // "+" and "+1" filter nothing out.
  EXPECT_EQ(inv.search("US", "DID", "+", "", 10, kNow).numbers, inv.search("US", "DID", "", "", 10, kNow).numbers);
  EXPECT_EQ(inv.search("US", "DID", "+1", "", 10, kNow).numbers, inv.search("US", "DID", "", "", 10, kNow).numbers);
  // Contradicting the country, not stocked, or without '+'.
  EXPECT_TRUE(inv.search("US", "DID", "+44", "", 10, kNow).numbers.empty());
  EXPECT_TRUE(inv.search("GB", "DID", "+1", "", 10, kNow).numbers.empty());
  EXPECT_TRUE(inv.search("US", "DID", "+1999", "", 10, kNow).numbers.empty());
  EXPECT_TRUE(inv.search("US", "DID", "1206", "", 10, kNow).numbers.empty());
  EXPECT_TRUE(inv.search("US", "DID", "+12a", "", 10, kNow).numbers.empty());
  // GB: only the 020 7946 block.
  auto london = all_pages("GB", "DID", "+4420", 10);
  EXPECT_EQ(london.size(), 10000u);
  EXPECT_EQ(london.front(), "+442079460000");
  EXPECT_EQ(london.back(), "+442079469999");
}

TEST_F(InventoryTest, PaginationNeverRepeatsOrSkips) {
  const auto expect = brute_force("US", "TOLL_FREE");
  EXPECT_EQ(expect.size(), 50000u);
  EXPECT_EQ(all_pages("US", "TOLL_FREE", "", 10), expect);
  EXPECT_EQ(all_pages("US", "TOLL_FREE", "", 7), expect);
  // Sparse blocks: every valid number of VU's 2 %-valid toll-free block, and nothing else.
  const auto vu = brute_force("VU", "TOLL_FREE");
  EXPECT_EQ(vu.size(), 200u);
  EXPECT_EQ(all_pages("VU", "TOLL_FREE", "", 10), vu);
  EXPECT_EQ(all_pages("LI", "TOLL_FREE", "", 3), brute_force("LI", "TOLL_FREE"));
  EXPECT_EQ(all_pages("TK", "DID", "", 10), brute_force("TK", "DID"));
}

TEST_F(InventoryTest, AfterAcceptsAnyString) {
  auto first = [&](std::string_view after) {
    auto p = inv.search("US", "DID", "+1206", after, 1, kNow);
    return p.numbers.empty() ? std::string() : p.numbers[0];
  };
  EXPECT_EQ(first(""), "+12065550000");
  EXPECT_EQ(first("+1206555"), "+12065550000");
  EXPECT_EQ(first("+12065550100"), "+12065550101");
  EXPECT_EQ(first("+1206555010"), "+12065550100");  // shorter string sorts before its extensions
  EXPECT_EQ(first("+12065550100zz"), "+12065550101");
  EXPECT_EQ(first("+12065550100 "), "+12065550101");
  EXPECT_EQ(first("+1206555010z"), "+12065550110");
  EXPECT_EQ(first("+120655501/"), "+12065550100");
  EXPECT_EQ(first("+12065559999"), "");
  EXPECT_EQ(first("+2"), "");
  EXPECT_EQ(first("+0"), "+12065550000");
  EXPECT_EQ(first("garbage"), "");
  EXPECT_FALSE(inv.search("US", "DID", "+1206", "+12065559998", 1, kNow).more);
  EXPECT_TRUE(inv.search("US", "DID", "+1206", "+12065559997", 1, kNow).more);
}

TEST_F(InventoryTest, HoldsHideNumbersAndExpiryRestoresThem) {
  const std::string n0 = "+12015550000", n1 = "+12015550001", n2 = "+12015550002";
  ASSERT_TRUE(inv.available(n0, "US", "DID", kNow));
  EXPECT_TRUE(inv.hold(n0, Inventory::kForever));  // active claim
  EXPECT_TRUE(inv.hold(n1, kNow + 1000));          // FAILED or cooling down
  EXPECT_FALSE(inv.available(n0, "US", "DID", kNow));
  EXPECT_FALSE(inv.available(n1, "US", "DID", kNow));
  EXPECT_EQ(inv.search("US", "DID", "", "", 1, kNow).numbers[0], n2);
  EXPECT_EQ(inv.search("US", "DID", "", "", 1, kNow + 999).numbers[0], n2);
  // The hold ends at until_ms exactly.
  EXPECT_EQ(inv.search("US", "DID", "", "", 1, kNow + 1000).numbers[0], n1);
  EXPECT_TRUE(inv.available(n1, "US", "DID", kNow + 1000));
  EXPECT_EQ(inv.hold_count(), 1u);
  // A later hold replaces an earlier one; unhold frees at once.
  inv.hold(n0, kNow + 5000);
  EXPECT_FALSE(inv.available(n0, "US", "DID", kNow + 4999));
  EXPECT_TRUE(inv.available(n0, "US", "DID", kNow + 5000));
  inv.hold(n2, Inventory::kForever);
  inv.hold(n2, kNow + 10);
  inv.hold(n2, Inventory::kForever);  // back to indefinite: the stale expiry must not free it
  EXPECT_FALSE(inv.available(n2, "US", "DID", kNow + 100000));
  inv.unhold(n2);
  EXPECT_TRUE(inv.available(n2, "US", "DID", kNow + 100000));
  EXPECT_EQ(inv.hold_count(), 0u);
  EXPECT_FALSE(inv.hold("12015550000", 1));
  EXPECT_FALSE(inv.hold("+1201555000x", 1));
}

TEST_F(InventoryTest, HeldNumbersAreHiddenEverywhereTheyAppear) {
  // Default blocks never overlap, but the index copes with blocks that do (a data directory from
  // before blocks were made disjoint): a held number is hidden from every block that contains it.
  inv.add_block(30001, {"CA", "TOLL_FREE", "+1800234", 12});  // the US toll-free block's range
  auto ca = inv.search("CA", "TOLL_FREE", "+1800234", "", 1, kNow);
  auto us = inv.search("US", "TOLL_FREE", "+1800234", "", 1, kNow);
  ASSERT_EQ(ca.numbers, std::vector<std::string>{"+18002340000"});
  ASSERT_EQ(us.numbers, ca.numbers);
  inv.hold(ca.numbers[0], Inventory::kForever);
  EXPECT_EQ(inv.search("US", "TOLL_FREE", "+1800234", "", 1, kNow).numbers[0], "+18002340001");
  EXPECT_FALSE(inv.available(ca.numbers[0], "US", "TOLL_FREE", kNow));
  EXPECT_FALSE(inv.available(ca.numbers[0], "CA", "TOLL_FREE", kNow));
  // The UIFN block serves every country: held once, hidden everywhere.
  const std::string uifn = inv.search("JP", "UIFN", "", "", 1, kNow).numbers.at(0);
  EXPECT_EQ(inv.search("FR", "UIFN", "", "", 1, kNow).numbers.at(0), uifn);
  inv.hold(uifn, Inventory::kForever);
  EXPECT_NE(inv.search("FR", "UIFN", "", "", 1, kNow).numbers.at(0), uifn);
  EXPECT_FALSE(inv.available(uifn, "JP", "UIFN", kNow));
}

TEST_F(InventoryTest, ClusteredHoldsCoalesceIntoOneRun) {
  const BlockSpec vu{"VU", "TOLL_FREE", "+6788", 9};
  const int64_t id = id_of(vu);
  ASSERT_GT(id, 0);
  auto all = all_pages("VU", "TOLL_FREE", "", 10);
  ASSERT_EQ(all.size(), 200u);
  // Valid numbers are 2 % of the block: held ones separated only by invalid numbers still merge,
  // whatever the order they arrive in.
  std::vector<std::string> order(all.begin(), all.begin() + 150);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  for (const auto& n : order) inv.hold(n, Inventory::kForever);
  EXPECT_EQ(inv.interval_count(id), 1u);
  auto p = inv.search("VU", "TOLL_FREE", "", "", 10, kNow);
  EXPECT_EQ(p.numbers.front(), all[150]);
  // Freeing one splits the run; holding it again merges it back.
  inv.unhold(all[70]);
  EXPECT_EQ(inv.interval_count(id), 2u);
  EXPECT_EQ(inv.search("VU", "TOLL_FREE", "", "", 1, kNow).numbers[0], all[70]);
  inv.hold(all[70], kNow + 10);
  EXPECT_EQ(inv.interval_count(id), 1u);
  EXPECT_EQ(inv.search("VU", "TOLL_FREE", "", "", 1, kNow).numbers[0], all[150]);
  EXPECT_EQ(inv.search("VU", "TOLL_FREE", "", "", 1, kNow + 10).numbers[0], all[70]);  // expiry splits
  EXPECT_EQ(inv.interval_count(id), 2u);
  // The edge of a run.
  inv.unhold(all[0]);
  EXPECT_EQ(inv.interval_count(id), 2u);
  EXPECT_EQ(inv.search("VU", "TOLL_FREE", "", "", 2, kNow + 10).numbers, (std::vector<std::string>{all[0], all[70]}));
  EXPECT_EQ(all_pages("VU", "TOLL_FREE", "", 10, kNow + 10).size(), 52u);
}

TEST_F(InventoryTest, ManyConsecutiveClaimsAreOneRun) {
  // 200,000 consecutive claims over a block that spans invalid stretches (exchanges 0xx and 1xx).
  Inventory big(plan());
  big.add_block(1, {"US", "DID", "+1206", 12});
  std::vector<std::string> claimed;
  std::string after;
  while (claimed.size() < 200000) {
    auto p = big.search("US", "DID", "", after, 10, kNow);
    ASSERT_FALSE(p.numbers.empty());
    for (auto& n : p.numbers) claimed.push_back(n);
    after = p.numbers.back();
  }
  EXPECT_EQ(claimed.front(), "+12062000000");
  big.reserve_holds(claimed.size());
  for (const auto& n : claimed) big.hold(n, Inventory::kForever);
  EXPECT_EQ(big.interval_count(1), 1u);
  EXPECT_EQ(big.search("US", "DID", "", "", 1, kNow).numbers[0], "+12062200000");
  // Holding from the top down gives the same single run.
  Inventory rev(plan());
  rev.add_block(1, {"US", "DID", "+1206", 12});
  for (auto it = claimed.rbegin(); it != claimed.rend(); ++it) rev.hold(*it, Inventory::kForever);
  EXPECT_EQ(rev.interval_count(1), 1u);
}

TEST_F(InventoryTest, OverlappingBlocksYieldEachNumberOnce) {
  inv.add_block(10001, {"US", "DID", "+120655501", 12});  // inside +1206555
  inv.add_block(10002, {"US", "DID", "+12065", 12});      // around it
  auto p = inv.search("US", "DID", "+1206555", "+12065550095", 10, kNow);
  EXPECT_EQ(p.numbers.front(), "+12065550096");
  EXPECT_EQ(std::set<std::string>(p.numbers.begin(), p.numbers.end()).size(), p.numbers.size());
  inv.hold("+12065550100", Inventory::kForever);
  for (const auto& n : inv.search("US", "DID", "+1206555010", "", 10, kNow).numbers) EXPECT_NE(n, "+12065550100");
  // A block added after holds honours them.
  inv.hold("+13125550000", Inventory::kForever);
  inv.hold("+14255550000", Inventory::kForever);  // in no block yet
  inv.add_block(10003, {"US", "DID", "+1425555", 12});
  EXPECT_EQ(inv.search("US", "DID", "+1425", "", 1, kNow).numbers[0], "+14255550001");
  // Same id and spec: no-op; same id, other spec: refused.
  EXPECT_NO_THROW(inv.add_block(10003, {"US", "DID", "+1425555", 12}));
  EXPECT_THROW(inv.add_block(10003, {"US", "DID", "+1425556", 12}), std::invalid_argument);
  EXPECT_THROW(inv.add_block(10004, {"US", "DID", "+44", 12}), std::invalid_argument);
}

TEST_F(InventoryTest, AdminStockedUnvalidatedTypes) {
  EXPECT_TRUE(inv.search("US", "THIRD_PARTY_TF", "", "", 10, kNow).numbers.empty());
  inv.add_block(20001, {"US", "THIRD_PARTY_TF", "+1555000", 12});
  auto p = inv.search("US", "THIRD_PARTY_TF", "", "", 2, kNow);
  EXPECT_EQ(p.numbers, (std::vector<std::string>{"+15550000000", "+15550000001"}));
  EXPECT_TRUE(inv.available("+15550009999", "US", "THIRD_PARTY_TF", kNow));
  EXPECT_FALSE(inv.available("+15550009999", "US", "THIRD_PARTY_DID", kNow));
  EXPECT_FALSE(inv.available("+15550009999", "CA", "THIRD_PARTY_TF", kNow));
}

TEST_F(InventoryTest, BlockOf) {
  // Every NANP country's toll-free example is a +1 800 number; in the default inventory only the
  // US block holds +1 800 234 xxxx, the others have ranges of their own.
  auto b = inv.block_of("+18002345678");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->spec.country, "US");
  EXPECT_EQ(b->spec.type, "TOLL_FREE");
  EXPECT_FALSE(inv.block_of("+18002345678", "PR"));
  for (const auto& pr : inv.blocks())
    if (pr.spec.country == "PR" && pr.spec.type == "TOLL_FREE") {
      const std::string n = pr.spec.prefix + "5678";
      EXPECT_EQ(inv.block_of(n)->spec.country, "PR") << n;
      EXPECT_FALSE(inv.block_of(n, "US")) << n;
    }
  // Blocks that do overlap (stocked before the rule): libphonenumber's region of the number
  // first, else the lowest id.
  inv.add_block(30001, {"PR", "TOLL_FREE", "+1800234", 12});
  inv.add_block(30002, {"VG", "TOLL_FREE", "+1800999", 12});
  inv.add_block(30003, {"KY", "TOLL_FREE", "+1800999", 12});
  EXPECT_EQ(inv.block_of("+18002345678")->spec.country, "US");
  EXPECT_EQ(inv.block_of("+18002345678", "PR")->spec.country, "PR");
  EXPECT_EQ(inv.block_of("+18009990000")->spec.country, "VG");
  b = inv.block_of("+80012345678", "JP");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->spec, (BlockSpec{"*", "UIFN", "+800", 12}));
  EXPECT_EQ(b->valid_count, 91000000u);
  EXPECT_FALSE(inv.block_of("+80012345678", "AQ"));
  EXPECT_FALSE(inv.block_of("+12065550100", "CA"));
  EXPECT_FALSE(inv.block_of("+19995550100"));
  b = inv.block_of("+12065550100", "US");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->spec.prefix, "+1206555");
  inv.hold("+12065550100", Inventory::kForever);
  EXPECT_TRUE(inv.block_of("+12065550100", "US"));  // holds do not matter
}

TEST_F(InventoryTest, ClearDropsEverything) {
  inv.hold("+12015550000", Inventory::kForever);
  inv.clear();
  EXPECT_TRUE(inv.blocks().empty());
  EXPECT_EQ(inv.hold_count(), 0u);
  EXPECT_TRUE(inv.search("US", "DID", "", "", 10, kNow).numbers.empty());
  inv.add_block(1, {"US", "DID", "+1201555", 12});
  EXPECT_EQ(inv.search("US", "DID", "", "", 1, kNow).numbers[0], "+12015550000");
}

TEST_F(InventoryTest, ReplaceWithSwapsWholeIndexesAndReadersNeverSeeAnEmptyOne) {
  inv.hold("+12015550000", Inventory::kForever);
  const size_t blocks_before = inv.blocks().size();
  std::atomic<bool> stop{false};
  std::atomic<int> missing{0};
  std::thread reader([&] {
    while (!stop)
      if (!inv.block_of("+12065550100", "US")) ++missing;
  });
  for (int round = 0; round < 20; ++round) {
    Inventory fresh{plan()};
    int64_t id = 1;
    for (const auto& b : plan().default_blocks(test::model_countries())) fresh.add_block(id++, b);
    fresh.hold("+12015550001", Inventory::kForever);
    inv.replace_with(fresh);
    EXPECT_EQ(fresh.blocks().size(), blocks_before);  // the old index went to `fresh`
  }
  stop = true;
  reader.join();
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(inv.blocks().size(), blocks_before);
  EXPECT_EQ(inv.hold_count(), 1u);
  EXPECT_TRUE(inv.available("+12015550000", "US", "DID", kNow));
  EXPECT_FALSE(inv.available("+12015550001", "US", "DID", kNow));
}

TEST_F(InventoryTest, ConcurrentSearchesAndHolds) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      int64_t now = kNow;
      while (!stop) {
        auto p = inv.search("US", "DID", "+1206", "", 10, now += 1 + t);
        if (!std::is_sorted(p.numbers.begin(), p.numbers.end()) || p.numbers.size() != 10) ++bad;
      }
    });
  for (int i = 0; i < 3000; ++i) {
    std::string n = "+1206555" + pad(uint64_t(i), 4);
    inv.hold(n, i % 2 ? Inventory::kForever : kNow + i);
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
  // Odd ones stay held forever; by now the even ones have expired.
  auto p = inv.search("US", "DID", "+1206555", "", 3, kNow + 1'000'000);
  EXPECT_EQ(p.numbers, (std::vector<std::string>{"+12065550000", "+12065550002", "+12065550004"}));
}

}  // namespace
}  // namespace cl::inventory
