// store::HashTable: insert/find/remove across growth and shrink, incremental
// rehashing, the SCAN cursor guarantee, Random and Sample.
#include "baton/store/hash_table.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace baton::store {
namespace hash_table_test {
namespace {

// "prefix" followed by the decimal `i` (avoids GCC 12's -Wrestrict false
// positive on `"literal" + std::to_string(i)`).
std::string Cat(std::string_view prefix, int64_t i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

struct Node {
  Node* next = nullptr;
  std::string key;
  [[nodiscard]] std::string_view Key() const { return key; }
};

// Owns the nodes of a table under test.
class Table {
 public:
  ~Table() {
    table.Clear([](Node*) {});
  }
  Node* Add(const std::string& key) {
    auto node = std::make_unique<Node>();
    node->key = key;
    Node* raw = node.get();
    nodes_[key] = std::move(node);
    table.Insert(raw);
    return raw;
  }
  bool Remove(const std::string& key) {
    Node* n = table.Remove(key);
    if (n == nullptr) return false;
    EXPECT_EQ(n->key, key);
    nodes_.erase(key);
    return true;
  }
  // Finishes any rehash in progress.
  void Settle() {
    while (table.RehashSteps(1000)) {
    }
  }
  HashTable<Node> table;

 private:
  std::map<std::string, std::unique_ptr<Node>> nodes_;
};

std::string K(int i) { return Cat("key:", i); }

TEST(HashTableTest, EmptyTable) {
  HashTable<Node> t;
  EXPECT_EQ(t.size(), 0U);
  EXPECT_EQ(t.Find("x"), nullptr);
  EXPECT_EQ(t.Remove("x"), nullptr);
  EXPECT_EQ(t.Random(), nullptr);
  EXPECT_EQ(t.Scan(0, [](Node*) { ADD_FAILURE(); }), 0U);
  EXPECT_EQ(t.Sample(5, [](Node*) { ADD_FAILURE(); }), 0U);
}

TEST(HashTableTest, InsertFindRemoveAcrossGrowthAndShrink) {
  Table t;
  constexpr int kN = 20000;
  bool saw_rehash = false;
  for (int i = 0; i < kN; ++i) {
    t.Add(K(i));
    saw_rehash = saw_rehash || t.table.rehashing();
    // Every key stays findable while buckets move.
    if (i % 997 == 0) {
      for (int j = 0; j <= i; j += 37) ASSERT_NE(t.table.Find(K(j)), nullptr) << j;
    }
  }
  EXPECT_TRUE(saw_rehash);
  EXPECT_EQ(t.table.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(t.table.Find(K(i))->key, K(i));
  EXPECT_EQ(t.table.Find("absent"), nullptr);
  t.Settle();
  const size_t big = t.table.BucketCount();
  EXPECT_GE(big, static_cast<size_t>(kN));

  for (int i = 0; i < kN - 10; ++i) ASSERT_TRUE(t.Remove(K(i)));
  EXPECT_FALSE(t.Remove(K(0)));
  EXPECT_EQ(t.table.size(), 10U);
  t.table.ShrinkIfSparse();
  EXPECT_TRUE(t.table.rehashing());
  // Lookups and removals work in the middle of the shrink.
  for (int i = kN - 10; i < kN; ++i) ASSERT_NE(t.table.Find(K(i)), nullptr);
  ASSERT_TRUE(t.Remove(K(kN - 1)));
  t.Add("fresh");
  t.Settle();
  EXPECT_LT(t.table.BucketCount(), big);
  EXPECT_LE(t.table.BucketCount(), 16U);
  EXPECT_EQ(t.table.size(), 10U);
  for (int i = kN - 10; i < kN - 1; ++i) EXPECT_NE(t.table.Find(K(i)), nullptr);
  EXPECT_NE(t.table.Find("fresh"), nullptr);
}

TEST(HashTableTest, ResizeDisallowedGrowsOnlyWhenOverloaded) {
  Table t;
  t.table.set_resize_allowed(false);
  for (int i = 0; i < 4; ++i) t.Add(K(i));  // the first allocation always happens
  t.Settle();
  const size_t buckets = t.table.BucketCount();
  for (int i = 4; i < 20; ++i) t.Add(K(i));
  EXPECT_EQ(t.table.BucketCount(), buckets);  // load 5: still no resize
  for (int i = 20; i < 40; ++i) t.Add(K(i));
  t.Settle();
  EXPECT_GT(t.table.BucketCount(), buckets);
  for (int i = 0; i < 40; ++i) EXPECT_NE(t.table.Find(K(i)), nullptr);
}

// Runs a full SCAN, calling `between(step)` between calls; returns every key seen.
template <typename Fn>
std::multiset<std::string> FullScan(Table& t, Fn&& between) {
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = t.table.Scan(cursor, [&](Node* n) { seen.insert(n->key); });
    between(step++);
    EXPECT_LT(step, 100000) << "scan does not terminate";
    if (step >= 100000) break;
  } while (cursor != 0);
  return seen;
}

TEST(HashTableTest, ScanVisitsEveryElementOnceWithoutResize) {
  Table t;
  for (int i = 0; i < 1000; ++i) t.Add(K(i));
  t.Settle();
  auto seen = FullScan(t, [](int) {});
  EXPECT_EQ(seen.size(), 1000U);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen.count(K(i)), 1U) << i;
}

TEST(HashTableTest, ScanSurvivesGrowthBetweenCalls) {
  Table t;
  for (int i = 0; i < 100; ++i) t.Add(K(i));
  t.Settle();
  int next = 100;
  // Grows several times (and rehashes incrementally) during the scan.
  auto seen = FullScan(t, [&](int) {
    for (int j = 0; j < 50 && next < 5000; ++j) t.Add(K(next++));
  });
  EXPECT_EQ(next, 5000) << "the scan ended before the growth";
  for (int i = 0; i < 100; ++i) EXPECT_GE(seen.count(K(i)), 1U) << i;
}

TEST(HashTableTest, ScanSurvivesShrinkBetweenCalls) {
  Table t;
  for (int i = 0; i < 5000; ++i) t.Add(K(i));
  t.Settle();
  // Keys 0..99 stay for the whole scan; the others go, and the table shrinks.
  int victim = 100;
  auto seen = FullScan(t, [&](int) {
    for (int j = 0; j < 200 && victim < 5000; ++j) ASSERT_TRUE(t.Remove(K(victim++)));
    t.table.ShrinkIfSparse();
    t.table.RehashSteps(1);
  });
  EXPECT_EQ(victim, 5000) << "the scan ended before the shrink";
  for (int i = 0; i < 100; ++i) EXPECT_GE(seen.count(K(i)), 1U) << i;
}

TEST(HashTableTest, ScanDuringRehashInProgress) {
  for (bool grow : {true, false}) {
    Table t;
    for (int i = 0; i < 1024; ++i) t.Add(K(i));
    t.Settle();
    if (grow) {
      while (!t.table.rehashing()) t.Add(Cat("g", t.table.size()));
    } else {
      for (int i = 10; i < 1024; ++i) t.Remove(K(i));
      t.table.ShrinkIfSparse();
    }
    ASSERT_TRUE(t.table.rehashing());
    t.table.RehashSteps(3);
    ASSERT_TRUE(t.table.rehashing());
    auto seen = FullScan(t, [](int) {});
    const int stay = grow ? 1024 : 10;
    for (int i = 0; i < stay; ++i) EXPECT_GE(seen.count(K(i)), 1U) << i;
  }
}

// SINTER S S: the callback looks up the table it iterates. Lookups normally
// advance the rehash, which would move nodes under the iteration.
TEST(HashTableTest, LookupsInsideForEachDoNotDisturbTheIteration) {
  Table t;
  for (int i = 0; i < 1024; ++i) t.Add(K(i));
  t.Settle();
  while (!t.table.rehashing()) t.Add(Cat("g", t.table.size()));
  const size_t size = t.table.size();
  std::multiset<std::string> seen;
  t.table.ForEach([&](const Node* n) {
    seen.insert(n->key);
    EXPECT_NE(t.table.Find(n->key), nullptr);
  });
  EXPECT_EQ(seen.size(), size);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), size);
  // Rehashing resumes afterwards.
  EXPECT_TRUE(t.table.rehashing());
  t.Settle();
  EXPECT_FALSE(t.table.rehashing());
}

