#include "vlsi/model/attention.h"

#include <cmath>
#include <limits>

#include "vlsi/io/error.h"
#include "vlsi/model/fused_ops.h"

namespace vlsi::model {

torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const torch::Tensor& bias, bool is_causal) {
  const int64_t B = q.size(0), Hq = q.size(1), D = q.size(3);
  const int64_t Hkv = k.size(1), S = k.size(2);
  check(Hq % Hkv == 0, "attention: ", Hq, " query heads are not a multiple of ", Hkv, " key/value heads");
  const int64_t G = Hq / Hkv;
  // The fused kernel wants equal head counts: share each kv head across its group.
  torch::Tensor kk = G == 1 ? k : k.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
  torch::Tensor vv = G == 1 ? v : v.unsqueeze(2).expand({B, Hkv, G, S, D}).reshape({B, Hq, S, D});
  c10::optional<torch::Tensor> mask;
  if (bias.defined()) mask = bias.to(q.scalar_type());
  check(!(is_causal && bias.defined()), "attention: is_causal with an explicit bias");
  return at::scaled_dot_product_attention(q, kk, vv, mask, 0.0, is_causal);
}

torch::Tensor causal_attention_bias(const torch::Tensor& key_mask, int64_t query_len, torch::ScalarType dtype) {
  const int64_t B = key_mask.size(0), S = key_mask.size(1), T = query_len;
  check(T <= S, "attention: ", T, " queries but only ", S, " key positions");
  auto opts = torch::TensorOptions().device(key_mask.device());
  // Query i sits at key position S - T + i and may see keys at or before it.
  auto q_pos = torch::arange(S - T, S, opts.dtype(torch::kLong)).unsqueeze(1);
  auto k_pos = torch::arange(S, opts.dtype(torch::kLong)).unsqueeze(0);
  auto causal = (k_pos <= q_pos).view({1, 1, T, S});
  auto keep = key_mask.to(torch::kBool).view({B, 1, 1, S});
  auto self = (k_pos == q_pos).view({1, 1, T, S});
  auto allowed = (causal & keep) | self;
  return torch::zeros({B, 1, T, S}, opts.dtype(dtype))
      .masked_fill_(allowed.logical_not(), -std::numeric_limits<double>::infinity());
}

torch::Tensor position_ids_from_mask(const torch::Tensor& mask) {
  auto m = mask.to(torch::kLong);
  return (m.cumsum(1) - 1).masked_fill_(m == 0, 1);
}

torch::Tensor largest_real_position(const torch::Tensor& position_ids, const torch::Tensor& mask) {
  auto p = position_ids.to(mask.device(), torch::kLong);
  auto per_token = p.dim() == 3 ? std::get<0>(p.max(0)) : p;
  return std::get<0>(per_token.masked_fill(mask == 0, -1).max(1));
}

RotaryTables rotary_tables(const torch::Tensor& position_ids, int64_t head_dim, double theta, torch::ScalarType dtype) {
  // inv_freq_j = theta^(-2j/D), computed in float32 as transformers does.
  auto opts = torch::TensorOptions().device(position_ids.device()).dtype(torch::kFloat);
  auto exponent = torch::arange(0, head_dim, 2, opts.dtype(torch::kLong)).to(torch::kFloat) / static_cast<double>(head_dim);
  auto inv_freq = torch::pow(torch::full({}, theta, opts), exponent).reciprocal();
  auto angles = position_ids.to(torch::kFloat).unsqueeze(-1) * inv_freq;  // [B, T, D/2]
  angles = angles.unsqueeze(1);                                           // [B, 1, T, D/2]
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

RotaryTables multimodal_rotary_tables(const torch::Tensor& position_ids, int64_t head_dim, double theta,
                                      torch::ScalarType dtype, const std::vector<int64_t>& mrope_section) {
  if (position_ids.dim() == 2) return rotary_tables(position_ids, head_dim, theta, dtype);  // every row alike
  check(position_ids.dim() == 3 && position_ids.size(0) == 3 && mrope_section.size() == 3,
        "rotary: M-RoPE takes [3, B, T] positions and 3 sections, got ", position_ids.sizes(), " and ",
        mrope_section.size(), " sections");
  // Frequency j rotates by the temporal, height or width position, by section.
  std::vector<torch::Tensor> cos, sin;
  int64_t first = 0;
  for (int64_t r = 0; r < 3; ++r) {
    RotaryTables t = rotary_tables(position_ids[r], head_dim, theta, dtype);
    const int64_t n = mrope_section[size_t(r)];
    cos.push_back(t.cos.narrow(-1, first, n));
    sin.push_back(t.sin.narrow(-1, first, n));
    first += n;
  }
  return {torch::cat(cos, -1), torch::cat(sin, -1)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& rope) {
  return rotary(x, rope.cos, rope.sin);
}

}  // namespace vlsi::model
