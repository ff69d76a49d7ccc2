#include "vlsi/model/kv_cache.h"

#include "vlsi/io/error.h"
#include "vlsi/model/attention.h"

namespace vlsi::model {

KvCache::KvCache(int64_t layers, int64_t capacity) : capacity_(capacity), keys_(size_t(layers)), values_(size_t(layers)) {
  check(layers > 0 && capacity > 0, "kv cache: needs at least one layer and one position, got ", layers, " layers and ",
        capacity, " positions");
}

torch::Tensor KvCache::begin_step(const torch::Tensor& new_mask, const torch::Tensor& positions) {
  check(step_len_ == 0, "kv cache: begin_step called twice without end_step");
  check(new_mask.dim() == 2, "kv cache: the step mask must be [B, T], got ", new_mask.sizes());
  const int64_t B = new_mask.size(0), T = new_mask.size(1);
  check(length_ + T <= capacity_, "kv cache: ", length_ + T, " positions exceed its capacity of ", capacity_);
  auto m = new_mask.to(torch::kLong);
  if (!key_mask_.defined()) {
    key_mask_ = torch::zeros({B, capacity_}, m.options());
    next_position_ = torch::zeros({B}, m.options());
  }
  check(B == batch(), "kv cache: a step of ", B, " rows on a cache of ", batch());
  key_mask_.narrow(1, length_, T).copy_(m);
  step_len_ = T;
  if (positions.defined()) {
    // The model's own positions (M-RoPE's [3, B, T]): the next token follows
    // the row's largest real position, as transformers' rope_deltas make it.
    check((positions.dim() == 3 && positions.size(0) == 3 && positions.size(1) == B && positions.size(2) == T) ||
              positions.sizes() == m.sizes(),
          "kv cache: positions must be [B, T] or [3, B, T] for a step of ", m.sizes(), ", got ", positions.sizes());
    auto largest = largest_real_position(positions, m);  // -1 for a row without tokens: it keeps its next
    next_position_ = torch::where(largest >= 0, largest + 1, next_position_);
    return positions;
  }
  // Real tokens count on from the row's previous real tokens; padded slots get
  // 1, as position_ids_from_mask gives them (their output is never used).
  auto out = (next_position_.unsqueeze(1) + m.cumsum(1) - 1).masked_fill_(m == 0, 1);
  next_position_ = next_position_ + m.sum(1);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v) {
  check(layer >= 0 && layer < layers(), "kv cache: layer ", layer, " outside 0..", layers() - 1);
  check(step_len_ > 0 && k.size(2) == step_len_ && v.sizes() == k.sizes(), "kv cache: layer ", layer,
        " appends keys ", k.sizes(), " and values ", v.sizes(), " in a step of ", step_len_, " positions");
  auto& K = keys_[size_t(layer)];
  auto& V = values_[size_t(layer)];
  if (!K.defined()) {
    K = torch::empty({k.size(0), k.size(1), capacity_, k.size(3)}, k.options());
    V = torch::empty({v.size(0), v.size(1), capacity_, v.size(3)}, v.options());
  }
  K.narrow(2, length_, step_len_).copy_(k);
  V.narrow(2, length_, step_len_).copy_(v);
  return {K.narrow(2, 0, length_ + step_len_), V.narrow(2, 0, length_ + step_len_)};
}

void KvCache::end_step() {
  length_ += step_len_;
  step_len_ = 0;
}

torch::Tensor KvCache::key_mask() const {
  check(key_mask_.defined(), "kv cache: no step has begun");
  return key_mask_.narrow(1, 0, length_ + step_len_);
}

void KvCache::select_rows(const torch::Tensor& rows) {
  check(step_len_ == 0, "kv cache: rows cannot be selected in the middle of a step");
  if (!key_mask_.defined()) return;
  auto idx = rows.to(key_mask_.device(), torch::kLong);
  key_mask_ = key_mask_.index_select(0, idx);
  next_position_ = next_position_.index_select(0, idx);
  for (size_t l = 0; l < keys_.size(); ++l) {
    if (!keys_[l].defined()) continue;
    keys_[l] = keys_[l].index_select(0, idx.to(keys_[l].device()));
    values_[l] = values_[l].index_select(0, idx.to(values_[l].device()));
  }
}

namespace {

// `src`'s first `length` slots [B, ..., length, ...] copied into the last
// `length` of `total` slots of a zeroed tensor with `capacity` slots on dim `dim`.
torch::Tensor right_aligned(const torch::Tensor& src, int64_t dim, int64_t length, int64_t total, int64_t capacity) {
  auto sizes = src.sizes().vec();
  sizes[size_t(dim)] = capacity;
  auto out = torch::zeros(sizes, src.options());
  out.narrow(dim, total - length, length).copy_(src.narrow(dim, 0, length));
  return out;
}

}  // namespace

void KvCache::add_rows(const KvCache& other, int64_t capacity) {
  check(step_len_ == 0 && other.step_len_ == 0, "kv cache: rows cannot be added in the middle of a step");
  check(other.layers() == layers(), "kv cache: adding rows of ", other.layers(), " layers to a cache of ", layers());
  check(other.key_mask_.defined(), "kv cache: the rows to add hold no positions");
  for (size_t l = 0; l < keys_.size(); ++l)
    check(other.keys_[l].defined(), "kv cache: the rows to add lack layer ", l, "'s keys");
  const int64_t length = std::max(length_, other.length_);
  const int64_t cap = std::max(capacity, length);
  auto merge = [&](const torch::Tensor& mine, const torch::Tensor& theirs, int64_t dim) {
    auto b = right_aligned(theirs, dim, other.length_, length, cap);
    if (batch() == 0 || !mine.defined()) return b;
    return torch::cat({right_aligned(mine, dim, length_, length, cap), b.to(mine.device())}, 0);
  };
  key_mask_ = merge(key_mask_, other.key_mask_, 1);
  for (size_t l = 0; l < keys_.size(); ++l) {
    keys_[l] = merge(keys_[l], other.keys_[l], 2);
    values_[l] = merge(values_[l], other.values_[l], 2);
  }
  next_position_ = next_position_.defined() && next_position_.size(0) > 0
                       ? torch::cat({next_position_, other.next_position_.to(next_position_.device())})
                       : other.next_position_.clone();
  length_ = length;
  capacity_ = cap;
}

void KvCache::drop_unused_prefix() {
  check(step_len_ == 0, "kv cache: slots cannot be dropped in the middle of a step");
  if (!key_mask_.defined() || length_ == 0) return;
  int64_t unused = length_;  // an empty batch uses no slot
  if (batch() > 0) {
    auto used = key_mask_.narrow(1, 0, length_).any(0).nonzero();
    unused = used.numel() > 0 ? used[0][0].item<int64_t>() : length_;
  }
  if (unused == 0) return;
  const int64_t kept = length_ - unused;
  auto shift = [&](torch::Tensor& t, int64_t dim) {
    auto out = torch::zeros_like(t);
    out.narrow(dim, 0, kept).copy_(t.narrow(dim, unused, kept));
    t = out;
  };
  shift(key_mask_, 1);
  for (size_t l = 0; l < keys_.size(); ++l) {
    if (!keys_[l].defined()) continue;
    shift(keys_[l], 2);
    shift(values_[l], 2);
  }
  length_ = kept;
}

}  // namespace vlsi::model
