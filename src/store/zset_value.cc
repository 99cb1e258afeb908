#include "baton/store/zset_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace baton::store {

namespace {

// Strictly before in (score, member) order.
bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}

int RandomLevel() {
  int level = 1;
  // p = 1/4, like Redis.
  while (level < SkiplistZSet::kMaxLevel && (RandomU64() & 0xFFFF) < 0xFFFF / 4) ++level;
  return level;
}

}  // namespace

std::string ZScoreText(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  constexpr double kIntLimit = static_cast<double>(INT64_MAX / 2);
  if (score >= -kIntLimit && score <= kIntLimit &&
      static_cast<double>(static_cast<int64_t>(score)) == score) {
    return std::to_string(static_cast<int64_t>(score));
  }
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return {buf, static_cast<size_t>(n)};
}

// --- ZSetValue ---------------------------------------------------------------

uint64_t ZSetValue::Scan(uint64_t cursor,
                         const std::function<void(std::string_view, std::string_view)>& fn) const {
  if (is_listpack()) {
    const auto* lp = static_cast<const ListpackZSet*>(this);
    size_t rank = 0;
    ForEach([&](std::string_view m, double) {
      fn(m, lp->ScoreTextAt(rank++));
      return true;
    });
    return 0;
  }
  return static_cast<const SkiplistZSet*>(this)->table().Scan(cursor, [&](const ZSkipNode* n) {
    if (std::isinf(n->score)) return fn(n->Key(), n->score > 0 ? "inf" : "-inf");
    char buf[64];
    const int len = std::snprintf(buf, sizeof(buf), "%.17g", n->score);
    fn(n->Key(), std::string_view(buf, static_cast<size_t>(len)));
  });
}

Value ZSetValue::New() {
  return Value::FromAggregate(std::unique_ptr<Aggregate>(ListpackZSet::Allocate(0)));
}

bool ZSetValue::Set(Value& slot, std::string_view member, double score, const ZSetLimits& limits) {
  auto* zset = slot.As<ZSetValue>();
  if (!zset->is_listpack()) return static_cast<SkiplistZSet*>(zset)->Set(member, score);
  auto* lp = static_cast<ListpackZSet*>(zset);
  const bool added = !lp->Delete(member);
  if (lp->size() + 1 > limits.max_listpack_entries || member.size() > limits.max_listpack_value) {
    ConvertToSkiplist(slot);
    slot.As<SkiplistZSet>()->Set(member, score);
    return added;
  }
  const std::string text = ZScoreText(score);
  const size_t need = CompactList::EntrySize(member) + CompactList::EntrySize(text);
  if (!lp->list().HasRoom(ListpackZSet::kListOffset, need)) {
    ListpackZSet* grown = ListpackZSet::Allocate(lp->list().FootprintAfterGrowth(need));
    lp->list().CopyTo(&grown->list());
    slot = Value::FromAggregate(std::unique_ptr<Aggregate>(grown));
    lp = grown;
  }
  lp->Insert(member, score, text);
  return added;
}

void ZSetValue::ConvertToSkiplist(Value& slot) {
  const auto* zset = slot.As<ZSetValue>();
  if (!zset->is_listpack()) return;
  auto skiplist = std::make_unique<SkiplistZSet>();
  zset->ForEach([&](std::string_view member, double score) {
    skiplist->Set(member, score);
    return true;
  });
  slot = Value::FromAggregate(std::move(skiplist));
}

bool ZSetValue::Remove(Value& slot, std::string_view member) {
  auto* zset = slot.As<ZSetValue>();
  if (zset->is_listpack()) return static_cast<ListpackZSet*>(zset)->Delete(member);
  return static_cast<SkiplistZSet*>(zset)->Delete(member);
}

// --- ListpackZSet ------------------------------------------------------------

ListpackZSet* ListpackZSet::Allocate(size_t list_bytes) {
  void* mem =
      std::malloc(RoundAlloc(kListOffset + std::max(list_bytes, CompactList::kMinFootprint)));
  if (mem == nullptr) throw std::bad_alloc();
  return new (mem) ListpackZSet();
}

std::unique_ptr<Aggregate> ListpackZSet::Clone() const {
  ListpackZSet* copy = Allocate(list_.Footprint());
  list_.CopyTo(&copy->list_);
  return std::unique_ptr<Aggregate>(copy);
}

size_t ListpackZSet::MemoryUsage() const { return RoundAlloc(kListOffset + list_.Footprint()); }

double ListpackZSet::ScoreAt(size_t pos) const {
  const CompactEntry e = list_.Get(pos);
  if (e.is_int()) return static_cast<double>(e.int_value());
  const std::string text(e.text());
  return std::strtod(text.c_str(), nullptr);
}

