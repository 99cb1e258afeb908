// List commands and the list value, in process. Expected bytes were checked
// against Debian's redis-server 7.0.15.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "baton/store/list_value.h"
#include "support/server_fixture.h"

namespace baton::testing {
namespace lists_test {
namespace {

using store::ListEnd;
using store::ListValue;

const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";

std::string Array(const std::vector<std::string>& items) {
  std::string out = "*";
  out += std::to_string(items.size());
  out += "\r\n";
  for (const auto& s : items) {
    out += '$';
    out += std::to_string(s.size());
    out += "\r\n";
    out += s;
    out += "\r\n";
  }
  return out;
}

std::vector<std::string> Contents(const ListValue& list) {
  std::vector<std::string> out;
  list.Visit(0, false, [&](std::string_view e) {
    out.emplace_back(e);
    return true;
  });
  return out;
}

class ListsTest : public ServerFixture {
 protected:
  // Pushes "a".."e" with RPUSH.
  void Abcde(const std::string& key = "l") {
    ASSERT_EQ(Run({"RPUSH", key, "a", "b", "c", "d", "e"}), Int(5));
  }
  std::string Range(const std::string& key = "l") { return Run({"LRANGE", key, "0", "-1"}); }
  store::Value* ValueOf(const std::string& key) {
    store::KeyEntry* e = srv().db(0).Lookup(key);
    return e == nullptr ? nullptr : &e->value;
  }
};

TEST(ListValueTest, PushPopBothEndsAcrossNodes) {
  ListValue list(4);  // four entries per node
  for (int i = 0; i < 50; ++i) list.Push(std::to_string(i), ListEnd::kTail);
  for (int i = 1; i <= 10; ++i) {
    std::string element = "-";
    element += std::to_string(i);
    list.Push(element, ListEnd::kHead);
  }
  EXPECT_EQ(list.size(), 60u);
  EXPECT_GE(list.node_count(), 15u);
  EXPECT_EQ(list.At(0), "-10");
  EXPECT_EQ(list.At(10), "0");
  EXPECT_EQ(list.At(59), "49");
  EXPECT_EQ(list.Pop(ListEnd::kHead), "-10");
  EXPECT_EQ(list.Pop(ListEnd::kTail), "49");
  EXPECT_EQ(list.size(), 58u);
}

TEST(ListValueTest, LongElementsAndEveryOperation) {
  ListValue list(-1);  // 4 KB nodes
  const std::string big(3000, 'x');
  const std::string huge(70000, 'y');  // larger than any node limit: a node of its own
  list.Push("a", ListEnd::kTail);
  list.Push(big, ListEnd::kTail);
  list.Push(huge, ListEnd::kTail);
  list.Push("b", ListEnd::kTail);
  list.Insert(1, "ins");
  list.Set(0, big);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{big, "ins", big, huge, "b"}));
  EXPECT_EQ(list.Remove(big, 0), 2u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"ins", huge, "b"}));
  list.Trim(1, 1);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{huge}));
  EXPECT_EQ(list.Pop(ListEnd::kHead), huge);
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.node_count(), 0u);
}

TEST(ListValueTest, ReverseVisitAndRemoveFromTail) {
  ListValue list(3);
  for (const char* s : {"x", "a", "x", "b", "x", "c", "x"}) list.Push(s, ListEnd::kTail);
  std::vector<std::string> reversed;
  list.Visit(list.size() - 1, true, [&](std::string_view e) {
    reversed.emplace_back(e);
    return true;
  });
  EXPECT_EQ(reversed, (std::vector<std::string>{"x", "c", "x", "b", "x", "a", "x"}));
  EXPECT_EQ(list.Remove("x", -2), 2u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"x", "a", "x", "b", "c"}));
  EXPECT_EQ(list.Remove("x", 1), 1u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "x", "b", "c"}));
}

