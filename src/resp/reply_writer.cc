#include "baton/resp/reply_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace baton::resp {

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

void ReplyWriter::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  (void)ec;
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<size_t>(end - buf));
}

void ReplyWriter::InsertHeader(size_t at, char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  (void)ec;
  *end++ = '\r';
  *end++ = '\n';
  out_->insert(at, buf, static_cast<size_t>(end - buf));
}

void ReplyWriter::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view message) {
  size_t start = out_->size();
  out_->push_back('-');
  out_->append(message);
  for (size_t i = start + 1; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
  if (observer_ != nullptr) {
    size_t space = message.find(' ');
    observer_->OnErrorReply(message.substr(0, space));
  }
}

void ReplyWriter::Integer(int64_t v) { Header(':', v); }

void ReplyWriter::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::BulkInteger(int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  Bulk(std::string_view(buf, static_cast<size_t>(end - buf)));
}

void ReplyWriter::Null() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp3()) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::Map(size_t pairs) {
  if (resp3()) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(2 * pairs));
  }
}

void ReplyWriter::Set(size_t n) { Header(resp3() ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Push(size_t n) { Header(resp3() ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Double(double d) {
  std::string s = FormatDouble(d);
  if (resp3()) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    Bulk(s);
  }
}

void ReplyWriter::Bool(bool b) {
  if (resp3()) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::BigNumber(std::string_view digits) {
  if (resp3()) {
    out_->push_back('(');
    out_->append(digits);
    out_->append("\r\n", 2);
  } else {
    Bulk(digits);
  }
}

void ReplyWriter::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3()) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append(format.substr(0, 3));
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyWriter::EndDeferredArray(size_t handle, size_t n) {
  InsertHeader(handle, '*', static_cast<int64_t>(n));
}

void ReplyWriter::EndDeferredMap(size_t handle, size_t pairs) {
  if (resp3()) {
    InsertHeader(handle, '%', static_cast<int64_t>(pairs));
  } else {
    InsertHeader(handle, '*', static_cast<int64_t>(2 * pairs));
  }
}

void ReplyWriter::EndDeferredSet(size_t handle, size_t n) {
  InsertHeader(handle, resp3() ? '~' : '*', static_cast<int64_t>(n));
}

}  // namespace baton::resp
