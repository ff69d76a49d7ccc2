#include "vlsi/distill/recipe.h"

#include <cmath>
#include <cstdio>

#include "vlsi/dist/process_group.h"
#include "vlsi/distill/served_folders.h"
#include "vlsi/distill/step_config.h"
#include "vlsi/distill/step_run.h"
#include "vlsi/distill/step_support.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/compute_dtype.h"
#include "vlsi/model/config.h"
#include "vlsi/model/lora_model.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/run_folder.h"
#include "vlsi/train/run_inputs.h"
#include "vlsi/train/train_config.h"

namespace vlsi::distill {
using io::json;
namespace {

// Fields of a step config the recipe fills itself (paths, shared data, device and dtype).
const std::vector<std::string> kRecipeOwned = {"out",        "model",     "tokenizer", "target_layers",
                                               "verbalizer", "init_from", "student",   "teacher",
                                               "data",       "device",    "device_map", "dtype"};

json stage_defaults(const std::string& step) {
  json d = step_defaults(step);
  for (const auto& k : kRecipeOwned) d.erase(k);
  d["data"] = train::stage_data_defaults();  // non-null fields replace the recipe's for this stage alone
  return d;
}

std::vector<int64_t> layers_of(const json& side, const std::string& where) {
  std::string dir = io::get_field<std::string>(side, "model", where);
  check(!dir.empty(), where, ": field 'model': expected a model folder");
  auto cfg = model::load_model_config(dir);
  return resolve_target_layers(target_layer_spec_from_json(side["target_layers"], where + ": target_layers"),
                               cfg.text_config.num_hidden_layers, where + ": target_layers");
}

// The verbalizer folder the interaction step uses for `side`: a prepared one
// (`<side>.verbalizers`, e.g. shared by the runs of an ablation) or step 1's output.
std::string verbalizers_of(const json& cfg, const std::string& side, const std::string& out) {
  std::string prepared = cfg[side].value("verbalizers", "");
  return prepared.empty() ? out + "/verbalize_" + side + "/verbalizers" : prepared;
}

// stages.reinforce.finetune's default: whatever stages.interact.finetune is.
const char* const kAsInteract = "as_interact";

// The reinforce stage's fine-tuning mode: its own explicit one, or the interaction step's.
std::string reinforce_finetune(const json& reinforce, const std::string& interact_mode, const std::string& where) {
  const std::string mode = io::get_field<std::string>(reinforce, "finetune", where);
  check(mode == kAsInteract || mode == "lora" || mode == "full", where, ": field 'finetune': expected \"",
        kAsInteract, "\" (the default: as stages.interact), \"lora\" or \"full\", got \"", mode, "\"");
  return mode == kAsInteract ? interact_mode : mode;
}

// Copies a verbalizer folder's two files into `dir`.
void copy_verbalizers(const std::string& from, const std::string& dir) {
  for (const char* f : {kVerbalizerWeightsFile, kVerbalizerConfigFile})
    io::write_file_atomic(dir + "/" + f, io::read_file(from + "/" + f));
}

}  // namespace

json distill_defaults() {
  // verbalizers: "" = train them in step 1; a folder = use it and skip step 1 for that side.
  // device "" = the recipe's device; dtype "" = the recipe's dtype (the teacher's only: a student's dtype is the recipe's).
  json side = {{"model", ""}, {"target_layers", target_layer_spec_defaults()}, {"verbalizers", ""}, {"device", ""}};
  json teacher = side;
  teacher["dtype"] = "";
  teacher["device_map"] = json::object();  // {"layers A-B": device, ...}: split by layer ranges instead of `device`
  json verbalize = step_defaults("verbalize");
  json reinforce = stage_defaults("reinforce");
  reinforce["share"] = 1.0;
  // Step 3 is the paper's student SFT: it fine-tunes the way step 2 did (full or
  // LoRA); "lora" or "full" here is an explicit override (docs/distill.md).
  reinforce["finetune"] = kAsInteract;
  return {{"out", "runs/distill"},
          {"teacher", teacher},
          {"student", side},
          {"tokenizer", ""},  // default: the student folder's tokenizer.json
          {"data", train::data_defaults()},
          {"device", "cpu"},
          {"dtype", "float32"},  // every stage's; "bfloat16" also stores the final student in bfloat16
          // "disjoint": each stage reads the records after the previous stage's, from
          // data.record_offset on; "shared": every stage reads from data.record_offset.
          {"stage_data", "disjoint"},
          {"verbalizer", verbalize["verbalizer"]},
          {"stages",
           {{"verbalize_teacher", stage_defaults("verbalize")},
            {"verbalize_student", stage_defaults("verbalize")},
            {"interact", stage_defaults("interact")},
            {"reinforce", reinforce}}}};
}

json distill_stage_configs(const json& cfg) {
  const std::string where = "distill config";
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  const json& stages = cfg["stages"];
  auto teacher_layers = layers_of(cfg["teacher"], where + ": teacher");
  side_placement(cfg, "teacher", where);  // a split teacher's map, checked before any stage runs
  auto student_layers = layers_of(cfg["student"], where + ": student");
  check_teacher_has_more_targets(teacher_layers, student_layers, where + ": target layers");
  const std::string teacher_dir = cfg["teacher"]["model"], student_dir = cfg["student"]["model"];

  const std::string stage_data = io::get_field<std::string>(cfg, "stage_data", where);
  check(stage_data == "disjoint" || stage_data == "shared", where,
        ": field 'stage_data': expected \"disjoint\" or \"shared\", got \"", stage_data, "\"");
  // Stages run in this order, so with "disjoint" each starts where the one before stopped reading.
  int64_t next_offset = io::get_field<int64_t>(cfg["data"], "record_offset", where + ": data");
  auto common = [&](const std::string& stage) {
    json c = stages[stage];
    c["out"] = out + "/" + stage;
    c["tokenizer"] = cfg["tokenizer"];
    c["data"] = cfg["data"];
    c["data"]["record_offset"] = next_offset;
    // The stage's own (non-null) data fields win, its own record_offset included.
    for (auto it = stages[stage]["data"].begin(); it != stages[stage]["data"].end(); ++it)
      if (!it.value().is_null()) c["data"][it.key()] = it.value();
    c["device"] = cfg["device"];
    c["dtype"] = cfg["dtype"];
    return c;
  };
  auto done = [&](const json& resolved, const std::string& stage) {
    if (stage_data == "disjoint")
      next_offset += train::TrainerConfig::from_json(resolved["trainer"], where + ": stages." + stage).records_read();
    return resolved;
  };
  json result;
  for (const char* side : {"teacher", "student"}) {
    std::string stage = std::string("verbalize_") + side;
    if (cfg[side]["verbalizers"] != "") continue;  // prepared verbalizers: no step 1 for this side
    json c = common(stage);
    c["model"] = cfg[side]["model"];
    if (cfg[side]["device"] != "") c["device"] = cfg[side]["device"];
    if (cfg[side].value("dtype", "") != "") c["dtype"] = cfg[side]["dtype"];
    if (cfg[side].contains("device_map")) c["device_map"] = cfg[side]["device_map"];
    c["target_layers"] = {{"layers", std::string(side) == "teacher" ? teacher_layers : student_layers}};
    c["verbalizer"] = cfg["verbalizer"];
    // Each side's verbalizers learn through its own tokenizer: its folder's, or
    // the student's when the teacher folder has none (the interaction step
    // checks that the two agree on the answers' vocabulary).
    if (std::string(side) == "teacher")  // "" reads the model folder's own tokenizer.json
      c["tokenizer"] = io::file_exists(teacher_dir + "/tokenizer.json") ? json("")
                       : c["tokenizer"] == ""                             ? json(student_dir + "/tokenizer.json")
                                                                          : c["tokenizer"];
    result[stage] = done(resolve_step_config("verbalize", c, {}, where + ": stages." + stage), stage);
  }
  json interact = common("interact");
  interact["student"] = {{"model", student_dir}, {"verbalizers", verbalizers_of(cfg, "student", out)},
                         {"device", cfg["student"]["device"]}};
  interact["teacher"] = {{"model", teacher_dir}, {"verbalizers", verbalizers_of(cfg, "teacher", out)},
                         {"device", cfg["teacher"]["device"]}, {"device_map", cfg["teacher"]["device_map"]},
                         {"dtype", cfg["teacher"]["dtype"]}};
  result["interact"] = done(resolve_step_config("interact", interact, {}, where + ": stages.interact"), "interact");

  json reinforce = common("reinforce");
  double share = io::get_field<double>(reinforce, "share", where + ": stages.reinforce");
  check(share >= 0, where, ": field 'stages.reinforce.share': expected >= 0 (0 skips the step)");
  reinforce.erase("share");
  reinforce["finetune"] = reinforce_finetune(reinforce, result["interact"]["finetune"].get<std::string>(), where + ": stages.reinforce");
  if (share > 0) {
    const bool lora = result["interact"]["finetune"] == "lora";
    reinforce["student"] = {{"model", lora ? student_dir : out + "/interact/model"},
                            {"adapter", lora ? out + "/interact/adapter" : ""},
                            {"verbalizers", out + "/interact/verbalizers"},
                            {"device", cfg["student"]["device"]}};
    int64_t interact_steps = result["interact"]["trainer"]["max_steps"];
    reinforce["trainer"]["max_steps"] = std::max<int64_t>(1, std::llround(share * double(interact_steps)));
    if (reinforce["trainer"].value("warmup_steps", 0) >= reinforce["trainer"]["max_steps"].get<int64_t>())
      reinforce["trainer"]["warmup_steps"] = 0;
    result["reinforce"] = done(resolve_step_config("reinforce", reinforce, {}, where + ": stages.reinforce"), "reinforce");
  }
  return result;
}

json resolve_distill_config(const json& content, const std::vector<std::string>& overrides, const std::string& where) {
  json cfg = io::merge_with_defaults(distill_defaults(), content, where);
  io::apply_overrides(cfg, overrides);
  step_dtype(cfg, where);
  if (cfg["teacher"]["model"] != "" && cfg["student"]["model"] != "") distill_stage_configs(cfg);  // validate early
  return cfg;
}

json run_distill(const json& cfg, bool resume, bool force) {
  const std::string where = "distill config";
  const std::string out = io::get_field<std::string>(cfg, "out", where);
  const std::string final_dir = out + "/student";
  json stage_cfgs = distill_stage_configs(cfg);  // validates everything before anything trains
  json layers;
  for (const char* side : {"teacher", "student"}) {
    layers[side] = layers_of(cfg[side], where + ": " + side);
    const std::string prepared = cfg[side]["verbalizers"];
    if (prepared.empty()) continue;
    // A prepared folder must verbalize exactly this recipe's target layers.
    json file_layers = io::read_json_file(prepared + "/" + kVerbalizerConfigFile)["target_layers"];
    check(file_layers == layers[side], where, ": field '", side, ".verbalizers': ", prepared, " verbalizes layers ",
          file_layers.dump(), ", the recipe's ", side, " target layers are ", layers[side].dump());
  }
  // Data parallel: every rank runs every stage; rank 0 alone checks and writes the recipe's own files.
  dist::ProcessGroup& group =
      dist::ProcessGroup::join(model::device_from_name(io::get_field<std::string>(cfg, "device", where), where));
  if (group.is_main()) {
    if (resume) train::check_resumed_config(out + "/config.json", cfg, force, "distill");
    train::check_run_inputs(cfg, where);
    io::make_dirs(out);
    io::write_json_file(out + "/config.json", cfg);
  }
  group.barrier("opening " + out);

  json summary = {{"stages", json::object()}};
  for (const char* side : {"teacher", "student"})
    if (cfg[side]["verbalizers"] != "")
      summary["stages"][std::string("verbalize_") + side] = {{"prepared", cfg[side]["verbalizers"]}};
  for (const char* stage : {"verbalize_teacher", "verbalize_student", "interact", "reinforce"}) {
    if (!stage_cfgs.contains(stage)) continue;
    if (group.is_main()) std::fprintf(stderr, "[distill] stage %s -> %s/%s\n", stage, out.c_str(), stage);
    std::string step = std::string(stage).rfind("verbalize", 0) == 0 ? "verbalize" : stage;
    summary["stages"][stage] = run_step(step, stage_cfgs[stage], resume, force);
  }

  if (!group.is_main()) return train::summary_from_main(out);
  // Final student: merge the last student step's adapter into its base model.
  const std::string last = stage_cfgs.contains("reinforce") ? "reinforce" : "interact";
  const json& ls = summary["stages"][last];
  if (io::file_exists(final_dir + "/config.json")) {
    std::fprintf(stderr, "[distill] %s is complete; nothing to do\n", final_dir.c_str());
  } else {
    io::make_dirs(final_dir);
    if (ls.contains("verbalizers")) copy_verbalizers(ls["verbalizers"], final_dir);
    if (ls.contains("adapter")) {
      const auto dtype = merged_storage_dtype(ls["student_model"], step_dtype(cfg, where));
      model::merge_lora_folder(ls["student_model"], ls["adapter"], final_dir, dtype);  // config.json last
    } else {
      auto m = model::load_model(ls["model"]);
      auto processor = model::load_processor(ls["model"], m->config());
      model::SaveOptions so;
      so.tokenizer_json = std::string(ls["model"]) + "/tokenizer.json";
      so.processor = processor.get();
      model::save_model(m, final_dir, so);
    }
  }
  // The served folders (served_folders.h): the pairing beside the final
  // student, and RUN/teacher with its verbalizers. Rank 0 only, as above.
  const std::string interact_json = out + "/interact/interact.json";
  if (io::file_exists(interact_json)) {
    json info = io::read_json_file(interact_json);
    if (info.contains("match_counts"))
      io::write_json_file(final_dir + "/" + kLayerPairingFile, layer_pairing_from_interact(info, interact_json));
  }
  const std::string teacher_dir = cfg["teacher"]["model"];
  const std::string teacher_tokenizer = cfg["tokenizer"] != "" ? std::string(cfg["tokenizer"])
                                                               : std::string(cfg["student"]["model"]) + "/tokenizer.json";
  write_teacher_folder(teacher_dir, teacher_tokenizer, verbalizers_of(cfg, "teacher", out), out + "/teacher");
  summary["teacher"] = out + "/teacher";
  summary["student"] = final_dir;
  summary["student_target_layers"] = layers["student"];
  summary["teacher_target_layers"] = layers["teacher"];
  io::write_json_file(out + "/summary.json", summary);
  group.barrier("finishing " + out);  // the other ranks wait for it (summary_from_main)
  return summary;
}

}  // namespace vlsi::distill