// Random operations against a std::deque model, with tiny nodes so splits,
// empty nodes and node-spanning ranges are exercised. Fixed seed.
TEST(ListValueTest, MatchesADequeModelUnderRandomOperations) {
  for (int64_t fill : {1, 3, -1}) {
    ListValue list(fill);
    std::deque<std::string> model;
    std::mt19937 rng(static_cast<uint32_t>(fill + 100));
    auto element = [&] {
      // Mostly short, sometimes long enough to span a 4 KB node.
      std::string e = rng() % 16 == 0 ? std::string(200 + rng() % 5000, 'L') : std::string();
      e += static_cast<char>('a' + rng() % 4);
      return e;
    };
    for (int step = 0; step < 3000; ++step) {
      const size_t n = model.size();
      switch (rng() % 8) {
        case 0: {
          std::string e = element();
          list.Push(e, ListEnd::kHead);
          model.push_front(e);
          break;
        }
        case 1: {
          std::string e = element();
          list.Push(e, ListEnd::kTail);
          model.push_back(e);
          break;
        }
        case 2:
          if (n > 0) {
            ASSERT_EQ(list.Pop(rng() % 2 == 0 ? ListEnd::kHead : ListEnd::kTail).size() > 0, true);
            model.clear();
            list.Visit(0, false, [&](std::string_view e) {
              model.emplace_back(e);
              return true;
            });
          }
          break;
        case 3:
          if (n > 0) {
            size_t i = rng() % n;
            std::string e = element();
            list.Set(i, e);
            model[i] = e;
          }
          break;
        case 4: {
          size_t i = rng() % (n + 1);
          std::string e = element();
          list.Insert(i, e);
          model.insert(model.begin() + static_cast<std::ptrdiff_t>(i), e);
          break;
        }
        case 5: {
          std::string e(1, static_cast<char>('a' + rng() % 4));
          int64_t count = static_cast<int64_t>(rng() % 5) - 2;
          size_t removed = 0;
          if (count >= 0) {
            for (auto it = model.begin(); it != model.end();) {
              if (*it == e && (count == 0 || removed < static_cast<size_t>(count))) {
                it = model.erase(it);
                ++removed;
              } else {
                ++it;
              }
            }
          } else {
            for (size_t i = model.size(); i-- > 0;) {
              if (model[i] == e && removed < static_cast<size_t>(-count)) {
                model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
                ++removed;
              }
            }
          }
          ASSERT_EQ(list.Remove(e, count), removed);
          break;
        }
        case 6:
          if (n > 20 && rng() % 4 == 0) {
            size_t start = rng() % n;
            size_t keep = rng() % (n - start + 1);
            list.Trim(start, keep);
            model =
                std::deque<std::string>(model.begin() + static_cast<std::ptrdiff_t>(start),
                                        model.begin() + static_cast<std::ptrdiff_t>(start + keep));
          }
          break;
        default:
          if (n > 0) {
            size_t i = rng() % n;
            ASSERT_EQ(list.At(i), model[i]);
            std::vector<std::string> back;
            list.Visit(i, true, [&](std::string_view e) {
              back.emplace_back(e);
              return true;
            });
            ASSERT_EQ(back.size(), i + 1);
            ASSERT_EQ(back.back(), model.front());
          }
      }
      ASSERT_EQ(list.size(), model.size()) << "fill " << fill << " step " << step;
    }
    EXPECT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end()));
  }
}

TEST(ListValueTest, CloneIsIndependentAndMemoryIsCounted) {
  ListValue list;
  for (int i = 0; i < 1000; ++i) list.Push("element-" + std::to_string(i), ListEnd::kTail);
  auto copy = list.Clone();
  list.Pop(ListEnd::kHead);
  EXPECT_EQ(static_cast<ListValue*>(copy.get())->size(), 1000u);
  EXPECT_GT(list.MemoryUsage(), 1000u * 10);
}

