#include "baton/store/set_value.h"

#include <new>

namespace baton::store {
namespace {

// Replaces the intset in `slot` by its hashtable form.
TableSetValue* ConvertSetToTable(Value& slot) {
  auto table = std::make_unique<TableSetValue>();
  slot.As<SetValue>()->ForEach([&](std::string_view m) { table->Add(m); });
  TableSetValue* raw = table.get();
  slot = Value::FromAggregate(std::move(table));
  return raw;
}

}  // namespace

SetNode* SetNode::Create(std::string_view member) {
  void* mem = std::malloc(sizeof(SetNode) + member.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* node = new (mem) SetNode();
  node->len = static_cast<uint32_t>(member.size());
  if (!member.empty()) std::memcpy(static_cast<void*>(node + 1), member.data(), member.size());
  return node;
}

void SetNode::Destroy(SetNode* node) { std::free(node); }

std::vector<std::string> SetValue::Members() const {
  std::vector<std::string> out;
  out.reserve(size());
  ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

// ---- IntSetValue ----

IntSetValue* IntSetValue::Allocate(size_t count, uint8_t width) {
  void* mem = std::malloc(BlockSize(count, width));
  if (mem == nullptr) throw std::bad_alloc();
  auto* set = new (mem) IntSetValue();
  set->width_ = width;
  return set;
}

uint8_t IntSetValue::WidthFor(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) return 1;
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

void IntSetValue::Put(size_t i, int64_t v) {
  uint8_t* p = data() + i * width_;
  switch (width_) {
    case 1:
      *p = static_cast<uint8_t>(v);
      break;
    case 2: {
      auto x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      break;
    }
    case 4: {
      auto x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      break;
    }
    default:
      std::memcpy(p, &v, 8);
      break;
  }
}

bool IntSetValue::Find(int64_t v, size_t* pos) const {
  size_t lo = 0;
  size_t hi = count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t m = At(mid);
    if (m == v) {
      *pos = mid;
      return true;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

void IntSetValue::InsertAt(size_t pos, int64_t v) {
  uint8_t* d = data();
  std::memmove(d + (pos + 1) * width_, d + pos * width_, (count_ - pos) * width_);
  ++count_;
  Put(pos, v);
}

IntSetValue* IntSetValue::CopyInserting(size_t pos, int64_t v) const {
  const uint8_t width = std::max(width_, WidthFor(v));
  IntSetValue* copy = Allocate(count_ + size_t{1}, width);
  copy->count_ = count_ + 1;
  for (size_t i = 0; i < pos; ++i) copy->Put(i, At(i));
  copy->Put(pos, v);
  for (size_t i = pos; i < count_; ++i) copy->Put(i + 1, At(i));
  return copy;
}

void IntSetValue::EraseAt(size_t pos) {
  uint8_t* d = data();
  std::memmove(d + pos * width_, d + (pos + 1) * width_, (count_ - pos - 1) * width_);
  --count_;
}

std::unique_ptr<Aggregate> IntSetValue::Clone() const {
  IntSetValue* copy = Allocate(count_, width_);
  copy->count_ = count_;
  std::memcpy(copy->data(), data(), size_t{count_} * width_);
  return std::unique_ptr<Aggregate>(copy);
}

size_t IntSetValue::MemoryUsage() const { return BlockSize(count_, width_); }

bool IntSetValue::Contains(std::string_view member) const {
  int64_t v = 0;
  size_t pos = 0;
  return ParseInt64(member, &v) && Find(v, &pos);
}

CompactEntry IntSetValue::Random() const {
  return CompactEntry::OfInt(At(static_cast<size_t>(RandomU64() % count_)));
}

// ---- TableSetValue ----

TableSetValue::~TableSetValue() {
  table_.Clear([](SetNode* n) { SetNode::Destroy(n); });
}

std::unique_ptr<Aggregate> TableSetValue::Clone() const {
  auto copy = std::make_unique<TableSetValue>();
  ForEach([&](std::string_view m) { copy->Add(m); });
  return copy;
}

size_t TableSetValue::MemoryUsage() const {
  return RoundAlloc(sizeof(TableSetValue)) + table_.BucketBytes() + node_bytes_;
}

bool TableSetValue::Add(std::string_view member) {
  if (table_.Find(member) != nullptr) return false;
  SetNode* node = SetNode::Create(member);
  table_.Insert(node);
  node_bytes_ += node->AllocSize();
  return true;
}

bool TableSetValue::Remove(std::string_view member) {
  SetNode* node = table_.Remove(member);
  if (node == nullptr) return false;
  node_bytes_ -= node->AllocSize();
  SetNode::Destroy(node);
  return true;
}

// ---- SetValue edits ----

Value SetValue::New() {
  return Value::FromAggregate(std::unique_ptr<Aggregate>(IntSetValue::Allocate(0, 1)));
}

bool SetValue::Add(Value& slot, std::string_view member, const SetLimits& limits) {
  auto* set = slot.As<SetValue>();
  if (!set->is_intset()) return static_cast<TableSetValue*>(set)->Add(member);
  auto* is = static_cast<IntSetValue*>(set);
  int64_t v = 0;
  if (!ParseInt64(member, &v)) return ConvertSetToTable(slot)->Add(member);
  size_t pos = 0;
  if (is->Find(v, &pos)) return false;
  if (is->size() + 1 > limits.max_intset_entries) return ConvertSetToTable(slot)->Add(member);
  if (IntSetValue::WidthFor(v) <= is->width() && is->HasRoomForOne()) {
    is->InsertAt(pos, v);
  } else {
    slot = Value::FromAggregate(std::unique_ptr<Aggregate>(is->CopyInserting(pos, v)));
  }
  return true;
}

bool SetValue::Remove(Value& slot, std::string_view member) {
  auto* set = slot.As<SetValue>();
  if (!set->is_intset()) return static_cast<TableSetValue*>(set)->Remove(member);
  auto* is = static_cast<IntSetValue*>(set);
  int64_t v = 0;
  size_t pos = 0;
  if (!ParseInt64(member, &v) || !is->Find(v, &pos)) return false;
  is->EraseAt(pos);
  return true;
}

}  // namespace baton::store