TEST(HashTableTest, RandomReturnsEachElementOfASparseTable) {
  Table t;
  for (int i = 0; i < 4096; ++i) t.Add(K(i));
  t.Settle();
  for (int i = 3; i < 4096; ++i) t.Remove(K(i));  // 3 keys in thousands of buckets
  std::set<std::string> got;
  for (int i = 0; i < 300; ++i) {
    Node* n = t.table.Random();
    ASSERT_NE(n, nullptr);
    got.insert(n->key);
  }
  EXPECT_EQ(got, (std::set<std::string>{K(0), K(1), K(2)}));
  // And while shrinking.
  t.table.ShrinkIfSparse();
  ASSERT_TRUE(t.table.rehashing());
  got.clear();
  for (int i = 0; i < 300; ++i) got.insert(t.table.Random()->key);
  EXPECT_EQ(got.size(), 3U);
}

TEST(HashTableTest, SampleNeverReportsANodeTwice) {
  Table t;
  t.Add("only");
  std::vector<std::string> got;
  EXPECT_EQ(t.table.Sample(20, [&](Node* n) { got.push_back(n->key); }), 1U);
  EXPECT_EQ(got, (std::vector<std::string>{"only"}));

  for (int i = 0; i < 3; ++i) t.Add(K(i));
  for (int round = 0; round < 50; ++round) {
    std::multiset<std::string> s;
    size_t n = t.table.Sample(20, [&](Node* node) { s.insert(node->key); });
    EXPECT_EQ(n, s.size());
    EXPECT_EQ(n, 4U);
    for (const auto& k : s) EXPECT_EQ(s.count(k), 1U) << k;
  }
}