TEST_F(ListsTest, PushAndLength) {
  EXPECT_EQ(Run({"LPUSH", "l", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"RPUSH", "l", "c"}), Int(3));
  EXPECT_EQ(Range(), Array({"b", "a", "c"}));
  EXPECT_EQ(Run({"LLEN", "l"}), Int(3));
  EXPECT_EQ(Run({"LLEN", "missing"}), Int(0));
  EXPECT_EQ(Run({"LPUSHX", "missing", "a"}), Int(0));
  EXPECT_EQ(Run({"RPUSHX", "missing", "a"}), Int(0));
  EXPECT_EQ(ValueOf("missing"), nullptr);
  EXPECT_EQ(Run({"LPUSHX", "l", "x", "y"}), Int(5));
  EXPECT_EQ(Run({"RPUSHX", "l", "z"}), Int(6));
  EXPECT_EQ(Range(), Array({"y", "x", "b", "a", "c", "z"}));
  EXPECT_EQ(Run({"LPUSH", "l"}), Err("ERR wrong number of arguments for 'lpush' command"));
}

TEST_F(ListsTest, WrongTypeEverywhere) {
  srv().db(0).Add("s", store::Value::FromString("x"));
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"LPUSH", "s", "a"},
           {"RPUSHX", "s", "a"},
           {"LPOP", "s"},
           {"RPOP", "s", "0"},
           {"LLEN", "s"},
           {"LRANGE", "s", "0", "1"},
           {"LINDEX", "s", "0"},
           {"LSET", "s", "0", "a"},
           {"LINSERT", "s", "BEFORE", "a", "b"},
           {"LREM", "s", "0", "a"},
           {"LTRIM", "s", "0", "1"},
           {"LPOS", "s", "a"},
           {"LMOVE", "s", "d", "LEFT", "LEFT"},
           {"RPOPLPUSH", "s", "d"},
           {"LMPOP", "1", "s", "LEFT"},
           {"BLPOP", "s", "0"},
       }) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
}

TEST_F(ListsTest, PopWithAndWithoutCount) {
  EXPECT_EQ(Run({"LPOP", "missing"}), kNil);
  EXPECT_EQ(Run({"LPOP", "missing", "2"}), "*-1\r\n");
  EXPECT_EQ(Run({"LPOP", "missing", "0"}), "*-1\r\n");
  Abcde();
  EXPECT_EQ(Run({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"LPOP", "l", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"LPOP", "l", "x"}), kNotInt);
  EXPECT_EQ(Run({"LPOP", "l", "1", "2"}), Err("ERR wrong number of arguments for 'lpop' command"));
  EXPECT_EQ(Run({"LPOP", "l"}), Bulk("a"));
  EXPECT_EQ(Run({"RPOP", "l"}), Bulk("e"));
  EXPECT_EQ(Run({"LPOP", "l", "1"}), Array({"b"}));
  EXPECT_EQ(Run({"RPOP", "l", "10"}), Array({"d", "c"}));
  EXPECT_EQ(ValueOf("l"), nullptr);  // an emptied list is deleted
  EXPECT_EQ(Run({"RPOP", "l"}), kNil);
}

