#include "vlsi/model/fused_ops.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace vlsi::model {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool cpu_float(const Tensor& t) { return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat; }

// Rows per parallel task so that each task touches at least ~16k floats.
int64_t grain_rows(int64_t row_len) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_len)); }

// y = w * (x * r), r = 1 / sqrt(mean(x^2) + eps) per row.
// dx = r * (dy w - n * mean(dy w n)) with n = x r;  dw = sum over rows of dy n.
class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& x_in, const Tensor& w_in, double eps) {
    Tensor x = x_in.contiguous(), w = w_in.contiguous();
    const int64_t H = x.size(-1), R = x.numel() / H;
    Tensor y = torch::empty_like(x, at::MemoryFormat::Contiguous);
    Tensor rstd = torch::empty({R}, x.options());
    const float *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>();
    float *yp = y.data_ptr<float>(), *rp = rstd.data_ptr<float>();
    at::parallel_for(0, R, grain_rows(H), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* xr = xp + r * H;
        float* yr = yp + r * H;
        double sum = 0;
        for (int64_t j = 0; j < H; ++j) sum += double(xr[j]) * xr[j];
        const float rs = 1.0f / std::sqrt(float(sum / double(H)) + float(eps));
        rp[r] = rs;
        for (int64_t j = 0; j < H; ++j) yr[j] = wp[j] * (xr[j] * rs);
      }
    });
    ctx->save_for_backward({x, w, rstd});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const Tensor &x = saved[0], &w = saved[1], &rstd = saved[2];
    Tensor dy = grads[0].contiguous();
    const int64_t H = x.size(-1), R = x.numel() / H;
    Tensor dx = torch::empty_like(x, at::MemoryFormat::Contiguous);
    // dw: fixed row chunks, each with its own partial sum, so the result does
    // not depend on the thread count; the partials are then summed.
    // (R >= 1: rms_norm only dispatches non-empty inputs here.)
    const int64_t chunks = std::min<int64_t>(R, 64), per_chunk = (R + chunks - 1) / chunks;
    Tensor dw_parts = torch::zeros({chunks, H}, x.options());
    const float *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>(), *rp = rstd.data_ptr<float>(),
                *gp = dy.data_ptr<float>();
    float *dxp = dx.data_ptr<float>(), *dwp = dw_parts.data_ptr<float>();
    at::parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        float* dwc = dwp + c * H;
        for (int64_t r = c * per_chunk; r < std::min(R, (c + 1) * per_chunk); ++r) {
          const float *xr = xp + r * H, *gr = gp + r * H;
          float* dxr = dxp + r * H;
          const float rs = rp[r];
          double dot = 0;
          for (int64_t j = 0; j < H; ++j) dot += double(gr[j]) * wp[j] * (xr[j] * rs);
          const float mean_dot = float(dot / double(H));
          for (int64_t j = 0; j < H; ++j) {
            const float n = xr[j] * rs;
            dxr[j] = rs * (gr[j] * wp[j] - n * mean_dot);
            dwc[j] += gr[j] * n;
          }
        }
      }
    });
    return {dx, dw_parts.sum(0), Tensor()};
  }
};

// out = g s u with s = sigmoid(g); dg = dout u s (1 + g (1 - s)), du = dout g s.
class SwigluFunction : public torch::autograd::Function<SwigluFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& gate_up_in) {
    Tensor gu = gate_up_in.contiguous();
    const int64_t I = gu.size(-1) / 2, R = gu.numel() / (2 * I);
    auto out_shape = gu.sizes().vec();
    out_shape.back() = I;
    Tensor sig = torch::empty(out_shape, gu.options());
    at::sigmoid_out(sig, gu.narrow(-1, 0, I));
    Tensor out = torch::empty(out_shape, gu.options());
    const float *gp = gu.data_ptr<float>(), *sp = sig.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, R, grain_rows(2 * I), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float *__restrict g = gp + r * 2 * I, *__restrict u = g + I, *__restrict s = sp + r * I;
        float* __restrict o = op + r * I;
        for (int64_t j = 0; j < I; ++j) o[j] = g[j] * s[j] * u[j];
      }
    });
    ctx->save_for_backward({gu, sig});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const Tensor &gu = saved[0], &sig = saved[1];
    Tensor dout = grads[0].contiguous();
    const int64_t I = gu.size(-1) / 2, R = gu.numel() / (2 * I);
    Tensor dgu = torch::empty_like(gu, at::MemoryFormat::Contiguous);
    const float *gp = gu.data_ptr<float>(), *sp = sig.data_ptr<float>(), *dp = dout.data_ptr<float>();
    float* rp = dgu.data_ptr<float>();
    at::parallel_for(0, R, grain_rows(2 * I), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        // __restrict: the outputs never alias the inputs, so the loop vectorises.
        const float *__restrict g = gp + r * 2 * I, *__restrict u = g + I, *__restrict s = sp + r * I,
                                *__restrict d = dp + r * I;
        float *__restrict dg = rp + r * 2 * I, *__restrict du = dg + I;
        for (int64_t j = 0; j < I; ++j) {
          dg[j] = d[j] * u[j] * s[j] * (1.0f + g[j] * (1.0f - s[j]));
          du[j] = d[j] * g[j] * s[j];
        }
      }
    });
    return {dgu};
  }
};

