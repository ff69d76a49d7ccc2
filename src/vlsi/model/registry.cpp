#include "vlsi/model/registry.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/config_limits.h"
#include "vlsi/model/llava_onevision/family.h"
#include "vlsi/model/qwen2_5_vl/family.h"
#include "vlsi/model/qwen2_text/family.h"
#include "vlsi/model/qwen2_vl/family.h"

namespace vlsi::model {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {llava_onevision::family(), qwen2_vl::family(),
                                                     qwen2_5_vl::family(), qwen2::family()};
  return families;
}

std::string family_image_token(const ModelFamily& family) {
  return family.token_fields.empty() ? "" : family.token_fields.front().second;
}

const ModelFamily& model_family(const std::string& model_type, const std::string& where) {
  std::string known;
  for (const auto& f : model_families()) {
    if (f.model_type == model_type) return f;
    known += (known.empty() ? "" : ", ") + f.model_type;
  }
  fail(where, ": unknown model_type '", model_type, "' (known: ", known, ")");
}

VlmConfig load_model_config(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string file = fs::is_directory(path) ? (fs::path(path) / "config.json").string() : path;
  return model_config_from_json(io::read_json_file(file), file);
}

VlmConfig model_config_from_json(const nlohmann::json& j, const std::string& where) {
  check(j.is_object(), where, ": expected an object, got ", io::json_type_name(j));
  model_family(io::get_field<std::string>(j, "model_type", where), where);
  return VlmConfig::from_json(j, where);
}

namespace {

// The default dtype (what module constructors allocate in) set for a scope.
class DefaultDtypeScope {
 public:
  explicit DefaultDtypeScope(torch::ScalarType t) : saved_(torch::get_default_dtype()) {
    torch::set_default_dtype(c10::scalarTypeToTypeMeta(t));
  }
  ~DefaultDtypeScope() { torch::set_default_dtype(saved_); }

 private:
  caffe2::TypeMeta saved_;
};

[[noreturn]] void fail_allocation(const VlmConfig& config, torch::ScalarType dtype, const std::string& reason) {
  const int64_t n = parameter_count(config);
  fail("model config: cannot allocate its ", n, " parameters (", double(n) * double(c10::elementSize(dtype)) / 1e9,
       " GB in ", c10::toString(dtype), "): ", reason);
}

}  // namespace

CausalVlm create_family_model(const VlmConfig& config, torch::ScalarType dtype) {
  const ModelFamily& family = model_family(config.model_type, "model config");
  DefaultDtypeScope scope(dtype);
  try {
    return family.create(config);
  } catch (const std::bad_alloc&) {
    fail_allocation(config, dtype, "out of memory");
  } catch (const c10::Error& e) {
    // The allocator's multi-line message names neither the model nor its size.
    const std::string what = e.what_without_backtrace();
    if (what.find("allocate") == std::string::npos) throw;
    fail_allocation(config, dtype, what.substr(0, what.find('\n')));
  }
}

std::unique_ptr<VisionProcessor> load_processor(const std::string& folder, const VlmConfig& config) {
  return model_family(config.model_type, folder).load_processor(folder, config);
}

std::unique_ptr<VisionProcessor> default_processor(const VlmConfig& config) {
  return model_family(config.model_type, "model config").default_processor(config);
}

}  // namespace vlsi::model
