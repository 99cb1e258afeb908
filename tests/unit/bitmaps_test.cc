// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO,
// with Redis 7.0's replies, quirks, limits and propagated effects.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/strings_test_util.h"

namespace baton::testing {
namespace bitmaps_test {
namespace {

using Effects = std::vector<std::vector<std::string>>;

class BitmapsTest : public StringFixture {
 protected:
  static std::string Bytes(std::initializer_list<int> bytes) {
    std::string s;
    for (int b : bytes) s.push_back(static_cast<char>(b));
    return s;
  }
};

const char* const kBitOffsetErr = "-ERR bit offset is not an integer or out of range\r\n";

TEST_F(BitmapsTest, SetBitGetBit) {
  EXPECT_EQ(Run({"SETBIT", "b", "7", "1"}), Int(0));
  EXPECT_EQ(Run({"GET", "b"}), Bulk(Bytes({0x01})));
  EXPECT_EQ(Encoding("b"), "raw");
  EXPECT_EQ(Run({"GETBIT", "b", "7"}), Int(1));
  EXPECT_EQ(Run({"GETBIT", "b", "6"}), Int(0));
  EXPECT_EQ(Run({"GETBIT", "b", "100"}), Int(0));
  EXPECT_EQ(Run({"GETBIT", "nokey", "0"}), Int(0));
  EXPECT_EQ(Run({"SETBIT", "b", "7", "0"}), Int(1));
  EXPECT_EQ(Run({"SETBIT", "b", "100", "1"}), Int(0));
  EXPECT_EQ(Run({"STRLEN", "b"}), Int(13));
  Run({"SET", "i", "12345"});  // '1' = 0x31
  EXPECT_EQ(Run({"GETBIT", "i", "2"}), Int(1));
  EXPECT_EQ(Run({"SETBIT", "i", "7", "0"}), Int(1));
  EXPECT_EQ(Run({"GET", "i"}), Bulk("02345"));
  EXPECT_EQ(Encoding("i"), "raw");
}

TEST_F(BitmapsTest, SetBitErrors) {
  EXPECT_EQ(Run({"SETBIT", "b", "-1", "1"}), kBitOffsetErr);
  EXPECT_EQ(Run({"SETBIT", "b", "abc", "1"}), kBitOffsetErr);
  EXPECT_EQ(Run({"SETBIT", "b", "4294967296", "1"}), kBitOffsetErr);
  EXPECT_EQ(Run({"GETBIT", "b", "-1"}), kBitOffsetErr);
  const std::string bit_err = Err("ERR bit is not an integer or out of range");
  EXPECT_EQ(Run({"SETBIT", "b", "1", "2"}), bit_err);
  EXPECT_EQ(Run({"SETBIT", "b", "1", "-1"}), bit_err);
  EXPECT_EQ(Run({"SETBIT", "b", "1", "abc"}), bit_err);
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
  AddList("l");
  EXPECT_EQ(Run({"SETBIT", "l", "0", "1"}), kWrongType);
  EXPECT_EQ(Run({"GETBIT", "l", "0"}), kWrongType);
}

TEST_F(BitmapsTest, SetBitOffsetFollowsProtoMaxBulkLen) {
  RestartWith("proto-max-bulk-len 1mb\n");
  EXPECT_EQ(Run({"SETBIT", "b", "8388608", "1"}), kBitOffsetErr);
  EXPECT_EQ(Run({"SETBIT", "b", "8388607", "1"}), Int(0));
  EXPECT_EQ(Run({"STRLEN", "b"}), Int(1048576));
  EXPECT_EQ(Run({"GETBIT", "b", "8388608"}), kBitOffsetErr);
}

TEST_F(BitmapsTest, SetBitPropagatesOnlyRealChanges) {
  Run({"SET", "k", "a"});  // 0x61 = 0110 0001
  TakeEffects();
  EXPECT_EQ(Run({"SETBIT", "k", "0", "0"}), Int(0));  // unchanged
  EXPECT_EQ(Run({"SETBIT", "k", "1", "1"}), Int(1));  // unchanged
  EXPECT_EQ(Run({"SETBIT", "k", "3", "1"}), Int(0));
  EXPECT_EQ(Run({"SETBIT", "k", "15", "0"}), Int(0));  // grows the string
  EXPECT_EQ(Run({"GET", "k"}), Bulk(Bytes({0x71, 0x00})));
  EXPECT_EQ(TakeEffects(), (Effects{{"SETBIT", "k", "3", "1"}, {"SETBIT", "k", "15", "0"}}));
}

TEST_F(BitmapsTest, BitCountRanges) {
  Run({"SET", "fb", "foobar"});
  EXPECT_EQ(Run({"BITCOUNT", "fb"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "0", "0"}), Int(4));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "1", "1"}), Int(6));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "1", "1", "BIT"}), Int(1));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "5", "30", "bit"}), Int(17));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "5", "30", "BYTE"}), Int(4));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "-100", "-1"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "-3", "-1", "BIT"}), Int(1));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "0", "1000", "BIT"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "fb", "40", "47", "BIT"}), Int(4));
  EXPECT_EQ(Run({"BITCOUNT", "nokey"}), Int(0));
  Run({"SET", "e", ""});
  EXPECT_EQ(Run({"BITCOUNT", "e", "0", "-1"}), Int(0));
  Run({"SET", "i", "12345"});
  EXPECT_EQ(Run({"BITCOUNT", "i"}), Int(17));
  std::string big(1000, '\xff');
  big[999] = '\x01';
  Run({"SET", "big", big});
  EXPECT_EQ(Run({"BITCOUNT", "big"}), Int(999 * 8 + 1));
  EXPECT_EQ(Run({"BITCOUNT", "big", "3", "7990", "BIT"}), Int(7988));
}

