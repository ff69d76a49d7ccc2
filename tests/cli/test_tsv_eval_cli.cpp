// End to end: `vlsi data shapes --format vlmevalkit` writes the three TSVs,
// `vlsi eval` answers them with a tiny model, and the recorded scores are
// what the scorers give for the predictions file it wrote.
#include <cstdio>
#include <gtest/gtest.h>

#include <filesystem>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "vlsi/eval/benchmark_tsv.h"
#include "vlsi/eval/circular_mcq_score.h"
#include "vlsi/eval/mme_score.h"
#include "vlsi/eval/pope_score.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/tsv_table.h"

namespace tsv_eval_cli_test {
using namespace vlsi;
using test_support::run_cli;
namespace fs = std::filesystem;

// The predictions column of predictions.tsv, checked to line up with the benchmark.
std::vector<std::string> recorded_predictions(const std::string& file, const eval::BenchmarkTsv& b) {
  io::TsvTable t = io::read_tsv_file(file);
  EXPECT_FALSE(t.has("image"));  // the image data stays out of the result file
  EXPECT_EQ(t.rows.size(), b.questions.size());
  std::vector<std::string> preds;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    EXPECT_EQ(t.rows[i][size_t(t.column("index"))], b.questions[i].index);
    preds.push_back(t.rows[i][size_t(t.column("prediction"))]);
  }
  return preds;
}

TEST(CliTsvEval, ShapesTsvsScoredByTheirRules) {
  const std::string dir = test_support::fresh_dir("tsv_eval");
  test_support::make_sft_fixture(dir, 14);
  auto model = io::read_json_file(dir + "/model.json");
  model["text_config"]["max_position_embeddings"] = 1024;  // MCQ prompts are long in a 320-token vocabulary
  io::write_json_file(dir + "/model.json", model);
  auto init = run_cli("model init --config " + dir + "/model.json --tokenizer " + dir + "/tokenizer.json --out " + dir + "/m");
  ASSERT_EQ(init.code, 0) << init.output;
  auto gen = run_cli("data shapes --out " + dir + "/d --seed 5 --test 7 --image-size 32 --format vlmevalkit");
  ASSERT_EQ(gen.code, 0) << gen.output;
  EXPECT_NE(gen.output.find("shapes_mcq.tsv 20 rows (5 questions x 4 rotations)"), std::string::npos) << gen.output;

  for (const std::string kind : {"mcq", "yorn", "pope"}) {
    const std::string tsv = dir + "/d/vlmevalkit/shapes_" + kind + ".tsv", out = dir + "/e_" + kind;
    auto ev = run_cli("eval --model " + dir + "/m --benchmark " + tsv + " --out " + out +
                      " --max-new-tokens 4 --threads 1 --batch-size 16");
    ASSERT_EQ(ev.code, 0) << ev.output;
    const eval::BenchmarkTsv b = eval::load_benchmark_tsv(tsv, "auto");
    EXPECT_EQ(eval::benchmark_kind_name(b.kind), kind);
    const auto preds = recorded_predictions(out + "/predictions.tsv", b);
    const auto results = io::read_json_file(out + "/results.json");
    EXPECT_EQ(results["kind"], kind);
    char shown[32];
    if (kind == "mcq") {
      auto s = eval::score_circular_mcq(b.questions, preds);
      EXPECT_EQ(s.questions.size(), 5u);
      EXPECT_DOUBLE_EQ(results["overall"]["accuracy"].get<double>(), s.overall());
      EXPECT_DOUBLE_EQ(results["row_accuracy"].get<double>(), s.row_accuracy());
      std::snprintf(shown, sizeof(shown), "%8.2f", 100 * s.overall());
      EXPECT_NE(ev.output.find(std::string("Overall                  ") + shown), std::string::npos) << ev.output;
    } else if (kind == "yorn") {
      auto s = eval::score_mme(b.questions, preds);
      EXPECT_EQ(b.questions.size(), 10u);
      EXPECT_DOUBLE_EQ(results["perception"].get<double>(), s.perception);
      for (const auto& c : s.categories) {
        EXPECT_EQ(c.images * 2, c.questions);  // MME pairs
        EXPECT_DOUBLE_EQ(results["categories"][c.name]["score"].get<double>(), c.score());
      }
      std::snprintf(shown, sizeof(shown), "%26.2f", s.perception);
      EXPECT_NE(ev.output.find(std::string("perception               ") + shown), std::string::npos) << ev.output;
    } else {
      auto s = eval::score_pope(b.questions, preds);
      EXPECT_EQ(s.splits.size(), 3u);
      EXPECT_EQ(s.overall.total(), 30);
      EXPECT_DOUBLE_EQ(results["overall"]["f1"].get<double>(), s.overall.f1());
      EXPECT_DOUBLE_EQ(results["overall"]["yes_ratio"].get<double>(), s.overall.yes_ratio());
      EXPECT_EQ(results["splits"]["random"]["tp"].get<int64_t>(), s.splits.at("random").tp);
      std::snprintf(shown, sizeof(shown), "%8.2f", 100 * s.overall.accuracy());
      EXPECT_NE(ev.output.find(std::string("Overall        ") + shown), std::string::npos) << ev.output;
    }
  }
  // A bad kind is refused by the flag check, before the model is loaded.
  auto bad = run_cli("eval --model " + dir + "/m --benchmark " + dir + "/d/vlmevalkit/shapes_pope.tsv --tsv-kind mc");
  EXPECT_NE(bad.code, 0);
  fs::remove_all(dir);
}

}  // namespace tsv_eval_cli_test
