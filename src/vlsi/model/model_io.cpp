#include "vlsi/model/model_io.h"

#include <filesystem>
#include <map>
#include <sstream>

#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/string_util.h"
#include "vlsi/model/lora.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {
namespace fs = std::filesystem;
namespace {

using io::ends_with;
using io::starts_with;

bool is_float(torch::ScalarType t) {
  return t == torch::kFloat || t == torch::kHalf || t == torch::kBFloat16 || t == torch::kDouble;
}

// Collects problems of one kind and prints at most a few names of each.
struct Problems {
  std::vector<std::string> missing, unexpected, other;
  bool empty() const { return missing.empty() && unexpected.empty() && other.empty(); }
  static void list(std::ostringstream& os, const char* what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    if (os.tellp() > 0) os << "; ";
    os << what;
    for (size_t i = 0; i < items.size() && i < 5; ++i) os << (i ? ", " : " ") << items[i];
    if (items.size() > 5) os << " (+" << items.size() - 5 << " more)";
  }
  std::string str() const {
    std::ostringstream os;
    list(os, "missing tensors", missing);
    list(os, "unexpected tensors", unexpected);
    list(os, "", other);
    return os.str();
  }
};

// tokenizer_config.json (and a chat template file) beside tokenizer.json, so that transformers' AutoTokenizer
// (and AutoProcessor) read the tokenizer as it is: the one beside the source
// tokenizer.json when there is one, else a plain PreTrainedTokenizerFast.
// Without the file transformers picks the model type's default class
// (LlamaTokenizerFast for llava_onevision), which adds <s>, </s> and <unk> to
// the vocabulary and a <s> before every text.
void write_tokenizer_config(const std::string& tokenizer_json, const std::string& folder) {
  const fs::path beside = fs::path(tokenizer_json).parent_path() / "tokenizer_config.json";
  const std::string out = (fs::path(folder) / "tokenizer_config.json").string();
  if (fs::exists(beside)) io::write_file_atomic(out, io::read_file(beside.string()));
  else io::write_json_file(out, {{"tokenizer_class", "PreTrainedTokenizerFast"}, {"clean_up_tokenization_spaces", false}});
  // The chat template travels too, in whichever file the source keeps it.
  for (const char* f : {"chat_template.jinja", "chat_template.json"}) {
    const fs::path src = fs::path(tokenizer_json).parent_path() / f;
    if (fs::exists(src)) io::write_file_atomic((fs::path(folder) / f).string(), io::read_file(src.string()));
  }
}

}  // namespace

std::string dtype_name(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kHalf: return "float16";
    case torch::kDouble: return "float64";
    default: fail("model dtype must be float32, bfloat16, float16 or float64, got ", c10::toString(type));
  }
}

torch::ScalarType dtype_from_name(const std::string& name) {
  if (name == "float32") return torch::kFloat;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kHalf;
  if (name == "float64") return torch::kDouble;
  fail("unknown dtype '", name, "' (expected float32, bfloat16, float16 or float64)");
}

std::string legacy_parameter_name(const std::string& n) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"model.language_model.", "language_model.model."},
      {"model.vision_tower.", "vision_tower."},
      {"model.multi_modal_projector.", "multi_modal_projector."},
      {"model.image_newline", "image_newline"},
      {"lm_head.", "language_model.lm_head."},
  };
  for (const auto& [from, to] : kMap)
    if (starts_with(n, from)) return to + n.substr(std::string(from).size());
  return n;
}