TEST_F(BitmapsTest, BitCountArgumentQuirks) {
  Run({"SET", "fb", "foobar"});
  EXPECT_EQ(Run({"BITCOUNT", "fb", "1"}), kSyntax);
  EXPECT_EQ(Run({"BITCOUNT", "fb", "1", "2", "3", "4"}), kSyntax);
  EXPECT_EQ(Run({"BITCOUNT", "fb", "1", "2", "xx"}), kSyntax);
  EXPECT_EQ(Run({"BITCOUNT", "fb", "a", "b"}), kNotInt);
  // Redis 7.0 answers before looking at the unit for a reversed negative range,
  // and before looking at any argument for a missing key.
  EXPECT_EQ(Run({"BITCOUNT", "fb", "-1", "-2", "xx"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "nokey", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "nokey", "1"}), Int(0));
  AddList("l");
  EXPECT_EQ(Run({"BITCOUNT", "l"}), kWrongType);
}

TEST_F(BitmapsTest, BitPosDocumentedExamples) {
  Run({"SET", "k", Bytes({0xff, 0xf0, 0x00})});
  EXPECT_EQ(Run({"BITPOS", "k", "0"}), Int(12));
  Run({"SET", "k", Bytes({0x00, 0xff, 0xf0})});
  EXPECT_EQ(Run({"BITPOS", "k", "1", "0"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "2"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "2", "-1", "BYTE"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "7", "15", "BIT"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "k", "0", "9", "15", "BIT"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "k", "0", "9", "BIT"}), kNotInt);  // a 5th argument is the end
  EXPECT_EQ(Run({"BITPOS", "k", "0", "1", "1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "k", "0", "1"}), Int(20));
  Run({"SET", "z", Bytes({0, 0, 0})});
  EXPECT_EQ(Run({"BITPOS", "z", "1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "z", "1", "7", "-3", "BIT"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "z", "0", "7", "-3", "BIT"}), Int(7));
}

TEST_F(BitmapsTest, BitPosClearBitPastTheEnd) {
  Run({"SET", "ones", Bytes({0xff, 0xff})});
  EXPECT_EQ(Run({"BITPOS", "ones", "0"}), Int(16));  // the string continues with zeros
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "0"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "1"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "0", "-1"}), Int(-1));  // an explicit end
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "3", "12", "BIT"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "ones", "1", "3", "12", "BIT"}), Int(3));
  EXPECT_EQ(Run({"BITPOS", "ones", "1", "12", "3", "BIT"}), Int(-1));
  Run({"SET", "e", ""});
  EXPECT_EQ(Run({"BITPOS", "e", "0"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "nokey", "0"}), Int(0));
  EXPECT_EQ(Run({"BITPOS", "nokey", "1"}), Int(-1));
  std::string big(19, '\0');
  big[18] = '\x01';
  Run({"SET", "big", big});
  EXPECT_EQ(Run({"BITPOS", "big", "1"}), Int(151));
  EXPECT_EQ(Run({"BITPOS", "big", "1", "3", "150", "BIT"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "big", "0", "2", "18"}), Int(16));
}

