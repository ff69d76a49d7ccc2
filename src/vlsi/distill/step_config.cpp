#include "vlsi/distill/step_config.h"

#include "vlsi/dist/process_group.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/train_config.h"

namespace vlsi::distill {
using io::json;

std::string canonical_step(const std::string& step) {
  if (step == "sft") return "reinforce";
  if (step == "verbalize" || step == "interact" || step == "kd" || step == "reinforce") return step;
  fail("unknown training step '", step, "' (expected verbalize, interact, kd, reinforce or its alias sft)");
}

bool is_student_step(const std::string& step) {
  auto s = canonical_step(step);
  return s == "interact" || s == "kd" || s == "reinforce";
}

json target_layer_spec_defaults() {
  TargetLayerSpec d;
  return {{"layers", json::array()}, {"start", d.start}, {"stride", d.stride}};
}

TargetLayerSpec target_layer_spec_from_json(const json& j, const std::string& where) {
  TargetLayerSpec s;
  s.layers = io::get_field<std::vector<int64_t>>(j, "layers", where);
  s.start = io::get_field<int64_t>(j, "start", where);
  s.stride = io::get_field<int64_t>(j, "stride", where);
  return s;
}

namespace {

json loss_defaults(const std::string& step) {
  json j = {{"intermediate_op", "kld"}, {"last_op", "kld"},          {"temperature", 1.0},
            {"l2_reduction", "sum"},    {"intermediate_weight", 1.0}, {"last_weight", 1.0},
            {"ce_weight", 0.0},         {"chunk_tokens", 256}};
  if (step == "kd") {
    j["intermediate_op"] = "none";
    j["ce_weight"] = 1.0;
  } else if (step == "reinforce") {
    j["intermediate_op"] = "none";
    j["last_op"] = "none";
    j["ce_weight"] = 1.0;
  }
  return j;
}

}  // namespace

json step_defaults(const std::string& step_name) {
  const std::string step = canonical_step(step_name);
  json trainer = train::TrainerConfig::defaults_json();  // lr 1e-4 -> 1e-6 cosine, no warm-up: the paper's schedule
  if (step == "verbalize")
    return {{"out", "runs/verbalize"},
            {"model", ""},
            {"tokenizer", ""},  // default: the model folder's tokenizer.json
            {"target_layers", target_layer_spec_defaults()},
            {"verbalizer", VerbalizerOptions::fields().to_json({})},
            {"init_from", ""},  // a verbalizer folder to continue from instead of a fresh set
            {"chunk_tokens", 256},
            {"data", train::data_defaults()},
            {"device", "cpu"},
            // {"layers A-B": device, ...}: the model split by layer ranges, instead of `device`
            {"device_map", json::object()},
            {"dtype", "float32"},
            {"trainer", trainer}};
  json lora = model::LoraConfig::defaults_json();
  return {{"out", "runs/" + step},
          // device "" = the step's device; teacher dtype "" = the step's dtype (e.g. a
          // bfloat16 teacher beside a float32 student; it never trains); teacher
          // device_map {"layers A-B": device, ...}: split by layer ranges instead of `device`.
          {"student", {{"model", ""}, {"verbalizers", ""}, {"adapter", ""}, {"device", ""}}},
          {"teacher", {{"model", ""}, {"verbalizers", ""}, {"device", ""}, {"device_map", json::object()}, {"dtype", ""}}},
          {"tokenizer", ""},  // default: the student folder's tokenizer.json
          {"loss", loss_defaults(step)},
          {"matching", LayerMatcherOptions::fields().to_json({})},
          {"finetune", "lora"},
          {"lora", lora},
          {"full_trainable", {"lm"}},
          {"train_verbalizers", step == "interact"},
          {"save_merged", true},
          {"gradient_checkpointing", false},  // the student's decoder layers recomputed in backward
          {"data", train::data_defaults()},
          {"device", "cpu"},
          {"dtype", "float32"},  // or "bfloat16": both models' parameters and activations
          {"trainer", trainer}};
}

VerbalizerOptions verbalizer_options_from_json(const json& j, const std::string& where) {
  VerbalizerOptions o = VerbalizerOptions::fields().from_json(j, where);
  check(o.init_std > 0, where, ": field 'init_std': expected > 0");
  return o;
}

torch::ScalarType step_dtype(const json& cfg, const std::string& where) {
  return model::training_dtype_from_name(io::get_field<std::string>(cfg, "dtype", where), where + ": field 'dtype'");
}

torch::Device side_device(const json& cfg, const std::string& side, const std::string& where) {
  const std::string own = io::get_field<std::string>(cfg[side], "device", where + ": " + side);
  const torch::Device d = own.empty()
      ? model::device_from_name(io::get_field<std::string>(cfg, "device", where), where + ": field 'device'")
      : model::device_from_name(own, where + ": field '" + side + ".device'");
  return dist::ProcessGroup::current().local_device(d);
}

namespace {

// A device_map for the decoder of the model folder `model_dir`; its devices as
// side_device maps them (a bare "cuda" is this process's GPU).
model::LayerPlacement placement_for(const json& map, const std::string& model_dir, const std::string& field) {
  if (map.is_object() && map.empty()) return {};
  check(!model_dir.empty(), field, ": expected a model folder beside it (the map covers its decoder layers)");
  const int64_t layers = model::load_model_config(model_dir).text_config.num_hidden_layers;
  model::LayerPlacement p = model::layer_placement_from_json(map, layers, field);
  auto ranges = p.ranges();
  for (auto& r : ranges) r.device = dist::ProcessGroup::current().local_device(r.device);
  return model::LayerPlacement(ranges, layers, field);
}

}  // namespace

model::LayerPlacement side_placement(const json& cfg, const std::string& side, const std::string& where) {
  const json& s = cfg.at(side);
  if (!s.contains("device_map")) return {};
  const std::string field = where + ": field '" + side + ".device_map'";
  const json& map = s["device_map"];
  const std::string device = io::get_field<std::string>(s, "device", where + ": " + side);
  check(device.empty() || (map.is_object() && map.empty()), where, ": fields '", side, ".device' (\"", device,
        "\") and '", side, ".device_map' together (expected one: the map places every part of the model)");
  return placement_for(map, io::get_field<std::string>(s, "model", where + ": " + side), field);
}

model::LayerPlacement step_placement(const json& cfg, const std::string& where) {
  if (!cfg.contains("device_map")) return {};
  return placement_for(cfg.at("device_map"), io::get_field<std::string>(cfg, "model", where),
                       where + ": field 'device_map'");
}

torch::ScalarType side_dtype(const json& cfg, const std::string& side, const std::string& where) {
  const std::string own = cfg[side].contains("dtype") ? io::get_field<std::string>(cfg[side], "dtype", where + ": " + side) : "";
  return own.empty() ? step_dtype(cfg, where)
                     : model::training_dtype_from_name(own, where + ": field '" + side + ".dtype'");
}

void validate_step_run_config(const std::string& step, const json& cfg, const std::string& where) {
  io::get_field<std::string>(cfg, "out", where);
  train::TrainerConfig::from_json(cfg["trainer"], where + ": trainer");
  step_dtype(cfg, where);
  model::device_from_name(io::get_field<std::string>(cfg, "device", where), where + ": field 'device'");
  if (canonical_step(step) == "verbalize") {
    check(!io::get_field<std::string>(cfg, "model", where).empty(), where,
          ": field 'model': expected the model folder whose verbalizers to train");
    target_layer_spec_from_json(cfg["target_layers"], where + ": target_layers");
    verbalizer_options_from_json(cfg["verbalizer"], where + ": verbalizer");
    step_placement(cfg, where);
  } else {
    student_step_options(step, cfg, where);
    io::get_field<bool>(cfg, "gradient_checkpointing", where);
    for (const char* side : {"student", "teacher"}) {
      side_device(cfg, side, where);
      side_dtype(cfg, side, where);
    }
    if (student_step_options(step, cfg, where).needs_teacher()) side_placement(cfg, "teacher", where);
  }
  train::validate_data_config(cfg["data"], where + ": data");
}

StudentStepOptions student_step_options(const std::string& step_name, const json& cfg, const std::string& where) {
  StudentStepOptions o;
  o.name = canonical_step(step_name);
  const json& l = cfg.at("loss");
  const std::string lw = where + ": loss";
  o.intermediate.op = divergence_op_from_name(io::get_field<std::string>(l, "intermediate_op", lw), lw + ".intermediate_op");
  o.last.op = divergence_op_from_name(io::get_field<std::string>(l, "last_op", lw), lw + ".last_op");
  o.intermediate.temperature = o.last.temperature = io::get_field<double>(l, "temperature", lw);
  check(o.intermediate.temperature > 0, lw, ": field 'temperature': expected > 0");
  o.intermediate.l2_reduction = o.last.l2_reduction =
      l2_reduction_from_name(io::get_field<std::string>(l, "l2_reduction", lw), lw + ".l2_reduction");
  o.intermediate_weight = io::get_field<double>(l, "intermediate_weight", lw);
  o.last_weight = io::get_field<double>(l, "last_weight", lw);
  o.ce_weight = io::get_field<double>(l, "ce_weight", lw);
  o.chunk_tokens = io::get_field<int64_t>(l, "chunk_tokens", lw);

  o.matching = LayerMatcherOptions::fields().from_json(cfg.at("matching"), where + ": matching");

  auto finetune = io::get_field<std::string>(cfg, "finetune", where);
  check(finetune == "lora" || finetune == "full", where, ": field 'finetune': expected \"lora\" or \"full\", got \"",
        finetune, "\"");
  o.use_lora = finetune == "lora";
  o.lora = model::LoraConfig::from_json(cfg.at("lora"), where + ": lora");
  o.full_trainable.clear();
  for (auto& p : io::get_field<std::vector<std::string>>(cfg, "full_trainable", where))
    o.full_trainable.push_back(model::part_from_name(p));
  o.train_verbalizers = io::get_field<bool>(cfg, "train_verbalizers", where);
  o.validate(where);
  return o;
}

json resolve_step_config(const std::string& step_name, const json& content, const std::vector<std::string>& overrides,
                         const std::string& where) {
  const std::string step = canonical_step(step_name);
  json cfg = io::merge_with_defaults(step_defaults(step), content, where);
  io::apply_overrides(cfg, overrides);
  train::TrainerConfig::from_json(cfg["trainer"], where + ": trainer");  // validate early
  step_dtype(cfg, where);
  if (step == "verbalize") {
    target_layer_spec_from_json(cfg["target_layers"], where + ": target_layers");
    verbalizer_options_from_json(cfg["verbalizer"], where + ": verbalizer");
  } else {
    student_step_options(step, cfg, where);
  }
  return cfg;
}

}  // namespace vlsi::distill
