#pragma once
// Attention primitives shared by the SigLIP encoder and the Qwen2 decoder.
// Shapes are [batch, heads, length, head_dim]; keys/values may have fewer heads
// than queries (grouped-query attention) and a different length than the
// queries (so a KV cache can prepend past keys/values without changing this code).
#include <torch/torch.h>

#include <vector>

namespace vlsi::model {

// softmax(q k^T / sqrt(D) + bias) v.
// q [B, Hq, T, D]; k, v [B, Hkv, S, D] with Hq % Hkv == 0: query head h reads
// kv head h / (Hq / Hkv), as Hugging Face's repeat_kv does. bias: additive,
// broadcastable to [B, 1, T, S] (0 keeps, -inf drops), or undefined for none.
// is_causal (with no bias, T == S): query i sees keys 0..i, the case the fused
// kernels handle without materialising a mask, as transformers' sdpa path does
// for an unpadded batch. Softmax runs in float32 for half-precision inputs.
// Returns [B, Hq, T, D].
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& bias, bool is_causal = false);

// Additive causal + padding bias [B, 1, T, S] for T queries that are the last T
// of S key positions. key_mask [B, S]: 1 = real token, 0 = padding. A padded
// query still sees itself, so its row is never all -inf (no NaN anywhere); its
// output is meaningless and real tokens never attend to it.
torch::Tensor causal_attention_bias(const torch::Tensor& key_mask, int64_t query_len, torch::ScalarType dtype);

// Position ids that skip padding: cumsum(mask) - 1, with 1 at padded slots (as
// transformers' generate() does), so a left-padded row gets the same positions
// as the unpadded one. mask [B, T] -> int64 [B, T].
torch::Tensor position_ids_from_mask(const torch::Tensor& mask);

// Each row's largest position among its real tokens (mask 1), over the three
// rows of M-RoPE's [3, B, T] or of [B, T] positions: [B], -1 for a row without
// tokens. The next token of a row sits one past it (transformers' rope_deltas).
torch::Tensor largest_real_position(const torch::Tensor& position_ids, const torch::Tensor& mask);

// Rotary embedding (HF "rotate_half" convention: the head dimension is split in
// two halves, not interleaved pairs). cos/sin hold the first half only
// (the second half repeats it), shaped [B, 1, T, D/2] to broadcast over heads.
struct RotaryTables {
  torch::Tensor cos, sin;
};
RotaryTables rotary_tables(const torch::Tensor& position_ids, int64_t head_dim, double theta, torch::ScalarType dtype);
// Qwen2-VL's M-RoPE: position_ids [3, B, T] (temporal, height, width); the
// first mrope_section[0] frequencies turn by the temporal row, the next
// mrope_section[1] by the height row, the rest by the width row (transformers'
// apply_multimodal_rotary_pos_emb). [B, T] positions: plain rotary_tables.
RotaryTables multimodal_rotary_tables(const torch::Tensor& position_ids, int64_t head_dim, double theta,
                                      torch::ScalarType dtype, const std::vector<int64_t>& mrope_section);
// x [B, H, T, D] -> x * cos + rotate_half(x) * sin.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& rope);

}  // namespace vlsi::model