void load_weights(CausalVlm& model, const io::CheckpointReader& checkpoint,
                  const std::string& expected_dtype, bool map_in_place) {
  const std::string where = checkpoint.folder() + ": checkpoint does not match config.json: ";
  const ModelFamily& family = model_family(model->config().model_type, checkpoint.folder());
  std::map<std::string, std::string> source;  // parameter name -> name in the checkpoint
  Problems problems;
  for (const auto& name : checkpoint.names()) {
    std::string legacy = family.parameter_name(name);
    if (ends_with(legacy, ".rotary_emb.inv_freq") || family.ignores_tensor(legacy, model->config())) continue;
    auto [it, fresh] = source.emplace(legacy, name);
    if (!fresh) problems.other.push_back("tensor " + legacy + " stored twice (as " + it->second + " and " + name + ")");
  }
  auto params = model->named_parameters(/*recurse=*/true);
  for (const auto& p : params) {
    auto it = source.find(p.key());
    if (it == source.end()) {
      problems.missing.push_back(p.key());
      continue;
    }
    const io::TensorEntry& e = checkpoint.entry(it->second);
    if (e.shape != p.value().sizes().vec()) {
      std::ostringstream os;
      os << "tensor " << it->second << " has shape " << c10::IntArrayRef(e.shape) << " but config.json needs "
         << p.value().sizes();
      problems.other.push_back(os.str());
    }
    if (!is_float(e.scalar_type))
      problems.other.push_back("tensor " + it->second + " has dtype " + e.dtype + ", expected a float type");
    else if (!expected_dtype.empty() && dtype_name(e.scalar_type) != expected_dtype)
      problems.other.push_back("tensor " + it->second + " has dtype " + e.dtype + " but config.json says " +
                               expected_dtype);
  }
  for (const auto& [legacy, name] : source)
    if (!params.contains(legacy)) problems.unexpected.push_back(name);
  check(problems.empty(), where, problems.str());

  torch::NoGradGuard no_grad;
  for (auto& p : params) {
    const std::string& name = source.at(p.key());
    torch::Tensor& dst = p.value();
    if (map_in_place && dst.device().is_cpu() && checkpoint.entry(name).scalar_type == dst.scalar_type()) {
      torch::Tensor in_file = checkpoint.mapped(name);
      if (in_file.defined()) {
        dst.set_data(in_file);
        continue;
      }
    }
    checkpoint.load_into(name, dst);
  }
}

void save_model(const CausalVlm& model, const std::string& folder, const SaveOptions& options) {
  io::make_dirs(folder);
  io::NamedTensors tensors;
  torch::ScalarType stored = torch::kFloat;
  bool first = true;
  for (const auto& p : model->named_parameters(/*recurse=*/true)) {
    torch::Tensor t = p.value().detach();
    if (options.dtype) t = t.to(*options.dtype);
    check(first || t.scalar_type() == stored, folder, ": parameters mix dtypes (", c10::toString(stored), " and ",
          c10::toString(t.scalar_type()), " in ", p.key(), "); pass SaveOptions::dtype");
    stored = t.scalar_type();
    first = false;
    tensors.emplace_back(p.key(), t);
  }
  io::save_checkpoint(folder, tensors, options.max_shard_bytes);
  if (options.processor) options.processor->save(folder);
  else default_processor(model->config())->save(folder);
  if (!options.tokenizer_json.empty()) {
    io::write_file_atomic((fs::path(folder) / "tokenizer.json").string(), io::read_file(options.tokenizer_json));
    write_tokenizer_config(options.tokenizer_json, folder);
  }
  VlmConfig config = model->config();
  config.torch_dtype = dtype_name(stored);
  io::write_json_file((fs::path(folder) / "config.json").string(), config.to_json());
}

CausalVlm load_model(const std::string& folder, const LoadOptions& options) {
  VlmConfig config = load_model_config(folder);
  io::CheckpointReader checkpoint(folder);
  // Allocated in the compute dtype from the start (no float32 copy of a bfloat16
  // model) and without default init (the checkpoint fills every parameter).
  CausalVlm model{nullptr};
  try {
    SkipDefaultInit skip;
    model = create_family_model(
        config, options.dtype ? *options.dtype
                              : config.torch_dtype.empty() ? torch::kFloat : dtype_from_name(config.torch_dtype));
  } catch (const Error& e) {  // out of memory: name the folder that asked for it
    fail(folder, ": ", e.what());
  }
  load_weights(model, checkpoint, config.torch_dtype, /*map_in_place=*/true);
  if (!options.placement.empty())
    model->place_layers(options.placement);
  else if (options.device != torch::Device(torch::kCPU))
    model->to(options.device);
  return model;
}

}  // namespace vlsi::model
