#include "vlsi/train/master_weights.h"

#include <set>

#include "vlsi/io/error.h"
#include "vlsi/train/torch_file.h"

namespace vlsi::train {
namespace {

bool low_precision(const torch::Tensor& p) {
  return p.scalar_type() == torch::kBFloat16 || p.scalar_type() == torch::kHalf;
}

}  // namespace

MasterWeights::MasterWeights(std::vector<torch::Tensor> params) : params_(std::move(params)) {
  torch::NoGradGuard no_grad;
  std::set<const void*> seen;
  for (const auto& p : params_) {
    torch::Tensor m;
    if (low_precision(p)) {
      // Two copies of one parameter would overwrite each other's update.
      check(seen.insert(p.unsafeGetTensorImpl()).second, "trainer: a trainable parameter of shape ", p.sizes(),
            " is listed twice");
      // Contiguous, so FusedAdamW takes its single-pass path.
      m = torch::empty(p.sizes(), p.options().dtype(torch::kFloat)).copy_(p);
      m.set_requires_grad(true);
    }
    masters_.push_back(m);
    optimizer_params_.push_back(m.defined() ? m : p);
  }
}

bool MasterWeights::active() const {
  for (const auto& m : masters_)
    if (m.defined()) return true;
  return false;
}

void MasterWeights::accumulate_grads() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!masters_[i].defined() || !p.grad().defined()) continue;
    auto& g = masters_[i].mutable_grad();
    if (g.defined())
      g.add_(p.grad());
    else
      g = torch::empty(masters_[i].sizes(), masters_[i].options()).copy_(p.grad());
    p.mutable_grad().reset();
  }
}

void MasterWeights::copy_to_model() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i)
    if (masters_[i].defined()) params_[i].copy_(masters_[i]);
}

void MasterWeights::copy_from_model() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i)
    if (masters_[i].defined()) masters_[i].copy_(params_[i]);
}

void MasterWeights::save(const std::string& path) const {
  std::vector<torch::Tensor> copies;
  for (const auto& m : masters_)
    if (m.defined()) copies.push_back(m.detach());
  save_torch_file(path, [&](const TorchWriter& w) { torch::save(copies, w); });
}

void MasterWeights::load(const std::string& path) {
  std::vector<torch::Tensor> copies;
  load_torch_file(path, [&] { torch::load(copies, path); });
  torch::NoGradGuard no_grad;
  size_t k = 0;
  for (auto& m : masters_) {
    if (!m.defined()) continue;
    check(k < copies.size() && copies[k].sizes() == m.sizes(), path, ": master weight ", k,
          " is missing or mis-shaped (the checkpoint is not of this run's trainable parameters)");
    m.copy_(copies[k++]);
  }
  check(k == copies.size(), path, ": ", copies.size(), " master weights for ", k, " low-precision parameters");
  copy_to_model();
}

}  // namespace vlsi::train