TEST_F(BitmapsTest, BitPosErrors) {
  Run({"SET", "fb", "foobar"});
  EXPECT_EQ(Run({"BITPOS", "fb", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(Run({"BITPOS", "fb", "a"}), kNotInt);
  EXPECT_EQ(Run({"BITPOS", "fb", "1", "a"}), kNotInt);
  EXPECT_EQ(Run({"BITPOS", "fb", "1", "0", "1", "xx"}), kSyntax);
  EXPECT_EQ(Run({"BITPOS", "fb", "1", "0", "a", "xx"}), kSyntax);
  EXPECT_EQ(Run({"BITPOS", "fb", "1", "0", "1", "BIT", "5"}), kSyntax);
  EXPECT_EQ(Run({"BITPOS", "nokey", "1", "a", "b", "c"}), Int(-1));
  AddList("l");
  EXPECT_EQ(Run({"BITPOS", "l", "1"}), kWrongType);
}

TEST_F(BitmapsTest, BitOpOperations) {
  Run({"SET", "a1", Bytes({0xf0, 0x0f})});
  Run({"SET", "a2", Bytes({0xff})});
  EXPECT_EQ(Run({"BITOP", "AND", "d", "a1", "a2"}), Int(2));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(Bytes({0xf0, 0x00})));
  EXPECT_EQ(Run({"BITOP", "or", "d", "a1", "a2"}), Int(2));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(Bytes({0xff, 0x0f})));
  EXPECT_EQ(Run({"BITOP", "XOR", "d", "a1", "a2", "nokey"}), Int(2));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(Bytes({0x0f, 0x0f})));
  EXPECT_EQ(Run({"BITOP", "NOT", "d", "a1"}), Int(2));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(Bytes({0x0f, 0xf0})));
  EXPECT_EQ(Encoding("d"), "raw");
  Run({"SET", "i", "12"});
  EXPECT_EQ(Run({"BITOP", "OR", "d", "i"}), Int(2));
  EXPECT_EQ(Run({"GET", "d"}), Bulk("12"));
  EXPECT_EQ(Encoding("d"), "raw");
  EXPECT_EQ(Run({"BITOP", "AND", "a1", "a1", "a2"}), Int(2));  // destination among sources
  EXPECT_EQ(Run({"GET", "a1"}), Bulk(Bytes({0xf0, 0x00})));
}

TEST_F(BitmapsTest, BitOpEmptyResultDeletesDestination) {
  Run({"SET", "d", "x", "EX", "100"});
  TakeEffects();
  EXPECT_EQ(Run({"BITOP", "AND", "d", "nokey", "nokey2"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"BITOP", "OR", "d", "nokey"}), Int(0));  // nothing to delete: no effect
  EXPECT_EQ(TakeEffects(), (Effects{{"BITOP", "AND", "d", "nokey", "nokey2"}}));
  Run({"SET", "d", "x", "EX", "100"});
  Run({"BITOP", "NOT", "d", "d"});
  EXPECT_EQ(ExpireOf("d"), -1);
}

