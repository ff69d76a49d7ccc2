#pragma once
// Keys and values of every decoder layer for the positions seen so far, so a
// generation step runs the decoder over the new token only.
//
// Storage is preallocated per layer as [B, kv_heads, capacity, D] on the first
// append (dtype/device of the first keys) and written in place: appending a
// token costs its own size, not a copy of the whole past as torch::cat would.
// Besides the tensors the cache tracks, per row, which slots hold real tokens
// (key_mask, for left-padded batches) and the rotary position the next token
// gets, so positions skip padding exactly as position_ids_from_mask does in
// the uncached forward.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace vlsi::model {

class KvCache {
 public:
  // `layers`: how many decoder layers store keys/values (an early-exit run
  // stores only the layers it runs); `capacity`: the most positions a row holds.
  KvCache(int64_t layers, int64_t capacity);

  int64_t layers() const { return int64_t(keys_.size()); }
  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions stored (padding included)
  int64_t batch() const { return key_mask_.defined() ? key_mask_.size(0) : 0; }

  // Starts a step of T new positions with their mask [B, T] (1 = token): grows
  // the key mask and returns the new positions' rotary ids [B, T]. A model with
  // positions of its own (M-RoPE's [3, B, T]) passes them: they are returned,
  // and later steps continue after each row's largest.
  torch::Tensor begin_step(const torch::Tensor& new_mask, const torch::Tensor& positions = {});
  // Stores layer `layer`'s k, v [B, kv_heads, T, D] of the current step and
  // returns views over all stored positions [B, kv_heads, length + T, D].
  std::pair<torch::Tensor, torch::Tensor> append(int64_t layer, const torch::Tensor& k, const torch::Tensor& v);
  // Ends the step begun by begin_step (every layer has appended by now).
  void end_step();
  // The key mask over the stored positions plus the current step's [B, S].
  torch::Tensor key_mask() const;

  // Keeps rows `rows` (int64 [B'] indices into the current batch, repeats
  // allowed): beam search follows its surviving beams, a batch expands to beams.
  void select_rows(const torch::Tensor& rows);

  // Continuous batching (infer/continuous_batch.h): rows of different lengths
  // share one cache, right-aligned, each row's earlier slots masked out.
  // Appends `other`'s rows after this cache's (this may be empty: batch() 0)
  // and makes room for `capacity` positions (at least the merged length).
  void add_rows(const KvCache& other, int64_t capacity);
  // Drops the leading slots that no row uses (left after rows were removed),
  // so a batch that rows keep joining and leaving does not grow without end.
  void drop_unused_prefix();

 private:
  int64_t capacity_;
  int64_t length_ = 0;     // positions finished by end_step
  int64_t step_len_ = 0;   // positions of the step in progress
  std::vector<torch::Tensor> keys_, values_;  // [B, kv_heads, capacity, D], undefined until first append
  torch::Tensor key_mask_;       // [B, capacity] int64
  torch::Tensor next_position_;  // [B] int64: rotary id of each row's next real token
};

}  // namespace vlsi::model
