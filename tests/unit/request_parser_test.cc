#include "baton/resp/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::resp {
namespace request_parser_test {
namespace {

// Feeds `input` in chunks of `chunk` bytes and collects every request.
std::vector<std::vector<std::string>> ParseAll(const std::string& input, size_t chunk,
                                               std::string* error = nullptr) {
  RequestParser parser;
  std::vector<std::vector<std::string>> out;
  std::string pending;
  for (size_t off = 0; off < input.size(); off += chunk) {
    pending += input.substr(off, chunk);
    while (!pending.empty()) {
      auto r = parser.Parse(pending);
      pending.erase(0, r.consumed);
      if (r.status == RequestParser::Status::kCommand) {
        out.emplace_back(parser.Args().begin(), parser.Args().end());
      } else if (r.status == RequestParser::Status::kError) {
        if (error != nullptr) *error = parser.Error();
        return out;
      } else {
        break;
      }
    }
  }
  return out;
}

TEST(RequestParser, MultibulkWhole) {
  auto cmds = ParseAll("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", 1000);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"GET", "k"}));
}

TEST(RequestParser, MultibulkOneByteAtATime) {
  std::string input = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n*1\r\n$4\r\nPING\r\n";
  auto cmds = ParseAll(input, 1);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"SET", "key", "va\r\nl"}));
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"PING"}));
}

TEST(RequestParser, ClosingQuoteMustEndTheArgument) {
  std::string error;
  auto cmds = ParseAll("SET k \"hello world\\n\" 'it''s'\r\nPING\n", 1, &error);
  EXPECT_TRUE(cmds.empty());
  EXPECT_EQ(error, "Protocol error: unbalanced quotes in request");
}

TEST(RequestParser, InlineQuoting) {
  auto cmds = ParseAll("SET k \"hello world\\x41\"\r\nPING\n", 3);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"SET", "k", "hello worldA"}));
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"PING"}));
}

TEST(RequestParser, EmptyInlineLinesAreSkipped) {
  auto cmds = ParseAll("\r\n\r\nPING\r\n", 1);
  ASSERT_EQ(cmds.size(), 1u);
}

TEST(RequestParser, UnbalancedQuotes) {
  std::string error;
  ParseAll("SET k \"oops\r\n", 100, &error);
  EXPECT_EQ(error, "Protocol error: unbalanced quotes in request");
}

TEST(RequestParser, BulkLengthTooLarge) {
  std::string error;
  ParseAll("*1\r\n$2147483648\r\n", 100, &error);
  EXPECT_EQ(error, "Protocol error: invalid bulk length");
}

TEST(RequestParser, InvalidMultibulkLength) {
  std::string error;
  ParseAll("*abc\r\n", 100, &error);
  EXPECT_EQ(error, "Protocol error: invalid multibulk length");
}

TEST(RequestParser, ExpectedDollar) {
  std::string error;
  ParseAll("*1\r\n:12\r\n", 100, &error);
  EXPECT_EQ(error, "Protocol error: expected '$', got ':'");
}

TEST(RequestParser, TooBigInline) {
  std::string error;
  ParseAll(std::string(70 * 1024, 'a'), 4096, &error);
  EXPECT_EQ(error, "Protocol error: too big inline request");
}

TEST(RequestParser, UnauthenticatedLimits) {
  RequestParser parser;
  parser.SetUnauthenticated(true);
  auto r = parser.Parse("*11\r\n");
  EXPECT_EQ(r.status, RequestParser::Status::kError);
  EXPECT_EQ(parser.Error(), "Protocol error: unauthenticated multibulk length");
  RequestParser p2;
  p2.SetUnauthenticated(true);
  r = p2.Parse("*1\r\n$16385\r\n");
  EXPECT_EQ(p2.Error(), "Protocol error: unauthenticated bulk length");
}

TEST(RequestParser, ZeroAndNegativeMultibulkAreSkipped) {
  auto cmds = ParseAll("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", 2);
  ASSERT_EQ(cmds.size(), 1u);
}

TEST(RequestParser, BinarySafeArguments) {
  std::string payload("a\0b\r\nc", 6);
  std::string input = "*2\r\n$4\r\nECHO\r\n$6\r\n" + payload + "\r\n";
  auto cmds = ParseAll(input, 1);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0][1], payload);
}

}  // namespace
}  // namespace request_parser_test
}  // namespace baton::resp