TEST_F(ListsTest, IndexAndRange) {
  Abcde();
  EXPECT_EQ(Run({"LINDEX", "l", "0"}), Bulk("a"));
  EXPECT_EQ(Run({"LINDEX", "l", "-1"}), Bulk("e"));
  EXPECT_EQ(Run({"LINDEX", "l", "5"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "-6"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "x"}), kNotInt);
  EXPECT_EQ(Run({"LINDEX", "missing", "x"}), kNil);
  EXPECT_EQ(Run({"LRANGE", "l", "1", "2"}), Array({"b", "c"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-2", "-1"}), Array({"d", "e"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-100", "100"}), Array({"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Run({"LRANGE", "l", "3", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "5", "10"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "missing", "0", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "missing", "x", "1"}), kNotInt);
}

TEST_F(ListsTest, Set) {
  EXPECT_EQ(Run({"LSET", "missing", "0", "a"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"LSET", "missing", "x", "a"}), Err("ERR no such key"));
  Abcde();
  EXPECT_EQ(Run({"LSET", "l", "5", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(Run({"LSET", "l", "x", "x"}), kNotInt);
  EXPECT_EQ(Run({"LSET", "l", "1", "B"}), kOk);
  EXPECT_EQ(Run({"LSET", "l", "-1", "E"}), kOk);
  EXPECT_EQ(Range(), Array({"a", "B", "c", "d", "E"}));
}

TEST_F(ListsTest, Insert) {
  EXPECT_EQ(Run({"LINSERT", "missing", "AFTER", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"LINSERT", "missing", "MIDDLE", "a", "b"}), kSyntax);
  Abcde();
  EXPECT_EQ(Run({"LINSERT", "l", "before", "c", "x"}), Int(6));
  EXPECT_EQ(Run({"LINSERT", "l", "AFTER", "e", "y"}), Int(7));
  EXPECT_EQ(Run({"LINSERT", "l", "BEFORE", "a", "z"}), Int(8));
  EXPECT_EQ(Run({"LINSERT", "l", "AFTER", "nope", "z"}), Int(-1));
  EXPECT_EQ(Range(), Array({"z", "a", "b", "x", "c", "d", "e", "y"}));
}

TEST_F(ListsTest, Rem) {
  ASSERT_EQ(Run({"RPUSH", "l", "x", "a", "x", "b", "x", "c", "x"}), Int(7));
  EXPECT_EQ(Run({"LREM", "l", "x", "a"}), kNotInt);
  EXPECT_EQ(Run({"LREM", "missing", "0", "a"}), Int(0));
  EXPECT_EQ(Run({"LREM", "l", "-2", "x"}), Int(2));
  EXPECT_EQ(Range(), Array({"x", "a", "x", "b", "c"}));
  EXPECT_EQ(Run({"LREM", "l", "1", "x"}), Int(1));
  EXPECT_EQ(Run({"LREM", "l", "0", "nope"}), Int(0));
  EXPECT_EQ(Run({"LREM", "l", "0", "x"}), Int(1));
  EXPECT_EQ(Range(), Array({"a", "b", "c"}));
  EXPECT_EQ(Run({"LREM", "l", "0", "a"}), Int(1));
  EXPECT_EQ(Run({"LREM", "l", "0", "b"}), Int(1));
  EXPECT_EQ(Run({"LREM", "l", "0", "c"}), Int(1));
  EXPECT_EQ(ValueOf("l"), nullptr);
}

TEST_F(ListsTest, Trim) {
  EXPECT_EQ(Run({"LTRIM", "missing", "0", "1"}), kOk);
  EXPECT_EQ(Run({"LTRIM", "missing", "x", "1"}), kNotInt);
  Abcde();
  EXPECT_EQ(Run({"LTRIM", "l", "1", "-2"}), kOk);
  EXPECT_EQ(Range(), Array({"b", "c", "d"}));
  EXPECT_EQ(Run({"LTRIM", "l", "-100", "100"}), kOk);
  EXPECT_EQ(Range(), Array({"b", "c", "d"}));
  EXPECT_EQ(Run({"LTRIM", "l", "3", "1"}), kOk);
  EXPECT_EQ(ValueOf("l"), nullptr);
}

TEST_F(ListsTest, Pos) {
  ASSERT_EQ(Run({"RPUSH", "l", "a", "b", "c", "b", "a", "b"}), Int(6));
  EXPECT_EQ(Run({"LPOS", "l", "b"}), Int(1));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "2"}), Int(3));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "-1"}), Int(5));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "-2"}), Int(3));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "-9223372036854775808"}), Int(5));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "4"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "b", "COUNT", "0"}), "*3\r\n:1\r\n:3\r\n:5\r\n");
  EXPECT_EQ(Run({"LPOS", "l", "b", "COUNT", "2"}), "*2\r\n:1\r\n:3\r\n");
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "-1", "COUNT", "2"}), "*2\r\n:5\r\n:3\r\n");
  EXPECT_EQ(Run({"LPOS", "l", "b", "COUNT", "0", "MAXLEN", "4"}), "*2\r\n:1\r\n:3\r\n");
  EXPECT_EQ(Run({"LPOS", "l", "c", "MAXLEN", "2"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "c", "MAXLEN", "0"}), Int(2));
  EXPECT_EQ(Run({"LPOS", "l", "nope", "COUNT", "2"}), "*0\r\n");
  EXPECT_EQ(Run({"LPOS", "missing", "a"}), kNil);
  EXPECT_EQ(Run({"LPOS", "missing", "a", "COUNT", "1"}), "*0\r\n");
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
                "... or use negative to start from the end of the list"));
  EXPECT_EQ(Run({"LPOS", "missing", "b", "RANK", "0"}).substr(0, 24), "-ERR RANK can't be zero:");
  EXPECT_EQ(Run({"LPOS", "l", "b", "COUNT", "-1"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "b", "MAXLEN", "-1"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK", "x"}), kNotInt);
  EXPECT_EQ(Run({"LPOS", "l", "b", "FOO", "1"}), kSyntax);
  EXPECT_EQ(Run({"LPOS", "l", "b", "RANK"}), kSyntax);
}

TEST_F(ListsTest, MoveAndRPopLPush) {
  Abcde("src");
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "LEFT", "MIDDLE"}), kSyntax);
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "left", "right"}), Bulk("a"));
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "RIGHT", "LEFT"}), Bulk("e"));
  EXPECT_EQ(Range("dst"), Array({"e", "a"}));
  EXPECT_EQ(Run({"RPOPLPUSH", "src", "dst"}), Bulk("d"));
  EXPECT_EQ(Range("dst"), Array({"d", "e", "a"}));
  EXPECT_EQ(Run({"LMOVE", "missing", "dst", "LEFT", "LEFT"}), kNil);
  // Same key: a rotation.
  EXPECT_EQ(Run({"LMOVE", "src", "src", "LEFT", "RIGHT"}), Bulk("b"));
  EXPECT_EQ(Range("src"), Array({"c", "b"}));
  // A wrong-typed destination leaves the source untouched.
  srv().db(0).Add("s", store::Value::FromString("x"));
  EXPECT_EQ(Run({"RPOPLPUSH", "src", "s"}), kWrongType);
  EXPECT_EQ(Range("src"), Array({"c", "b"}));
  // Moving the last element deletes the source.
  EXPECT_EQ(Run({"RPUSH", "one", "x"}), Int(1));
  EXPECT_EQ(Run({"LMOVE", "one", "dst", "LEFT", "LEFT"}), Bulk("x"));
  EXPECT_EQ(ValueOf("one"), nullptr);
  EXPECT_EQ(Run({"RPUSH", "solo", "x"}), Int(1));
  EXPECT_EQ(Run({"RPOPLPUSH", "solo", "solo"}), Bulk("x"));
  EXPECT_EQ(Range("solo"), Array({"x"}));
}

