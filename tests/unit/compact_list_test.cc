#include "baton/store/compact_list.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace baton::store {
namespace compact_list_test {
namespace {

// Owns a standalone list and grows it before each edit, as owners do.
class ListHolder {
 public:
  ListHolder() : list_(CompactList::New()) {}
  ~ListHolder() { CompactList::Free(list_); }
  ListHolder(const ListHolder&) = delete;
  ListHolder& operator=(const ListHolder&) = delete;

  void Append(std::string_view s) {
    list_ = CompactList::Grow(list_, CompactList::EntrySize(s));
    list_->Append(s);
  }
  void Insert(size_t pos, std::string_view s) {
    list_ = CompactList::Grow(list_, CompactList::EntrySize(s));
    list_->Insert(pos, s);
  }
  void Replace(size_t pos, std::string_view s) {
    list_ = CompactList::Grow(list_, CompactList::EntrySize(s));
    list_->Replace(pos, s);
  }
  CompactList& operator*() { return *list_; }
  CompactList* operator->() { return list_; }

  std::vector<std::string> Forward() {
    std::vector<std::string> out;
    for (size_t p = list_->Begin(); p < list_->End(); p = list_->Next(p)) {
      out.emplace_back(list_->Get(p).text());
    }
    return out;
  }
  std::vector<std::string> Backward() {
    std::vector<std::string> out;
    for (size_t p = list_->End(); p > list_->Begin();) {
      p = list_->Prev(p);
      out.emplace_back(list_->Get(p).text());
    }
    return out;
  }