TEST_F(BitmapsTest, BitOpErrors) {
  Run({"SET", "a", "x"});
  AddList("l");
  EXPECT_EQ(Run({"BITOP", "NOT", "d", "a", "a"}),
            Err("ERR BITOP NOT must be called with a single source key."));
  EXPECT_EQ(Run({"BITOP", "foo", "d", "a"}), kSyntax);
  EXPECT_EQ(Run({"BITOP", "AND", "d", "a", "l"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
}

TEST_F(BitmapsTest, BitFieldDocumentedExamples) {
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "i5", "100", "1", "GET", "u4", "0"}),
            Arr({Int(1), Int(0)}));
  const std::vector<std::string> cmd = {"BITFIELD", "m",   "incrby", "u2", "100", "1",
                                        "OVERFLOW", "SAT", "incrby", "u2", "102", "1"};
  EXPECT_EQ(Run(cmd), Arr({Int(1), Int(1)}));
  EXPECT_EQ(Run(cmd), Arr({Int(2), Int(2)}));
  EXPECT_EQ(Run(cmd), Arr({Int(3), Int(3)}));
  EXPECT_EQ(Run(cmd), Arr({Int(0), Int(3)}));
  EXPECT_EQ(Run({"BITFIELD", "m", "OVERFLOW", "FAIL", "incrby", "u2", "102", "1"}), Arr({kNil}));
}

// INCRBY with an increment beyond the field's range wraps (or saturates,
// or fails) like any other overflow (replies checked against redis-server
// 7.0; found by the model test).
TEST_F(BitmapsTest, BitFieldIncrementsBeyondTheFieldRange) {
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "i5", "0", "100"}), Arr({Int(4)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "i5", "51", "-59"}), Arr({Int(5)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i5", "10", "-59", "INCRBY", "u4",
                 "20", "100"}),
            Arr({Int(-16), Int(15)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u4", "30", "16"}), Arr({kNil}));
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "u4", "30", "17"}), Arr({Int(1)}));
}

TEST_F(BitmapsTest, BitFieldSetAndOverflowPolicies) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "100", "SET", "i8", "0", "-100", "GET", "i8",
                 "0", "GET", "u8", "0"}),
            Arr({Int(0), Int(100), Int(-100), Int(156)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "200", "GET", "i8", "0",
                 "SET", "i8", "0", "-200", "GET", "i8", "0"}),
            Arr({Int(-100), Int(127), Int(127), Int(-128)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "i8", "0", "200", "GET", "i8", "0"}),
            Arr({Int(-128), Int(-56)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i8", "0", "200", "GET", "i8", "0"}),
            Arr({kNil, Int(-56)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0"}),
            Arr({Int(200), Int(255)}));
  // Redis's range check treats the most negative values as overflowing upward.
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775808",
                 "GET", "i8", "0", "SET", "i8", "0", "-9223372036854775700", "GET", "i8", "0"}),
            Arr({Int(-1), Int(127), Int(127), Int(127)}));
}

TEST_F(BitmapsTest, BitFieldWideTypes) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "0",
                 "GET", "u63", "1", "GET", "i64", "1"}),
            Arr({Int(0), Int(-1), Int(INT64_MAX), Int(INT64_MAX), Int(-2)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808"}),
            Arr({Int(INT64_MIN)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i64", "0", "9223372036854775807",
                 "INCRBY", "i64", "0", "9223372036854775807"}),
            Arr({Int(-1), Int(9223372036854775806)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "9223372036854775807",
                 "INCRBY", "i64", "0", "9223372036854775807"}),
            Arr({Int(INT64_MAX), Int(INT64_MAX)}));
  EXPECT_EQ(Run({"BITFIELD", "u", "OVERFLOW", "WRAP", "INCRBY", "u63", "0", "9223372036854775807",
                 "INCRBY", "u63", "0", "9223372036854775807"}),
            Arr({Int(INT64_MAX), Int(9223372036854775806)}));
  EXPECT_EQ(Run({"BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "-9223372036854775807"}),
            Arr({Int(0)}));
}

TEST_F(BitmapsTest, BitFieldHashOffsetsAndUnalignedFields) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u8", "8", "GET", "u8", "#1",
                 "SET", "i4", "#3", "-3", "GET", "i4", "12"}),
            Arr({Int(0), Int(255), Int(255), Int(-1), Int(-3)}));
  EXPECT_EQ(Run({"GET", "k"}), Bulk(Bytes({0x00, 0xfd})));
  EXPECT_EQ(
      Run({"BITFIELD", "x",  "GET", "u3",     "5",  "SET", "u3", "5",      "7",  "GET", "u3", "5",
           "GET",      "u8", "0",   "INCRBY", "u3", "5",   "1",  "INCRBY", "i3", "5",   "-1"}),
      Arr({Int(0), Int(0), Int(7), Int(7), Int(0), Int(-1)}));
}

