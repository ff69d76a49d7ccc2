// vlsi lora merge: fold a LoRA adapter into its base model, giving a plain
// Hugging Face-layout model folder (verbalizer files beside the adapter or the
// base model are carried along).
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/model/lora_model.h"

namespace vlsi::cli {

namespace {
struct MergeArgs {
  std::string model, adapter, out;
};

// Verbalizers travel with the student: take them from the adapter folder, its
// sibling verbalizers/ folder (a step's run folder), or the base model folder.
void carry_verbalizers(const MergeArgs& a) {
  for (const std::string& dir : {a.adapter, a.adapter + "/../verbalizers", a.model}) {
    const std::string weights = dir + "/" + distill::kVerbalizerWeightsFile;
    const std::string config = dir + "/" + distill::kVerbalizerConfigFile;
    if (!io::file_exists(weights) || !io::file_exists(config)) continue;
    io::write_file_atomic(a.out + "/" + distill::kVerbalizerWeightsFile, io::read_file(weights));
    io::write_file_atomic(a.out + "/" + distill::kVerbalizerConfigFile, io::read_file(config));
    std::fprintf(stderr, "[lora] verbalizers from %s kept beside the model\n", dir.c_str());
    return;
  }
}
}  // namespace

void register_lora_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("lora", "LoRA adapters (PEFT layout)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<MergeArgs>();
  auto* merge = cmd->add_subcommand("merge", "Merge an adapter into its base model: a plain model folder");
  merge->add_option("--model", a->model, "base model folder")->required();
  merge->add_option("--adapter", a->adapter, "adapter folder (adapter_config.json, adapter_model.safetensors)")->required();
  merge->add_option("--out", a->out, "output model folder")->required();
  merge->callback([a] {
    io::make_dirs(a->out);
    carry_verbalizers(*a);
    model::merge_lora_folder(a->model, a->adapter, a->out);  // config.json last: complete when present
    std::printf("%s\n", a->out.c_str());
  });
}

}  // namespace vlsi::cli