std::string ListpackZSet::ScoreTextAt(size_t rank) const {
  const size_t pos = list_.Seek(static_cast<int64_t>(rank * 2 + 1));
  return std::string(list_.Get(pos).text());
}

bool ListpackZSet::Score(std::string_view member, double* score) const {
  const size_t pos = list_.Find(CompactKey(member), 0, 1);
  if (pos == list_.End()) return false;
  *score = ScoreAt(list_.Next(pos));
  return true;
}

bool ListpackZSet::Rank(std::string_view member, size_t* rank) const {
  const CompactKey key(member);
  size_t r = 0;
  for (size_t pos = list_.Begin(); pos < list_.End(); ++r) {
    if (list_.Get(pos).Equals(key)) {
      *rank = r;
      return true;
    }
    pos = list_.Next(list_.Next(pos));
  }
  return false;
}

size_t ListpackZSet::CountBefore(const Before& before) const {
  size_t r = 0;
  for (size_t pos = list_.Begin(); pos < list_.End(); ++r) {
    const CompactEntry m = list_.Get(pos);
    const size_t score_pos = list_.Next(pos);
    if (!before(m.text(), ScoreAt(score_pos))) break;
    pos = list_.Next(score_pos);
  }
  return r;
}

void ListpackZSet::Walk(size_t start, size_t end, bool reverse, const Visit& fn) const {
  if (start >= end) return;
  if (!reverse) {
    size_t pos = list_.Seek(static_cast<int64_t>(start * 2));
    for (size_t r = start; r < end; ++r) {
      const CompactEntry m = list_.Get(pos);
      const size_t score_pos = list_.Next(pos);
      if (!fn(m.text(), ScoreAt(score_pos))) return;
      pos = list_.Next(score_pos);
    }
    return;
  }
  size_t pos = list_.Seek(static_cast<int64_t>((end - 1) * 2));
  for (size_t r = end; r > start; --r) {
    const CompactEntry m = list_.Get(pos);
    if (!fn(m.text(), ScoreAt(list_.Next(pos)))) return;
    if (pos == 0) return;
    pos = list_.Prev(list_.Prev(pos));
  }
}

void ListpackZSet::Insert(std::string_view member, double score, std::string_view score_text) {
  size_t pos = list_.Begin();
  while (pos < list_.End()) {
    const CompactEntry m = list_.Get(pos);
    const size_t score_pos = list_.Next(pos);
    if (Less(score, member, ScoreAt(score_pos), m.text())) break;
    pos = list_.Next(score_pos);
  }
  list_.Insert(pos, member);
  list_.Insert(list_.Next(pos), score_text);
}

bool ListpackZSet::Delete(std::string_view member) {
  const size_t pos = list_.Find(CompactKey(member), 0, 1);
  if (pos == list_.End()) return false;
  list_.Erase(pos, 2);
  return true;
}

// --- ZSkipNode / SkiplistZSet ------------------------------------------------

ZSkipNode* ZSkipNode::Create(int level, double score, std::string_view member) {
  const size_t bytes =
      sizeof(ZSkipNode) + static_cast<size_t>(level) * sizeof(Level) + member.size();
  void* mem = std::malloc(RoundAlloc(bytes));
  if (mem == nullptr) throw std::bad_alloc();
  auto* node = new (mem) ZSkipNode();
  node->score = score;
  node->len = static_cast<uint32_t>(member.size());
  node->level = static_cast<uint8_t>(level);
  for (int i = 0; i < level; ++i) node->levels()[i] = Level{nullptr, 0};
  if (!member.empty()) std::memcpy(node->levels() + level, member.data(), member.size());
  return node;
}

SkiplistZSet::SkiplistZSet() : header_(ZSkipNode::Create(kMaxLevel, 0, {})) {}

SkiplistZSet::~SkiplistZSet() {
  ZSkipNode* x = header_->levels()[0].forward;
  while (x != nullptr) {
    ZSkipNode* next = x->levels()[0].forward;
    ZSkipNode::Destroy(x);
    x = next;
  }
  ZSkipNode::Destroy(header_);
}

std::unique_ptr<Aggregate> SkiplistZSet::Clone() const {
  auto copy = std::make_unique<SkiplistZSet>();
  for (const ZSkipNode* x = header_->levels()[0].forward; x != nullptr;
       x = x->levels()[0].forward) {
    copy->Set(x->Key(), x->score);
  }
  return copy;
}