 private:
  CompactList* list_;
};

TEST(CompactListTest, RoundTripsEveryEncodingBothWays) {
  const std::vector<std::string> values = {"",
                                           "0",
                                           "127",
                                           "128",
                                           "-1",
                                           "4095",
                                           "-4096",
                                           "4096",
                                           "32767",
                                           "-32768",
                                           "32768",
                                           "8388607",
                                           "-8388608",
                                           "2147483647",
                                           "-2147483648",
                                           "2147483648",
                                           "9223372036854775807",
                                           "-9223372036854775808",
                                           "9223372036854775808",
                                           "007",
                                           "+1",
                                           "-0",
                                           " 1",
                                           "abc",
                                           std::string(63, 'x'),
                                           std::string(64, 'y'),
                                           std::string(4095, 'z'),
                                           std::string(4096, 'w'),
                                           std::string(70000, 'v')};
  ListHolder l;
  for (const auto& v : values) l.Append(v);
  EXPECT_EQ(l->size(), values.size());
  EXPECT_EQ(l.Forward(), values);
  std::vector<std::string> reversed(values.rbegin(), values.rend());
  EXPECT_EQ(l.Backward(), reversed);
}

TEST(CompactListTest, IntegersAreStoredCompactly) {
  EXPECT_EQ(CompactList::EntrySize("5"), 2u);       // 1 byte + backlen
  EXPECT_EQ(CompactList::EntrySize("-100"), 3u);    // 13-bit
  EXPECT_EQ(CompactList::EntrySize("100000"), 5u);  // 24-bit
  EXPECT_EQ(CompactList::EntrySize("12345678901234"), 10u);
  EXPECT_EQ(CompactList::EntrySize("ab"), 4u);
  CompactEntry e;
  ListHolder l;
  l.Append("42");
  l.Append("042");
  e = l->Get(0);
  EXPECT_TRUE(e.is_int());
  EXPECT_EQ(e.int_value(), 42);
  e = l->Get(l->Next(0));
  EXPECT_FALSE(e.is_int());
  EXPECT_EQ(e.text(), "042");
}

TEST(CompactListTest, FindComparesCanonically) {
  ListHolder l;
  for (const char* s : {"f1", "10", "f2", "x", "10", "y"}) l.Append(s);
  EXPECT_EQ(l->Find(CompactKey("10")), l->Seek(1));
  EXPECT_EQ(l->Find(CompactKey("010")), l->End());
  EXPECT_EQ(l->Find(CompactKey("x")), l->Seek(3));
  // Skipping every other entry (fields of a field,value list).
  EXPECT_EQ(l->Find(CompactKey("10"), 0, 1), l->Seek(4));
  EXPECT_EQ(l->Find(CompactKey("x"), 0, 1), l->End());
  EXPECT_EQ(l->Find(CompactKey("f2"), 0, 1), l->Seek(2));
}

TEST(CompactListTest, InsertReplaceErase) {
  ListHolder l;
  l.Append("a");
  l.Append("c");
  l.Insert(l->Seek(1), "b");
  l.Insert(l->Begin(), "-5");
  EXPECT_EQ(l.Forward(), (std::vector<std::string>{"-5", "a", "b", "c"}));
  l.Replace(l->Seek(2), std::string(300, 'B'));
  EXPECT_EQ(l.Forward()[2], std::string(300, 'B'));
  EXPECT_EQ(l.Backward().back(), "-5");
  l.Replace(l->Seek(2), "7");
  EXPECT_EQ(l.Forward(), (std::vector<std::string>{"-5", "a", "7", "c"}));
  l->Erase(l->Seek(1), 2);
  EXPECT_EQ(l.Forward(), (std::vector<std::string>{"-5", "c"}));
  EXPECT_EQ(l->Seek(-1), l->Seek(1));
  EXPECT_EQ(l->Seek(-3), l->End());
  EXPECT_EQ(l->Seek(2), l->End());
  l->Erase(l->Begin(), 5);  // more than present: stops at the end
  EXPECT_TRUE(l->empty());
  EXPECT_EQ(l->bytes(), 0u);
}

TEST(CompactListTest, RoomFollowsAllocationClasses) {
  EXPECT_EQ(RoundAlloc(1), 8u);
  EXPECT_EQ(RoundAlloc(17), 32u);
  EXPECT_EQ(RoundAlloc(128), 128u);
  EXPECT_EQ(RoundAlloc(129), 160u);
  EXPECT_EQ(RoundAlloc(257), 320u);
  ListHolder l;  // the 2-byte header only, in an 8-byte block
  EXPECT_EQ(l->Footprint(), 2u);
  EXPECT_TRUE(l->HasRoom(0, 6));
  EXPECT_FALSE(l->HasRoom(0, 7));
  l.Append("a");  // a 3-byte entry: 5 bytes, still within the 8-byte block
  EXPECT_EQ(l->Footprint(), 5u);
  EXPECT_TRUE(l->HasRoom(0, 3));
  EXPECT_FALSE(l->HasRoom(0, 4));
  EXPECT_TRUE(l->HasRoom(8, 3));  // an 8-byte owner header in front: 13 -> 16
  EXPECT_FALSE(l->HasRoom(8, 4));
  for (int i = 0; i < 1000; ++i) l.Append(std::to_string(i * 7919));
  EXPECT_EQ(l->size(), 1001u);
  EXPECT_EQ(l->Get(l->Seek(1000)).text(), std::to_string(999 * 7919));
  EXPECT_EQ(l->Get(l->Seek(-1)).text(), std::to_string(999 * 7919));
}

// The header is 2 bytes up to 127 entries in 255 bytes and 9 beyond; every
// edit that crosses either limit, in either direction, moves the entries.
TEST(CompactListTest, HeaderSwitchesFormWithTheContents) {
  ListHolder l;
  std::vector<std::string> expected;
  for (int i = 0; i < 127; ++i) {  // 127 two-byte integer entries: 254 bytes
    l.Append(std::to_string(i));
    expected.push_back(std::to_string(i));
  }
  EXPECT_EQ(l->bytes(), 254u);
  EXPECT_EQ(l->Footprint(), 256u);  // short header
  l.Append("1");                    // the 128th entry: long header
  expected.emplace_back("1");
  EXPECT_EQ(l->size(), 128u);
  EXPECT_EQ(l->Footprint(), 9u + 256u);
  EXPECT_EQ(l.Forward(), expected);
  l->Erase(l->Seek(-1));  // back to 127 entries: short again
  expected.pop_back();
  EXPECT_EQ(l->Footprint(), 256u);
  EXPECT_EQ(l.Forward(), expected);
  // Growth in bytes alone (count unchanged) crosses the 255-byte limit.
  l.Replace(l->Seek(5), "abc");  // 2 -> 5 bytes: 257 entry bytes
  expected[5] = "abc";
  EXPECT_EQ(l->size(), 127u);
  EXPECT_EQ(l->Footprint(), 9u + 257u);
  EXPECT_EQ(l.Forward(), expected);
  EXPECT_EQ(l.Backward().front(), "126");
  l.Replace(l->Seek(5), "5");  // and back
  expected[5] = "5";
  EXPECT_EQ(l->Footprint(), 256u);
  EXPECT_EQ(l.Forward(), expected);
  EXPECT_NE(l->Find(CompactKey("126")), l->End());
  l->Erase(l->Begin(), 127);
  EXPECT_EQ(l->Footprint(), 2u);
  l.Insert(0, std::string(300, 'z'));  // one entry over 255 bytes
  EXPECT_EQ(l->Footprint(), 9u + l->bytes());
  EXPECT_EQ(l.Forward(), std::vector<std::string>{std::string(300, 'z')});
  l->Clear();
  EXPECT_EQ(l->Footprint(), 2u);
}

}  // namespace
}  // namespace compact_list_test
}  // namespace baton::store
