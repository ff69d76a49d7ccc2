#include <gtest/gtest.h>

#include <cmath>

#include "tiny_model.h"
#include "vlsi/model/attention.h"
#include "vlsi/model/qwen2.h"

using namespace vlsi::model;

namespace {

// Textbook attention with explicit repeat_kv, in float64.
torch::Tensor naive_attention(torch::Tensor q, torch::Tensor k, torch::Tensor v, torch::Tensor bias) {
  int64_t g = q.size(1) / k.size(1);
  k = k.repeat_interleave(g, 1);
  v = v.repeat_interleave(g, 1);
  auto s = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(q.size(-1)));
  if (bias.defined()) s = s + bias;
  return torch::matmul(torch::softmax(s, -1), v);
}

}  // namespace

TEST(Attention, GroupedQueryMatchesRepeatKvValuesAndGradients) {
  torch::manual_seed(0);
  auto opts = torch::TensorOptions().dtype(torch::kDouble).requires_grad(true);
  auto q = torch::randn({2, 6, 5, 8}, opts), k = torch::randn({2, 2, 5, 8}, opts), v = torch::randn({2, 2, 5, 8}, opts);
  auto mask = torch::tensor({1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, torch::kLong).view({2, 5});
  auto bias = causal_attention_bias(mask, 5, torch::kDouble);
  auto ours = vlsi::model::scaled_dot_product_attention(q, k, v, bias);
  auto ref = naive_attention(q, k, v, bias);
  EXPECT_TRUE(torch::allclose(ours, ref, 1e-10, 1e-10));
  auto w = torch::randn_like(ref);
  auto g_ours = torch::autograd::grad({(ours * w).sum()}, {q, k, v});
  auto g_ref = torch::autograd::grad({(ref * w).sum()}, {q, k, v});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(g_ours[i], g_ref[i], 1e-10, 1e-10)) << i;
  // No mask at all (the vision tower) and equal head counts.
  auto k6 = torch::randn({2, 6, 5, 8}, torch::kDouble), v6 = torch::randn({2, 6, 5, 8}, torch::kDouble);
  EXPECT_TRUE(torch::allclose(vlsi::model::scaled_dot_product_attention(q, k6, v6, {}), naive_attention(q, k6, v6, {}), 1e-10, 1e-10));
}

TEST(Attention, CausalPaddingBiasAndPositions) {
  auto mask = torch::tensor({0, 0, 1, 1}, torch::kLong).view({1, 4});
  auto bias = causal_attention_bias(mask, 4, torch::kFloat)[0][0];
  auto allowed = torch::isfinite(bias);
  // Row i may see keys <= i that are real; a padded query sees only itself.
  auto want = torch::tensor({1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1}, torch::kBool).view({4, 4});
  EXPECT_TRUE(torch::equal(allowed, want)) << allowed;
  EXPECT_EQ(bias.masked_select(allowed).abs().max().item<float>(), 0.0f);
  // Two queries that are the last two of four key positions (the KV-cache case).
  auto tail = causal_attention_bias(torch::ones({1, 4}), 2, torch::kFloat)[0][0];
  EXPECT_TRUE(torch::equal(torch::isfinite(tail), want.slice(0, 2).logical_or(torch::tensor({1, 1, 1, 0}, torch::kBool))));
  EXPECT_TRUE(torch::equal(position_ids_from_mask(mask), torch::tensor({1, 1, 0, 1}, torch::kLong).view({1, 4})));
  EXPECT_TRUE(torch::equal(position_ids_from_mask(torch::ones({1, 3})), torch::arange(3, torch::kLong).view({1, 3})));
}

TEST(Attention, RotaryMatchesRotateHalfAndPreservesNorm) {
  torch::manual_seed(1);
  auto x = torch::randn({1, 2, 5, 8}, torch::kDouble);
  auto pos = torch::arange(5, torch::kLong).view({1, 5});
  auto rope = rotary_tables(pos, 8, 10000.0, torch::kDouble);
  auto ours = apply_rotary(x, rope);
  // HF: emb = cat(freqs, freqs); x * cos(emb) + rotate_half(x) * sin(emb).
  auto inv = 1.0 / torch::pow(10000.0, torch::arange(0, 8, 2, torch::kDouble) / 8.0);
  auto ang = pos.to(torch::kDouble).unsqueeze(-1) * inv;
  auto emb = torch::cat({ang, ang}, -1).unsqueeze(1);
  auto rot = torch::cat({-x.narrow(-1, 4, 4), x.narrow(-1, 0, 4)}, -1);
  EXPECT_TRUE(torch::allclose(ours, x * emb.cos() + rot * emb.sin(), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(ours.norm(2, -1), x.norm(2, -1), 1e-6, 1e-6));  // tables are float32, as HF
  EXPECT_TRUE(torch::equal(ours.select(2, 0), x.select(2, 0)));  // position 0 is the identity
}

TEST(Attention, ProjectThenAttendSupportsCachedKeys) {
  // What a KV cache will do: keys/values of all positions, queries of the last one only.
  auto c = test_support::tiny_config().text_config;
  torch::manual_seed(2);
  Qwen2Attention attn(c);
  torch::NoGradGuard g;
  const int64_t T = 7;
  auto x = torch::randn({1, T, c.hidden_size});
  auto mask = torch::ones({1, T}, torch::kLong);
  auto rope = rotary_tables(position_ids_from_mask(mask), c.head_dim(), c.rope_theta, torch::kFloat);
  auto full = attn->forward(x, rope, causal_attention_bias(mask, T, torch::kFloat));
  auto p = attn->project(x, rope);
  p.q = p.q.slice(2, T - 1);
  auto last = attn->attend(p, causal_attention_bias(mask, 1, torch::kFloat));
  EXPECT_TRUE(torch::allclose(last[0][0], full[0][T - 1], 1e-5, 1e-6));
}