TEST_F(ListsTest, MPop) {
  EXPECT_EQ(Run({"LMPOP", "0", "l", "LEFT"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"LMPOP", "x", "l", "LEFT"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"LMPOP", "2", "l", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "MIDDLE"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "x"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT", "COUNT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "l", "LEFT"}), "*-1\r\n");
  Abcde("b");
  EXPECT_EQ(Run({"LMPOP", "2", "a", "b", "LEFT"}), "*2\r\n$1\r\nb\r\n" + Array({"a"}));
  EXPECT_EQ(Run({"LMPOP", "2", "a", "b", "RIGHT", "COUNT", "3"}),
            "*2\r\n$1\r\nb\r\n" + Array({"e", "d", "c"}));
  EXPECT_EQ(Run({"LMPOP", "1", "b", "LEFT", "COUNT", "10"}), "*2\r\n$1\r\nb\r\n" + Array({"b"}));
  EXPECT_EQ(ValueOf("b"), nullptr);
}

TEST_F(ListsTest, BlockingFormsWithDataDoNotBlock) {
  Abcde();
  EXPECT_EQ(Run({"BLPOP", "missing", "l", "0"}), Array({"l", "a"}));
  EXPECT_EQ(Run({"BRPOP", "l", "0"}), Array({"l", "e"}));
  EXPECT_EQ(Run({"BLMOVE", "l", "d", "LEFT", "LEFT", "0"}), Bulk("b"));
  EXPECT_EQ(Run({"BRPOPLPUSH", "l", "d", "0"}), Bulk("d"));
  EXPECT_EQ(Run({"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"}),
            "*2\r\n$1\r\nl\r\n" + Array({"c"}));
  EXPECT_FALSE(client().Has(server::kClientBlocked));
}