// Rotation of each (x1_j, x2_j) pair by the angle whose cos/sin the tables
// hold; the backward rotates the gradient back (the transpose of a rotation).
class RotaryFunction : public torch::autograd::Function<RotaryFunction> {
 public:
  static Tensor forward(AutogradContext* ctx, const Tensor& x_in, const Tensor& cos_in, const Tensor& sin_in) {
    Tensor cos = cos_in.contiguous(), sin = sin_in.contiguous();
    Tensor out = rotate(x_in, cos, sin, /*inverse=*/false);
    ctx->save_for_backward({cos, sin});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    return {rotate(grads[0], saved[0], saved[1], /*inverse=*/true), Tensor(), Tensor()};
  }

  // x [B, heads, T, D] with any strides but a unit last one; tables [1 or B, 1, T, D/2] contiguous.
  static Tensor rotate(const Tensor& x_in, const Tensor& cos, const Tensor& sin, bool inverse) {
    Tensor x = x_in.stride(-1) == 1 ? x_in : x_in.contiguous();
    const int64_t B = x.size(0), heads = x.size(1), T = x.size(2), D = x.size(3), half = D / 2;
    const int64_t table_batch_stride = cos.size(0) == 1 ? 0 : T * half;
    Tensor out = torch::empty({B, heads, T, D}, x.options());
    const float *xp = x.data_ptr<float>(), *cp = cos.data_ptr<float>(), *sp = sin.data_ptr<float>();
    float* op = out.data_ptr<float>();
    const int64_t s0 = x.stride(0), s1 = x.stride(1), s2 = x.stride(2);
    const float sign = inverse ? -1.0f : 1.0f;
    at::parallel_for(0, B * heads * T, grain_rows(D), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t t = row % T, h = (row / T) % heads, b = row / (T * heads);
        const float* xr = xp + b * s0 + h * s1 + t * s2;
        const float *c = cp + b * table_batch_stride + t * half, *s = sp + b * table_batch_stride + t * half;
        float* o = op + row * D;
        for (int64_t j = 0; j < half; ++j) {
          const float x1 = xr[j], x2 = xr[half + j], sj = sign * s[j];
          o[j] = x1 * c[j] - x2 * sj;
          o[half + j] = x2 * c[j] + x1 * sj;
        }
      }
    });
    return out;
  }
};

}  // namespace

torch::Tensor rms_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto xf = x.scalar_type() == torch::kFloat ? x : x.to(torch::kFloat);
  auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * (x.scalar_type() == torch::kFloat ? normed : normed.to(x.scalar_type()));
}

torch::Tensor swiglu_reference(const torch::Tensor& gate_up) {
  auto parts = gate_up.chunk(2, -1);
  return torch::silu(parts[0]) * parts[1];
}

torch::Tensor rotary_reference(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  // Same products as x*cos + cat(-x2, x1)*sin with cos/sin's halves equal.
  return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  if (cpu_float(x) && cpu_float(weight) && weight.dim() == 1 && x.dim() >= 1 && x.size(-1) == weight.size(0) &&
      x.numel() > 0)
    return RmsNormFunction::apply(x, weight, eps);
  return rms_norm_reference(x, weight, eps);
}

torch::Tensor swiglu(const torch::Tensor& gate_up) {
  if (cpu_float(gate_up) && gate_up.dim() >= 1 && gate_up.size(-1) % 2 == 0 && gate_up.numel() > 0)
    return SwigluFunction::apply(gate_up);
  return swiglu_reference(gate_up);
}

torch::Tensor rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const bool tables_fit = x.dim() == 4 && cos.dim() == 4 && sin.sizes() == cos.sizes() && x.size(-1) % 2 == 0 &&
                          (cos.size(0) == 1 || cos.size(0) == x.size(0)) && cos.size(1) == 1 &&
                          cos.size(2) == x.size(2) && cos.size(3) == x.size(3) / 2;
  if (tables_fit && cpu_float(x) && cpu_float(cos) && cpu_float(sin) && x.numel() > 0)
    return RotaryFunction::apply(x, cos, sin);
  return rotary_reference(x, cos, sin);
}

}  // namespace vlsi::model
