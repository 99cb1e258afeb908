#include "baton/store/hash_value.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace baton::store {
namespace {

// Moves a listpack hash to a block with room for `extra` more entry bytes and
// stores it in `slot` (freeing the old block). Returns the new object.
ListpackHash* Regrow(Value& slot, const ListpackHash* old, size_t extra) {
  ListpackHash* grown = ListpackHash::Allocate(old->list().FootprintAfterGrowth(extra));
  old->list().CopyTo(&grown->list());
  slot = Value::FromAggregate(std::unique_ptr<Aggregate>(grown));
  return grown;
}

// Replaces the listpack hash in `slot` by its hashtable form.
TableHash* ConvertToTable(Value& slot) {
  auto table = std::make_unique<TableHash>();
  slot.As<HashValue>()->ForEach([&](std::string_view f, std::string_view v) { table->Set(f, v); });
  TableHash* raw = table.get();
  slot = Value::FromAggregate(std::move(table));
  return raw;
}

}  // namespace

HashNode* HashNode::Create(std::string_view field, std::string_view value) {
  void* mem = std::malloc(sizeof(HashNode) + field.size() + value.size());
  if (mem == nullptr) throw std::bad_alloc();
  auto* node = new (mem) HashNode();
  node->field_len = static_cast<uint32_t>(field.size());
  node->value_len = static_cast<uint32_t>(value.size());
  char* bytes = reinterpret_cast<char*>(node + 1);
  if (!field.empty()) std::memcpy(bytes, field.data(), field.size());
  if (!value.empty()) std::memcpy(bytes + field.size(), value.data(), value.size());
  return node;
}

void HashNode::Destroy(HashNode* node) { std::free(node); }

// ---- ListpackHash ----

ListpackHash* ListpackHash::Allocate(size_t list_bytes) {
  void* mem =
      std::malloc(RoundAlloc(kListOffset + std::max(list_bytes, CompactList::kMinFootprint)));
  if (mem == nullptr) throw std::bad_alloc();
  return new (mem) ListpackHash();
}

std::unique_ptr<Aggregate> ListpackHash::Clone() const {
  ListpackHash* copy = Allocate(list_.Footprint());
  list_.CopyTo(&copy->list_);
  return std::unique_ptr<Aggregate>(copy);
}

size_t ListpackHash::MemoryUsage() const { return RoundAlloc(kListOffset + list_.Footprint()); }

bool ListpackHash::Get(std::string_view field, CompactEntry* out) const {
  const size_t pos = list_.Find(CompactKey(field), 0, 1);
  if (pos == list_.End()) return false;
  *out = list_.Get(list_.Next(pos));
  return true;
}

void ListpackHash::RandomPair(CompactEntry* field, CompactEntry* value) const {
  const auto index = static_cast<int64_t>(RandomU64() % size());
  const size_t pos = list_.Seek(index * 2);
  *field = list_.Get(pos);
  *value = list_.Get(list_.Next(pos));
}

// ---- TableHash ----

TableHash::~TableHash() {
  table_.Clear([](HashNode* n) { HashNode::Destroy(n); });
}

std::unique_ptr<Aggregate> TableHash::Clone() const {
  auto copy = std::make_unique<TableHash>();
  ForEach([&](std::string_view f, std::string_view v) { copy->Set(f, v); });
  return copy;
}

size_t TableHash::MemoryUsage() const {
  return RoundAlloc(sizeof(TableHash)) + table_.BucketBytes() + node_bytes_;
}

bool TableHash::Get(std::string_view field, CompactEntry* out) const {
  HashNode* n = table_.Find(field);
  if (n == nullptr) return false;
  *out = CompactEntry::OfString(n->Val());
  return true;
}

void TableHash::RandomPair(CompactEntry* field, CompactEntry* value) const {
  HashNode* n = table_.Random();
  *field = CompactEntry::OfString(n->Key());
  *value = CompactEntry::OfString(n->Val());
}

bool TableHash::Set(std::string_view field, std::string_view value) {
  HashNode* old = table_.Find(field);
  if (old != nullptr && old->value_len == value.size()) {
    if (!value.empty()) {
      std::memcpy(reinterpret_cast<char*>(old + 1) + old->field_len, value.data(), value.size());
    }
    return false;
  }
  if (old != nullptr) {
    table_.Remove(field);
    node_bytes_ -= old->AllocSize();
  }
  HashNode* node = HashNode::Create(field, value);
  if (old != nullptr) HashNode::Destroy(old);  // after Create: `field` may not point into it
  table_.Insert(node);
  node_bytes_ += node->AllocSize();
  return old == nullptr;
}

bool TableHash::Delete(std::string_view field) {
  HashNode* n = table_.Remove(field);
  if (n == nullptr) return false;
  node_bytes_ -= n->AllocSize();
  HashNode::Destroy(n);
  return true;
}

// ---- HashValue edits ----

Value HashValue::New() {
  return Value::FromAggregate(std::unique_ptr<Aggregate>(ListpackHash::Allocate(0)));
}

bool HashValue::Set(Value& slot, std::string_view field, std::string_view value,
                    const HashLimits& limits) {
  auto* hash = slot.As<HashValue>();
  if (!hash->is_listpack()) return static_cast<TableHash*>(hash)->Set(field, value);
  auto* lp = static_cast<ListpackHash*>(hash);
  if (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value) {
    return ConvertToTable(slot)->Set(field, value);
  }
  CompactList& list = lp->list();
  const size_t pos = list.Find(CompactKey(field), 0, 1);
  if (pos != list.End()) {
    size_t vpos = list.Next(pos);
    const size_t old_size = list.Next(vpos) - vpos;
    const size_t new_size = CompactList::EntrySize(value);
    if (new_size > old_size && !list.HasRoom(ListpackHash::kListOffset, new_size - old_size)) {
      lp = Regrow(slot, lp, new_size - old_size);
    }
    lp->list().Replace(vpos, value);
    return false;
  }
  if (lp->size() + 1 > limits.max_listpack_entries) return ConvertToTable(slot)->Set(field, value);
  const size_t need = CompactList::EntrySize(field) + CompactList::EntrySize(value);
  if (!list.HasRoom(ListpackHash::kListOffset, need)) lp = Regrow(slot, lp, need);
  lp->list().Append(field);
  lp->list().Append(value);
  return true;
}

bool HashValue::Delete(Value& slot, std::string_view field) {
  auto* hash = slot.As<HashValue>();
  if (!hash->is_listpack()) return static_cast<TableHash*>(hash)->Delete(field);
  CompactList& list = static_cast<ListpackHash*>(hash)->list();
  const size_t pos = list.Find(CompactKey(field), 0, 1);
  if (pos == list.End()) return false;
  list.Erase(pos, 2);
  return true;
}

}  // namespace baton::store