size_t SkiplistZSet::MemoryUsage() const {
  return sizeof(SkiplistZSet) + node_bytes_ + table_.BucketBytes() +
         RoundAlloc(sizeof(ZSkipNode) + kMaxLevel * sizeof(ZSkipNode::Level));
}

bool SkiplistZSet::Score(std::string_view member, double* score) const {
  const ZSkipNode* n = table_.Find(member);
  if (n == nullptr) return false;
  *score = n->score;
  return true;
}

bool SkiplistZSet::Rank(std::string_view member, size_t* rank) const {
  const ZSkipNode* node = table_.Find(member);
  if (node == nullptr) return false;
  size_t r = 0;
  const ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr) {
      const ZSkipNode* f = x->levels()[i].forward;
      if (f != node && !Less(f->score, f->Key(), node->score, node->Key())) break;
      r += x->levels()[i].span;
      x = f;
      if (x == node) {
        *rank = r - 1;
        return true;
      }
    }
  }
  *rank = r - 1;  // not reached for a linked node
  return true;
}

size_t SkiplistZSet::CountBefore(const Before& before) const {
  size_t r = 0;
  const ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr) {
      const ZSkipNode* f = x->levels()[i].forward;
      if (!before(f->Key(), f->score)) break;
      r += x->levels()[i].span;
      x = f;
    }
  }
  return r;
}

ZSkipNode* SkiplistZSet::AtRank(size_t rank) const {
  const size_t target = rank + 1;  // spans count from the header
  size_t traversed = 0;
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr && traversed + x->levels()[i].span <= target) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

void SkiplistZSet::Walk(size_t start, size_t end, bool reverse, const Visit& fn) const {
  if (start >= end) return;
  if (!reverse) {
    const ZSkipNode* x = AtRank(start);
    for (size_t r = start; r < end && x != nullptr; ++r, x = x->levels()[0].forward) {
      if (!fn(x->Key(), x->score)) return;
    }
    return;
  }
  const ZSkipNode* x = AtRank(end - 1);
  for (size_t r = end; r > start && x != nullptr; --r, x = x->backward) {
    if (!fn(x->Key(), x->score)) return;
  }
}

void SkiplistZSet::Link(ZSkipNode* node) {
  ZSkipNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->levels()[i].forward != nullptr &&
           Less(x->levels()[i].forward->score, x->levels()[i].forward->Key(), node->score,
                node->Key())) {
      rank[i] += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  const int level = node->level;
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = header_;
      header_->levels()[i].span = length_;
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    node->levels()[i].forward = update[i]->levels()[i].forward;
    update[i]->levels()[i].forward = node;
    node->levels()[i].span = update[i]->levels()[i].span - (rank[0] - rank[i]);
    update[i]->levels()[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) ++update[i]->levels()[i].span;
  node->backward = update[0] == header_ ? nullptr : update[0];
  if (node->levels()[0].forward != nullptr) {
    node->levels()[0].forward->backward = node;
  } else {
    tail_ = node;
  }
  ++length_;
}

void SkiplistZSet::Unlink(ZSkipNode* node) {
  ZSkipNode* update[kMaxLevel];
  ZSkipNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward != nullptr && x->levels()[i].forward != node &&
           Less(x->levels()[i].forward->score, x->levels()[i].forward->Key(), node->score,
                node->Key())) {
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
  for (int i = 0; i < level_; ++i) {
    if (update[i]->levels()[i].forward == node) {
      update[i]->levels()[i].span += node->levels()[i].span - 1;
      update[i]->levels()[i].forward = node->levels()[i].forward;
    } else {
      --update[i]->levels()[i].span;
    }
  }
  if (node->levels()[0].forward != nullptr) {
    node->levels()[0].forward->backward = node->backward;
  } else {
    tail_ = node->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

bool SkiplistZSet::Set(std::string_view member, double score) {
  ZSkipNode* node = table_.Find(member);
  if (node != nullptr) {
    if (node->score == score) return false;
    Unlink(node);
    node->score = score;
    Link(node);
    return false;
  }
  node = ZSkipNode::Create(RandomLevel(), score, member);
  Link(node);
  table_.Insert(node);
  node_bytes_ +=
      RoundAlloc(sizeof(ZSkipNode) + node->level * sizeof(ZSkipNode::Level) + member.size());
  return true;
}

bool SkiplistZSet::Delete(std::string_view member) {
  ZSkipNode* node = table_.Remove(member);
  if (node == nullptr) return false;
  Unlink(node);
  node_bytes_ -= RoundAlloc(sizeof(ZSkipNode) + node->level * sizeof(ZSkipNode::Level) + node->len);
  ZSkipNode::Destroy(node);
  return true;
}

}  // namespace baton::store