TEST_F(BitmapsTest, BitFieldErrors) {
  const std::string type_err = Err(
      "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
      "i64 is.");
  for (const char* type : {"i65", "u64", "I8", "i0", "x8", "i"}) {
    EXPECT_EQ(Run({"BITFIELD", "k", "GET", type, "0"}), type_err) << type;
  }
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "foo"}), Err("ERR Invalid OVERFLOW type specified"));
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u8"}), kSyntax);
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW"}), kSyntax);
  EXPECT_EQ(Run({"BITFIELD", "k", "foo"}), kSyntax);
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "0", "abc"}), kNotInt);
  for (const char* offset : {"-1", "#-1", "#a", "#", "4294967296"}) {
    EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u8", offset}), kBitOffsetErr) << offset;
  }
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "0", "1", "GET", "i7", "x"}), kBitOffsetErr);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  AddList("l");
  EXPECT_EQ(Run({"BITFIELD", "l", "GET", "u8", "0"}), kWrongType);
  EXPECT_EQ(Run({"BITFIELD", "l", "SET", "u8", "0", "1"}), kWrongType);
}

TEST_F(BitmapsTest, BitFieldReadOnlyAndEmptyForms) {
  EXPECT_EQ(Run({"BITFIELD", "k"}), Arr({}));
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "WRAP"}), Arr({}));
  EXPECT_EQ(Run({"BITFIELD", "nokey", "GET", "u8", "0", "GET", "i16", "100"}),
            Arr({Int(0), Int(0)}));
  EXPECT_EQ(Run({"EXISTS", "nokey"}), Int(0));
  Run({"SET", "k", Bytes({0xab, 0xcd})});
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "4"}),
            Arr({Int(0xab), Int(-5)}));
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "SET", "u8", "0", "1"}),
            Err("ERR BITFIELD_RO only supports the GET subcommand"));
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "SET", "u8", "0", "a"}), kNotInt);
  Run({"SET", "i", "12345"});
  EXPECT_EQ(Run({"BITFIELD", "i", "GET", "u8", "0", "GET", "i8", "8"}), Arr({Int('1'), Int('2')}));
  EXPECT_EQ(Encoding("i"), "int");  // reads leave the value alone
}

TEST_F(BitmapsTest, BitFieldPropagatesOnlyChanges) {
  Run({"SET", "k", "a"});
  TakeEffects();
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "0", "97"}), Arr({Int(97)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "u8", "0", "0"}), Arr({Int(97)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u8", "0"}), Arr({Int(97)}));
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "8", "0"}), Arr({Int(0)}));  // grows
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "u8", "0", "1"}), Arr({Int(98)}));
  // FAIL writes nothing, so nothing is propagated (even though Redis creates the key).
  EXPECT_EQ(Run({"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"}), Arr({kNil}));
  EXPECT_EQ(Run({"EXISTS", "f"}), Int(1));
  EXPECT_EQ(TakeEffects(), (Effects{{"BITFIELD", "k", "SET", "u8", "8", "0"},
                                    {"BITFIELD", "k", "INCRBY", "u8", "0", "1"}}));
}

TEST_F(BitmapsTest, InPlaceBitWritesSignalWatchers) {
  std::vector<std::string> modified;
  srv().AddKeyModifiedHook([&](int, std::string_view key) { modified.emplace_back(key); });
  Run({"SET", "k", "a"});
  modified.clear();
  Run({"SETBIT", "k", "3", "1"});
  Run({"SETBIT", "k", "3", "1"});  // unchanged: no signal needed
  Run({"BITFIELD", "k", "INCRBY", "u8", "0", "1"});
  Run({"BITFIELD", "k", "GET", "u8", "0"});
  EXPECT_EQ(modified, (std::vector<std::string>{"k", "k"}));
}

}  // namespace
}  // namespace bitmaps_test
}  // namespace baton::testing