TEST_F(ListsTest, BlockingArgumentErrors) {
  EXPECT_EQ(Run({"BLPOP", "l", "-1"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLPOP", "l", "inf"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLPOP", "l", "1e100"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run({"BLPOP", "l", "x"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLPOP", "l", "nan"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLPOP", "l", " 1"}), Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLMOVE", "a", "b", "LEFT", "MIDDLE", "x"}), kSyntax);
  EXPECT_EQ(Run({"BLMOVE", "a", "b", "LEFT", "LEFT", "x"}),
            Err("ERR timeout is not a float or out of range"));
  EXPECT_EQ(Run({"BLMPOP", "x", "0", "a", "LEFT"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "a", "MIDDLE"}), kSyntax);
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "a", "LEFT"}),
            Err("ERR timeout is not a float or out of range"));
  EXPECT_FALSE(client().Has(server::kClientBlocked));
}

TEST_F(ListsTest, EncodingIsQuicklistLikeRedis70) {
  // Redis 7.0 reports "quicklist" for every list, small or large, and after
  // shrinking (the listpack list encoding only arrived in 7.2).
  ASSERT_EQ(Run({"RPUSH", "small", "a"}), Int(1));
  EXPECT_EQ(ValueOf("small")->EncodingName(), "quicklist");
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(Run({"RPUSH", "big", std::string(60, 'x') + std::to_string(i)}), Int(i + 1));
  }
  EXPECT_EQ(ValueOf("big")->EncodingName(), "quicklist");
  EXPECT_GT(ValueOf("big")->As<ListValue>()->node_count(), 1u);
  EXPECT_EQ(Run({"LTRIM", "big", "0", "1"}), kOk);
  EXPECT_EQ(ValueOf("big")->EncodingName(), "quicklist");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "small"}), Bulk("quicklist"));
}

TEST_F(ListsTest, NodeSizeFollowsListMaxListpackSize) {
  Restart("list-max-listpack-size 4\n");
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Run({"RPUSH", "l", std::to_string(i)}), Int(i + 1));
  EXPECT_EQ(ValueOf("l")->As<ListValue>()->node_count(), 3u);
  EXPECT_EQ(Run({"LINDEX", "l", "9"}), Bulk("9"));
}

TEST_F(ListsTest, Resp3Nulls) {
  client().set_protocol(3);
  EXPECT_EQ(Run({"LPOP", "missing"}), "_\r\n");
  EXPECT_EQ(Run({"LPOP", "missing", "1"}), "_\r\n");
  EXPECT_EQ(Run({"LMPOP", "1", "missing", "LEFT"}), "_\r\n");
  EXPECT_EQ(Run({"LMOVE", "missing", "l", "LEFT", "LEFT"}), "_\r\n");
}

}  // namespace
}  // namespace lists_test
}  // namespace baton::testing
