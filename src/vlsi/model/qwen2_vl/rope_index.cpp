#include "vlsi/model/qwen2_vl/rope_index.h"

#include <algorithm>

#include "vlsi/io/error.h"

namespace vlsi::model::qwen2_vl {

namespace {

// One row's real tokens -> their [3][n] positions, taking images from `grids` at `next_image`.
std::array<std::vector<int64_t>, 3> row_positions(const std::vector<int64_t>& ids,
                                                  const std::vector<std::array<int64_t, 3>>& grids,
                                                  size_t& next_image, const RopeIndexTokens& tok) {
  const int64_t n = int64_t(ids.size());
  int64_t images = 0;
  for (int64_t i = 0; i + 1 < n; ++i)
    if (ids[size_t(i)] == tok.vision_start_token_id && ids[size_t(i + 1)] == tok.image_token_id) ++images;
  std::array<std::vector<int64_t>, 3> pos;
  int64_t next = 0;  // one past the largest position so far
  auto text = [&](int64_t count) {
    for (int64_t k = 0; k < count; ++k)
      for (auto& row : pos) row.push_back(next + k);
    next += count;
  };
  int64_t st = 0;
  for (int64_t img = 0; img < images; ++img) {
    auto it = std::find(ids.begin() + st, ids.end(), tok.image_token_id);
    check(it != ids.end(), "model input: an image's tokens are missing after position ", st);
    check(next_image < grids.size(), "model input: the prompts hold more images than the ", grids.size(), " given");
    const auto& g = grids[next_image++];
    const int64_t ed = int64_t(it - ids.begin());
    const int64_t gt = g[0], gh = g[1] / tok.spatial_merge_size, gw = g[2] / tok.spatial_merge_size;
    text(ed - st);
    const int64_t stride = tok.image_frame_stride;
    for (int64_t t = 0; t < gt; ++t)
      for (int64_t h = 0; h < gh; ++h)
        for (int64_t w = 0; w < gw; ++w) {
          pos[0].push_back(next + t * stride);
          pos[1].push_back(next + h);
          pos[2].push_back(next + w);
        }
    next += std::max({(gt - 1) * stride + 1, gh, gw});
    st = ed + gt * gh * gw;
    check(st <= n, "model input: an image needs ", gt * gh * gw, " tokens, the prompt ends first");
  }
  text(n - st);
  return pos;
}

}  // namespace

torch::Tensor mrope_position_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                 const std::vector<std::array<int64_t, 3>>& grids, const RopeIndexTokens& tokens) {
  check(input_ids.dim() == 2, "model input: input_ids must be [B, T], got ", input_ids.sizes());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  torch::Tensor ids = input_ids.to(torch::kCPU, torch::kLong).contiguous();
  torch::Tensor mask = attention_mask.defined() ? attention_mask.to(torch::kCPU, torch::kLong).contiguous()
                                                : torch::ones({B, T}, torch::kLong);
  torch::Tensor out = torch::ones({3, B, T}, torch::kLong);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<int64_t, 2>();
  auto out_a = out.accessor<int64_t, 3>();
  size_t next_image = 0;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> real, where;
    for (int64_t t = 0; t < T; ++t)
      if (mask_a[b][t] == 1) {
        real.push_back(ids_a[b][t]);
        where.push_back(t);
      }
    auto pos = row_positions(real, grids, next_image, tokens);
    for (int64_t r = 0; r < 3; ++r)
      for (size_t k = 0; k < where.size(); ++k) out_a[r][b][where[k]] = pos[size_t(r)][k];
  }
  check(next_image == grids.size(), "model input: ", grids.size(), " images given but the prompts place ", next_image,
        " (each needs <|vision_start|> before its image tokens)");
  return out.to(input_ids.device());
}

}  // namespace vlsi::model::qwen2_vl
