// vlsi eval: greedy-decoding accuracy of a model folder per category, or a
// VLMEvalKit benchmark TSV scored by its own rule (circular MCQ, MME, POPE).
#include <cstdio>
#include <memory>

#include "vlsi/cli/commands.h"
#include "vlsi/eval/benchmark_tables.h"
#include "vlsi/eval/eval_run.h"

namespace vlsi::cli {

namespace {
void print_results(const nlohmann::json& r) {
  if (r.contains("kind")) {
    std::fputs(eval::format_benchmark_table(r).c_str(), stdout);
    return;
  }
  std::printf("%-12s %8s %7s\n", "category", "accuracy", "n");
  for (auto& [name, c] : r["categories"].items())
    std::printf("%-12s %8.3f %7lld\n", name.c_str(), c["accuracy"].get<double>(), c["total"].get<long long>());
  std::printf("%-12s %8.3f %7lld\n", "overall", r["overall"]["accuracy"].get<double>(),
              r["overall"]["total"].get<long long>());
}
}  // namespace

void register_eval_commands(CLI::App& app) {
  auto s = std::make_shared<eval::EvalRunSpec>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a model folder on a dataset split (greedy or beam search)");
  cmd->add_option("--model", s->model_dir, "model folder (config.json, model.safetensors, tokenizer.json)")->required();
  cmd->add_option("--data,--benchmark", s->data,
                  "dataset folder (reads SPLIT.jsonl), a JSON/JSONL file, or a VLMEvalKit benchmark FILE.tsv")
      ->required();
  cmd->add_option("--tsv-kind", s->tsv_kind,
                  "TSV scoring: mcq (circular), yorn (MME acc/acc+), pope; auto: mcq with option columns A and B, "
                  "pope when the file name says so, else yorn")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "mcq", "yorn", "pope"}));
  cmd->add_option("--split", s->split, "split file to read from a dataset folder")->capture_default_str();
  cmd->add_option("--images", s->images, "image folder (default: images/ beside the data file)");
  cmd->add_option("--out", s->out_dir, "folder for results.json and samples.jsonl (predictions.tsv for a TSV)");
  cmd->add_option("--batch-size", s->options.batch_size, "prompts decoded together")->capture_default_str();
  cmd->add_option("--max-new-tokens", s->options.max_new_tokens, "answer length limit")->capture_default_str();
  cmd->add_option("--beams", s->options.num_beams, "beam search with N beams (1 = greedy)")->capture_default_str();
  cmd->add_option("--limit", s->options.limit, "evaluate only the first N records (0 = all)")->capture_default_str();
  cmd->add_option("--device", s->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--dtype", s->dtype, "float32, bfloat16 or float16 (default: the model's own, config.json's dtype)");
  cmd->add_option("--threads", s->threads, "CPU threads (0 = every core)")->capture_default_str();
  cmd->add_option("--bad-records", s->bad_records, "skip or fail on bad records")->capture_default_str();
  cmd->callback([s] { print_results(eval::run_eval(*s)); });
}

}  // namespace vlsi::cli
