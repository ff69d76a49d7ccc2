#include "vlsi/model/compute_dtype.h"

#include "vlsi/io/error.h"

namespace vlsi::model {

torch::ScalarType training_dtype_from_name(const std::string& name, const std::string& where) {
  if (name == "float32") return torch::kFloat;
  if (name == "bfloat16") return torch::kBFloat16;
  fail(where, ": expected \"float32\" or \"bfloat16\", got \"", name, "\"",
       name == "float16" ? " (float16 training needs loss scaling, which vlsi does not do; use bfloat16)" : "");
}

c10::optional<torch::ScalarType> inference_dtype_from_name(const std::string& name, const std::string& where) {
  if (name.empty()) return c10::nullopt;
  if (name == "float32") return torch::kFloat;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kHalf;
  fail(where, ": expected \"float32\", \"bfloat16\" or \"float16\" (or nothing: the model's own dtype), got \"", name,
       "\"");
}

torch::Device device_from_name(const std::string& name, const std::string& where) {
  try {
    return torch::Device(name);
  } catch (const c10::Error&) {
    fail(where, ": expected cpu, cuda or cuda:N, got '", name, "'");
  }
}

}  // namespace vlsi::model
