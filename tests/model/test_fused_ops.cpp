// The fused CPU kernels (RMSNorm, SwiGLU, rotary) and the fused linear
// against the plain torch compositions: same outputs and same gradients.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "vlsi/model/fused_linear.h"
#include "vlsi/model/fused_ops.h"

using namespace vlsi::model;

namespace {

// Output and input gradients of f(inputs) under a fixed random upstream gradient.
struct Result {
  torch::Tensor out;
  std::vector<torch::Tensor> grads;
};

template <typename F>
Result run(F f, const std::vector<torch::Tensor>& inputs, int64_t seed) {
  std::vector<torch::Tensor> leaves;
  for (const auto& t : inputs) leaves.push_back(t.detach().clone().requires_grad_(true));
  auto out = f(leaves);
  torch::manual_seed(seed);
  auto upstream = torch::randn(out.sizes());
  (out * upstream).sum().backward();
  Result r{out.detach(), {}};
  for (auto& l : leaves) r.grads.push_back(l.grad());
  return r;
}

void expect_close(const Result& fused, const Result& ref) {
  EXPECT_TRUE(torch::allclose(fused.out, ref.out, 1e-5, 1e-6)) << (fused.out - ref.out).abs().max();
  ASSERT_EQ(fused.grads.size(), ref.grads.size());
  for (size_t i = 0; i < ref.grads.size(); ++i)
    EXPECT_TRUE(torch::allclose(fused.grads[i], ref.grads[i], 1e-4, 1e-5))
        << "input " << i << ": " << (fused.grads[i] - ref.grads[i]).abs().max();
}

}  // namespace

TEST(FusedOps, RmsNormMatchesComposition) {
  torch::manual_seed(0);
  auto x = torch::randn({3, 7, 96}) * 3;
  auto w = torch::randn({96});
  auto fused = run([](auto& v) { return rms_norm(v[0], v[1], 1e-6); }, {x, w}, 1);
  auto ref = run([](auto& v) { return rms_norm_reference(v[0], v[1], 1e-6); }, {x, w}, 1);
  expect_close(fused, ref);
  // A non-contiguous input (every other row) takes the same path.
  auto strided = x.slice(1, 0, 7, 2);
  expect_close(run([](auto& v) { return rms_norm(v[0], v[1], 1e-6); }, {strided, w}, 2),
               run([](auto& v) { return rms_norm_reference(v[0], v[1], 1e-6); }, {strided, w}, 2));
}

TEST(FusedOps, RmsNormWeightGradientDoesNotDependOnThreads) {
  torch::manual_seed(0);
  auto x = torch::randn({300, 32}), w = torch::randn({32});
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  auto one = run([](auto& v) { return rms_norm(v[0], v[1], 1e-6); }, {x, w}, 3);
  torch::set_num_threads(2);
  auto two = run([](auto& v) { return rms_norm(v[0], v[1], 1e-6); }, {x, w}, 3);
  torch::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one.grads[1], two.grads[1]));
}

TEST(FusedOps, SwigluMatchesComposition) {
  torch::manual_seed(0);
  auto gate_up = torch::randn({4, 5, 2 * 24}) * 4;
  expect_close(run([](auto& v) { return swiglu(v[0]); }, {gate_up}, 1),
               run([](auto& v) { return swiglu_reference(v[0]); }, {gate_up}, 1));
}

TEST(FusedOps, RotaryMatchesCompositionOnStridedInputs) {
  torch::manual_seed(0);
  const int64_t B = 2, H = 3, T = 5, D = 8;
  // As the attention produces it: heads split out of a [B, T, H*D] projection, then transposed.
  auto proj = torch::randn({B, T, H * D + 4});
  auto x = proj.narrow(-1, 0, H * D).view({B, T, H, D}).transpose(1, 2);
  ASSERT_FALSE(x.is_contiguous());
  auto angles = torch::rand({B, 1, T, D / 2}) * 6;
  auto c = angles.cos(), s = angles.sin();
  expect_close(run([&](auto& v) { return rotary(v[0], c, s); }, {x}, 1),
               run([&](auto& v) { return rotary_reference(v[0], c, s); }, {x}, 1));
  // Tables shared by the batch ([1, 1, T, D/2]), as during cached decoding.
  auto c1 = c.narrow(0, 0, 1), s1 = s.narrow(0, 0, 1);
  expect_close(run([&](auto& v) { return rotary(v[0], c1, s1); }, {x}, 2),
               run([&](auto& v) { return rotary_reference(v[0], c1, s1); }, {x}, 2));
}

TEST(FusedOps, FusedLinearMatchesSeparateLayersWithAndWithoutAdapters) {
  torch::manual_seed(0);
  LoraLinear a(16, 8, true), b(16, 4, true);
  auto x = torch::randn({3, 5, 16});
  auto parts = fused_linear(x, {a, b});
  EXPECT_TRUE(torch::allclose(parts[0], a->forward(x), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(parts[1], b->forward(x), 1e-5, 1e-6));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  b->attach_adapter(LoraAdapterOptions{}, gen);
  torch::NoGradGuard no_grad;
  b->lora_B.normal_();  // a non-zero adapter term
  auto joined = fused_linear_joined(x, {a, b});
  EXPECT_TRUE(torch::allclose(joined.narrow(-1, 8, 4), b->forward(x), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(joined.narrow(-1, 0, 8), a->forward(x), 1e-5, 1e-6));
}

TEST(FusedOps, ProductsAreJoinedInFloat32OnlyAndSeparateInBfloat16) {
  // Joining concatenates the weights every step: worth it for float32's small
  // models, not in bf16 at real sizes (docs/benchmarks.md, "Real size").
  torch::manual_seed(0);
  LoraLinear a(16, 8, true), b(16, 4, true);
  auto x = torch::randn({3, 5, 16});
  auto joined = fused_linear(x, {a, b});
  EXPECT_TRUE(joined[0].storage().is_alias_of(joined[1].storage()));
  a->to(torch::kBFloat16);
  b->to(torch::kBFloat16);
  auto xb = x.to(torch::kBFloat16);
  EXPECT_FALSE(joins_products(xb));
  auto parts = fused_linear(xb, {a, b});
  EXPECT_FALSE(parts[0].storage().is_alias_of(parts[1].storage()));
  EXPECT_TRUE(torch::equal(parts[0], a->forward(xb)));
  EXPECT_TRUE(torch::equal(parts[1], b->forward(xb)));
  auto plain = fused_linear(xb, {a->weight, b->weight}, {a->bias, b->bias});
  EXPECT_TRUE(torch::equal(plain[1], torch::linear(xb, b->weight, b->bias)));
}