TEST(HashTableTest, SampleOnSparseTableIsBounded) {
  Table t;
  for (int i = 0; i < 100000; ++i) t.Add(K(i));
  t.Settle();
  for (int i = 1; i < 100000; ++i) t.Remove(K(i));
  // One key in ~131072 buckets: a sample visits a bounded number of buckets
  // and usually finds nothing; repeated samples eventually find it.
  bool found = false;
  for (int round = 0; round < 400000 && !found; ++round) {
    size_t n = t.table.Sample(20, [&](Node* node) { found = node->key == K(0); });
    EXPECT_LE(n, 1U);
  }
  EXPECT_TRUE(found);
}

TEST(HashTableTest, SampleCoversBothTablesWhileRehashing) {
  Table t;
  for (int i = 0; i < 64; ++i) t.Add(K(i));
  t.Settle();
  while (!t.table.rehashing()) t.Add(Cat("g", t.table.size()));
  t.table.RehashSteps(10);
  ASSERT_TRUE(t.table.rehashing());
  std::set<std::string> seen;
  for (int round = 0; round < 2000; ++round) {
    t.table.Sample(16, [&](Node* n) { seen.insert(n->key); });
  }
  EXPECT_EQ(seen.size(), t.table.size());
}

TEST(HashTableTest, SwapAndClear) {
  Table a;
  Table b;
  a.Add("x");
  b.Add("y");
  b.Add("z");
  a.table.Swap(b.table);
  EXPECT_EQ(a.table.size(), 2U);
  EXPECT_NE(a.table.Find("y"), nullptr);
  EXPECT_NE(b.table.Find("x"), nullptr);
  a.table.Swap(b.table);
  int released = 0;
  b.table.Clear([&](Node*) { ++released; });
  EXPECT_EQ(released, 2);
  EXPECT_EQ(b.table.size(), 0U);
  EXPECT_EQ(b.table.BucketCount(), 0U);
  b.Add("again");
  EXPECT_NE(b.table.Find("again"), nullptr);
}

}  // namespace
}  // namespace hash_table_test
}  // namespace baton::store
