#include "vlsi/distill/verbalizer_set.h"

#include <ATen/CPUGeneratorImpl.h>

#include "vlsi/distill/target_layers.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"

namespace vlsi::distill {

namespace {
constexpr const char* kFormatName = "vlsi-verbalizers";
constexpr int kFormatVersion = 1;
}  // namespace

VerbalizerSetImpl::VerbalizerSetImpl(std::vector<int64_t> target_layers, int64_t hidden_size, const OutputHead& head,
                                     const VerbalizerOptions& options, uint64_t seed)
    : target_layers_(std::move(target_layers)),
      hidden_size_(hidden_size),
      form_(options.form),
      architecture_(options.architecture) {
  // Only the list's own shape is checked here; the backbone's layer count is the caller's (target_layers.h).
  validate_target_layers(target_layers_, target_layers_.empty() ? 2 : target_layers_.back() + 2, "verbalizer set");
  auto container = register_module("verbalizers", std::make_shared<torch::nn::Module>());
  for (size_t k = 0; k < target_layers_.size(); ++k) {
    auto v = create_verbalizer(hidden_size, head, options, seed + k);
    container->register_module(std::to_string(target_layers_[k]), v);
    verbalizers_.push_back(v);
  }
}

bool VerbalizerSetImpl::has_layer(int64_t layer) const {
  for (auto l : target_layers_)
    if (l == layer) return true;
  return false;
}

Verbalizer& VerbalizerSetImpl::at_layer(int64_t layer) {
  for (size_t k = 0; k < target_layers_.size(); ++k)
    if (target_layers_[k] == layer) return verbalizers_[k];
  fail("verbalizer set: layer ", layer, " is not a target layer (targets: ", format_layers(target_layers_), ")");
}

void VerbalizerSetImpl::set_head(const OutputHead& head) {
  for (auto& v : verbalizers_) v->set_head(head);
}

void save_verbalizer_set(const VerbalizerSet& set, const std::string& dir) {
  io::make_dirs(dir);
  io::NamedTensors tensors;
  for (const auto& item : set->named_parameters(/*recurse=*/true)) tensors.emplace_back(item.key(), item.value().detach());
  io::save_safetensors(dir + "/" + kVerbalizerWeightsFile, tensors, {{"format", "pt"}});
  io::json j = {{"format", kFormatName},
                {"version", kFormatVersion},
                {"target_layers", set->target_layers()},
                {"architecture", verbalizer_architecture_name(set->architecture())},
                {"form", verbalizer_form_name(set->form())},
                {"hidden_size", set->hidden_size()},
                {"layer_indexing", "0-based decoder layer output (HF hidden_states[i + 1])"}};
  io::write_json_file(dir + "/" + kVerbalizerConfigFile, j);
}

VerbalizerSet load_verbalizer_set(const std::string& dir, const OutputHead& head,
                                  const VerbalizerSetExpectation& expect) {
  const std::string json_path = dir + "/" + kVerbalizerConfigFile;
  const std::string weights_path = dir + "/" + kVerbalizerWeightsFile;
  check(io::file_exists(json_path), json_path, ": missing (a verbalizer folder holds ", kVerbalizerConfigFile,
        " and ", kVerbalizerWeightsFile, ")");
  check(io::file_exists(weights_path), weights_path, ": missing (a verbalizer folder holds ", kVerbalizerConfigFile,
        " and ", kVerbalizerWeightsFile, ")");
  io::json j = io::read_json_file(json_path);
  auto format = io::get_field<std::string>(j, "format", json_path);
  check(format == kFormatName, json_path, ": field 'format': expected \"", kFormatName, "\", got \"", format, "\"");
  auto version = io::get_field<int64_t>(j, "version", json_path);
  check(version == kFormatVersion, json_path, ": field 'version': expected ", kFormatVersion, ", got ", version);
  auto layers = io::get_field<std::vector<int64_t>>(j, "target_layers", json_path);
  auto form = verbalizer_form_from_name(io::get_field<std::string>(j, "form", json_path), json_path + ": field 'form'");
  auto hidden = io::get_field<int64_t>(j, "hidden_size", json_path);
  auto architecture = verbalizer_architecture_from_name(
      j.contains("architecture") ? io::get_field<std::string>(j, "architecture", json_path) : std::string("ffn"),
      json_path + ": field 'architecture'");

  check(hidden == expect.hidden_size, json_path, ": hidden_size ", hidden, " does not match the backbone's hidden size ",
        expect.hidden_size);
  validate_target_layers(layers, expect.num_layers > 0 ? expect.num_layers : (layers.empty() ? 2 : layers.back() + 2),
                         json_path + ": field 'target_layers'");
  check(expect.target_layers.empty() || layers == expect.target_layers, json_path, ": target layers [",
        format_layers(layers), "] do not match the expected [", format_layers(expect.target_layers), "]");

  // A fresh set of the file's shape says which tensors, of which shapes, the file must hold.
  VerbalizerOptions options;
  options.form = form;
  options.architecture = architecture;
  VerbalizerSet set(layers, hidden, head, options, /*seed=*/0);
  auto expected = set->named_parameters(/*recurse=*/true);

  io::SafetensorsFile file(weights_path);
  for (const auto& name : file.names())
    check(expected.contains(name), weights_path, ": unexpected tensor '", name, "' (", kVerbalizerConfigFile,
          " lists target layers [", format_layers(layers), "], architecture ", verbalizer_architecture_name(architecture),
          ")");
  for (const auto& item : expected) {
    const std::string& name = item.key();
    check(file.contains(name), weights_path, ": missing tensor '", name, "' (", kVerbalizerConfigFile,
          " lists target layers [", format_layers(layers), "])");
    const auto& shape = file.entry(name).shape;
    check(shape == item.value().sizes().vec(), weights_path, ": tensor '", name, "' has shape [", format_layers(shape),
          "], expected [", format_layers(item.value().sizes().vec()), "]");
  }

  set->to(file.entry(expected.begin()->key()).scalar_type);
  torch::NoGradGuard no_grad;
  for (auto& item : set->named_parameters(/*recurse=*/true)) file.load_into(item.key(), item.value());
  return set;
}

}  // namespace vlsi::distill
