// `vlsi ablate` end to end on tiny models (the vlsi binary, $VLSI_BIN): 2 settings
// plus a duplicate of one, 2 seeds; step 1 runs once per seed and side, results.md
// and ablation.json hold every setting over both seeds, a rerun skips everything,
// --dry-run and errors are cheap. A few seconds of training in all.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "../cli/cli_runner.h"
#include "step_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using io::json;
using test_support::count_of;

namespace {

json runnable_ablation_config(const std::string& dir) {
  auto trainer = [](int64_t steps) {
    json t = test_support::fixture_trainer(steps, 3e-3);
    t["batch_size"] = 4;
    return t;
  };
  json recipe = {{"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"data", {{"train", dir + "/data/train.jsonl"}}},
                 {"stages",
                  {{"verbalize_teacher", {{"trainer", trainer(2)}}},
                   {"verbalize_student", {{"trainer", trainer(2)}}},
                   {"interact", {{"trainer", trainer(2)}}},
                   {"reinforce", {{"share", 0.5}, {"trainer", trainer(1)}}}}}};
  json ops = json::array({{{"label", "KLD / KLD"}, {"set", json::array()}},
                          {{"label", "KLD / none"}, {"set", {"stages.interact.loss.last_op=\"none\""}}}});
  json again = json::array({{{"label", "+ adaptive temperature"},
                             {"set", {"stages.interact.matching.adaptive_temperature=true"}}}});
  return {{"out", dir + "/ablate"},
          {"seeds", 3},
          {"recipe", recipe},
          {"eval", {{"data", dir + "/data"}, {"batch_size", 8}, {"max_new_tokens", 4}, {"limit", 8}, {"threads", 1}}},
          {"grids", {{{"name", "ops"}, {"settings", ops}}, {{"name", "matching"}, {"settings", again}}}}};
}

}  // namespace

TEST(AblateCli, GridOverSeedsWritesTablesAndSkipsFinishedWork) {
  std::string dir = test_support::fresh_dir("ablate_e2e");
  test_support::make_distill_fixture(dir, 16);
  io::write_json_file(dir + "/ablate.json", runnable_ablation_config(dir));
  const std::string conf = dir + "/ablate.json", out = dir + "/ablate";

  auto dry = test_support::run_cli("ablate --config " + conf + " --seeds 2 --dry-run");
  ASSERT_EQ(dry.code, 0) << dry.output;
  EXPECT_NE(dry.output.find("3 settings in 2 grids: 2 distinct runs and 2 evaluations per seed, 2 seeds"),
            std::string::npos) << dry.output;
  EXPECT_FALSE(io::file_exists(out + "/config.json"));  // a dry run writes nothing

  auto bad = test_support::run_cli("ablate --config " + conf + " --grid ops,nope --dry-run");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("error: ablation: --grid 'nope': unknown grid"), std::string::npos) << bad.output;

  auto first = test_support::run_cli("ablate --config " + conf + " --seeds 2");
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("[ablate] 1/4 KLD / KLD seed 0 -> " + out + "/runs/kld-kld/seed-0/eval"),
            std::string::npos) << first.output;
  EXPECT_NE(first.output.find("[ablate] 4/4 KLD / none seed 1"), std::string::npos) << first.output;
  // Step 1 ran once per seed and side, never inside a run folder.
  EXPECT_EQ(count_of(first.output, "[distill] stage verbalize_"), 0u) << first.output;
  EXPECT_EQ(count_of(first.output, "[ablate] seed 0: shared verbalize_"), 2u) << first.output;
  for (auto& e : io::list_dir(out + "/shared/seed-1"))
    EXPECT_TRUE(io::file_exists(out + "/shared/seed-1/" + e.name + "/summary.json")) << e.name;
  EXPECT_FALSE(io::is_directory(out + "/runs/kld-none/seed-1/verbalize_teacher"));
  EXPECT_TRUE(io::file_exists(out + "/runs/kld-none/seed-1/student/config.json"));
  EXPECT_TRUE(io::file_exists(out + "/runs/kld-none/seed-1/eval/results.json"));
  EXPECT_FALSE(io::is_directory(out + "/runs/adaptive-temperature"));  // the same run as KLD / KLD
  EXPECT_EQ(io::read_json_file(out + "/config.json")["seeds"], 2);

  json table = io::read_json_file(out + "/ablation.json");
  ASSERT_EQ(table["rows"].size(), 3u);
  for (auto& row : table["rows"]) EXPECT_EQ(row[2], 2) << row.dump();  // both seeds of every setting
  EXPECT_EQ(table["rows"][2][3], table["rows"][0][3]);
  std::string md = io::read_file(out + "/results.md");
  EXPECT_NE(md.find("`vlsi ablate --config " + conf + " --seeds 2`"), std::string::npos) << md;
  EXPECT_NE(md.find("## ops\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| KLD / none | "), std::string::npos) << md;
  EXPECT_NE(md.find("| + adaptive temperature | "), std::string::npos) << md;

  // Rerun: every run and evaluation is found complete; nothing trains.
  auto again = test_support::run_cli("ablate --config " + conf + " --seeds 2");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(count_of(again.output, "[ablate]   distill run "), 4u) << again.output;
  EXPECT_EQ(count_of(again.output, "[ablate]   evaluation "), 4u) << again.output;
  EXPECT_EQ(count_of(again.output, "[distill] stage"), 0u) << again.output;
  EXPECT_EQ(io::read_file(out + "/results.md"), md);

  // Other weights under the same path (a retrained model): the folder is refused.
  const std::string model_file = io::read_json_file(out + "/models.json").begin().value()["file"];
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, model_file.c_str(), times, 0), 0);
  auto stale = test_support::run_cli("ablate --config " + conf + " --seeds 2");
  EXPECT_EQ(stale.code, 1) << stale.output;
  EXPECT_NE(stale.output.find("models.json: this ablation folder was trained from other weights"), std::string::npos)
      << stale.output;
  EXPECT_EQ(count_of(stale.output, "[distill] stage"), 0u) << stale.output;

  // A prepared verbalizer folder must verbalize the recipe's target layers.
  auto student_verbalizers = io::read_json_file(out + "/runs/kld-kld/seed-0/config.json")["student"]["verbalizers"];
  auto wrong = test_support::run_cli("distill --config " + out + "/runs/kld-kld/seed-0/config.json --out " + dir +
                                     "/wrong --set teacher.verbalizers='" + student_verbalizers.dump() + "'");
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.output.find("field 'teacher.verbalizers': "), std::string::npos) << wrong.output;
  EXPECT_NE(wrong.output.find("verbalizes layers [0,1], the recipe's teacher target layers are [0,1,2,3]"),
            std::string::npos) << wrong.output;
  io::remove_tree(dir);
}
