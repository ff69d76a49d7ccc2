// Ablation plans and tables (distill/ablation_plan.h, ablation_report.h): grid
// expansion over seeds, identical settings sharing one run, evaluations sharing a
// run, step 1 shared per seed, one-line errors naming the setting, mean ± std.
#include <gtest/gtest.h>

#include <cmath>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/ablation_plan.h"
#include "vlsi/distill/ablation_mechanisms.h"
#include "vlsi/distill/ablation_report.h"
#include "vlsi/distill/question_difference.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/dir_walk.h"

using namespace vlsi;
using namespace vlsi::distill;
using io::json;
using distill_support::error_of;

namespace {

const std::string kLoss = "stages.interact.loss.";

// Model folders with only config.json: planning reads the layer counts, nothing more.
json planning_ablation_config(const std::string& dir) {
  for (auto [name, layers] : {std::pair<const char*, int64_t>{"teacher", 5}, {"student", 3}}) {
    json m = vlsi::test_support::tiny_text_model(layers, 64);
    m["text_config"]["vocab_size"] = 320;
    m["image_token_index"] = 319;
    io::write_json_file(dir + "/" + name + "/config.json", m);
  }
  json recipe = {{"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
                 {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}}};
  json settings_ops = json::array(
      {{{"label", "KLD / KLD"}, {"set", {kLoss + "intermediate_op=\"kld\"", kLoss + "last_op=\"kld\""}}},
       {{"label", "KLD / none"}, {"set", {kLoss + "last_op=\"none\""}}}});
  json settings_matching = json::array(
      {{{"label", "+ adaptive temperature"}, {"set", {"stages.interact.matching.adaptive_temperature=true"}}},
       {{"label", "Random"}, {"set", {"stages.interact.matching.strategy=\"random\""}}}});
  json settings_reinforce = json::array(
      {{{"label", "with reinforcement"}, {"set", {"stages.reinforce.share=1"}}},  // 1 == the default 1.0
       {{"label", "without, greedy"}, {"set", {"stages.reinforce.share=0"}}},
       {{"label", "without, beam 5"}, {"set", {"stages.reinforce.share=0"}}, {"eval_set", {"beams=5"}}}});
  return {{"out", dir + "/out"},
          {"seeds", 2},
          {"recipe", recipe},
          {"eval", {{"data", dir + "/data"}}},
          {"grids",
           {{{"name", "ops"}, {"title", "Ops"}, {"settings", settings_ops}},
            {{"name", "matching"}, {"settings", settings_matching}},
            {{"name", "reinforce"}, {"settings", settings_reinforce}}}}};
}

// Every integer "seed" field under j, at any depth.
void collect_seeds(const json& j, std::vector<int64_t>& out) {
  if (j.is_structured())
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (j.is_object() && it.key() == "seed" && it.value().is_number_integer()) out.push_back(it.value());
      else collect_seeds(it.value(), out);
    }
}

}  // namespace

TEST(AblationPlan, IdenticalSettingsShareRunsEvaluationsAndStepOne) {
  std::string dir = distill_support::temp_dir();
  json cfg = resolve_ablation_config(planning_ablation_config(dir), {}, "ablate.json");
  AblationPlan plan = plan_ablation(cfg, {});
  ASSERT_EQ(plan.settings.size(), 7u);
  ASSERT_EQ(plan.grids.size(), 3u);
  EXPECT_EQ(plan.grids[1].title, "matching");  // the name when no title is given
  EXPECT_EQ(plan.seeds, std::vector<int64_t>({0, 1}));
  // KLD / KLD, "+ adaptive temperature" and "with reinforcement" are the default recipe.
  auto& s = plan.settings;
  EXPECT_EQ(s[2].run, s[0].run);
  EXPECT_EQ(s[2].eval, s[0].eval);
  EXPECT_EQ(s[4].eval, s[0].eval);
  // Distinct: KLD / KLD, KLD / none, Random, without reinforcement.
  ASSERT_EQ(plan.runs.size(), 4u);
  EXPECT_EQ(plan.runs[s[0].run].slug, "kld-kld");
  EXPECT_EQ(plan.runs[s[3].run].slug, "random");
  // Beam search evaluates the greedy setting's run, in its own folder.
  EXPECT_EQ(s[6].run, s[5].run);
  EXPECT_NE(s[6].eval, s[5].eval);
  EXPECT_EQ(plan.evals[s[5].eval].name, "eval");
  EXPECT_EQ(plan.evals[s[6].eval].name, "eval-without-beam-5");
  EXPECT_EQ(plan.evals[s[6].eval].spec["beams"], 5);
  EXPECT_EQ(plan.evals.size(), 5u);
  EXPECT_EQ(plan.eval_dir(s[6].eval, 1), dir + "/out/runs/without-greedy/seed-1/eval-without-beam-5");

  // Step 1: one teacher and one student run per seed, shared by every run.
  ASSERT_EQ(plan.shared.size(), 4u);
  for (size_t r = 0; r < plan.runs.size(); ++r) {
    for (size_t k = 0; k < 2; ++k) {
      const json& recipe = plan.runs[r].recipes[k];
      std::string seed_dir = dir + "/out/shared/seed-" + std::to_string(k) + "/";
      EXPECT_EQ(recipe["teacher"]["verbalizers"].get<std::string>().rfind(seed_dir + "verbalize_teacher-", 0), 0u);
      EXPECT_EQ(recipe["student"]["verbalizers"].get<std::string>().rfind(seed_dir + "verbalize_student-", 0), 0u);
      EXPECT_EQ(recipe["teacher"]["verbalizers"], plan.runs[0].recipes[k]["teacher"]["verbalizers"]);
      EXPECT_EQ(recipe["out"], plan.run_dir(r, k));
      std::vector<int64_t> seeds;  // seed k in every stage's trainer, matching, lora and the verbalizers
      collect_seeds(recipe, seeds);
      EXPECT_GE(seeds.size(), 9u);
      for (int64_t v : seeds) EXPECT_EQ(v, int64_t(k));
    }
  }
  for (const auto& sh : plan.shared) {
    std::vector<int64_t> seeds;
    collect_seeds(sh.config, seeds);
    for (int64_t v : seeds) EXPECT_EQ(v, sh.seed);
  }

  std::string listing = describe_ablation_plan(plan);
  EXPECT_NE(listing.find("(same as 'KLD / KLD')"), std::string::npos) << listing;
  EXPECT_NE(listing.find("(trained by 'without, greedy')"), std::string::npos) << listing;
  EXPECT_NE(listing.find("--set stages.interact.matching.strategy=\"random\""), std::string::npos) << listing;

  // --grid keeps only the runs its grids need, under the folder names of the full plan.
  AblationPlan only = plan_ablation(cfg, {"reinforce", "matching"});
  ASSERT_EQ(only.grids.size(), 2u);
  EXPECT_EQ(only.grids[0].name, "matching");  // config order
  EXPECT_EQ(only.settings.size(), 5u);
  ASSERT_EQ(only.runs.size(), 3u);
  EXPECT_EQ(only.runs[0].slug, "kld-kld");
  EXPECT_EQ(only.runs[2].slug, "without-greedy");
  EXPECT_EQ(only.evals.size(), 4u);
  EXPECT_EQ(only.eval_dir(only.settings[4].eval, 0), plan.eval_dir(s[6].eval, 0));
  EXPECT_EQ(only.shared.size(), 4u);
  EXPECT_EQ(plan_ablation(cfg, {"ops"}).runs.size(), 2u);
  io::remove_tree(dir);
}

TEST(AblationPlan, ErrorsAreOneLineAndNameTheSetting) {
  std::string dir = distill_support::temp_dir();
  json content = planning_ablation_config(dir);
  json cfg = resolve_ablation_config(content, {}, "ablate.json");
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { plan_ablation(cfg, {"ops", "loss"}); }),
                                                "--grid 'loss': unknown grid (the config has: ops, matching, reinforce)"));
  json bad = content;
  bad["grids"][0]["settings"][1]["set"] = {kLoss + "last_opp=\"none\""};
  cfg = resolve_ablation_config(bad, {}, "ablate.json");
  std::string e = error_of([&] { plan_ablation(cfg, {}); });
  EXPECT_TRUE(distill_support::one_line_error_with(e, "grid 'ops', setting 'KLD / none'")) << e;
  EXPECT_TRUE(distill_support::one_line_error_with(e, "last_opp")) << e;
  bad["grids"][0]["settings"][1]["set"] = {kLoss + "last_op=\"kdl\""};
  cfg = resolve_ablation_config(bad, {}, "ablate.json");
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { plan_ablation(cfg, {}); }), "setting 'KLD / none'"));
  bad = content;
  bad["grids"][2]["settings"][2]["eval_set"] = {"beam=5"};
  cfg = resolve_ablation_config(bad, {}, "ablate.json");
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { plan_ablation(cfg, {}); }),
                                                "setting 'without, beam 5': override 'beam=5'"));
  bad = content;
  bad["grids"][1]["settings"][0]["label"] = "Random";
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { resolve_ablation_config(bad, {}, "a.json"); }),
                                                "grid 'matching': setting 'Random' is defined twice"));
  bad = content;
  bad["grids"][0]["settings"][0]["sett"] = json::array();
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { resolve_ablation_config(bad, {}, "a.json"); }),
                                                "unknown field 'sett'"));
  EXPECT_TRUE(distill_support::one_line_error_with(error_of([&] { resolve_ablation_config(content, {"seeds=0"}, "a.json"); }),
                                                "a.json: field 'seeds': expected >= 1"));
  io::remove_tree(dir);
}

TEST(AblationReport, MeanAndSampleStd) {
  EXPECT_DOUBLE_EQ(mean_of({50, 60, 70}), 60.0);
  EXPECT_DOUBLE_EQ(sample_std_of({50, 60, 70}), 10.0);  // n - 1: sqrt(200 / 2)
  EXPECT_EQ(format_mean_std({50, 60, 70}), "60.0 ± 10.0");
  EXPECT_EQ(format_mean_std({1, 2, 3, 4}), "2.5 ± 1.3");  // sqrt(5 / 3) = 1.29
  EXPECT_EQ(format_mean_std({80}), "80.0 ± 0.0");
  EXPECT_EQ(format_mean_std({}), "–");
  EXPECT_DOUBLE_EQ(sample_std_of({42}), 0.0);
}

TEST(AblationReport, PairedDifferenceWithStudentInterval) {
  EXPECT_NEAR(student_t_975(1), 12.7062, 1e-4);
  EXPECT_NEAR(student_t_975(4), 2.7764, 1e-4);
  EXPECT_NEAR(student_t_975(40), 2.0211, 2e-4);   // beyond the table: the expansion
  EXPECT_NEAR(student_t_975(120), 1.9799, 2e-4);
  // Differences 1, 2, 0, 3, 2: mean 1.6, sd sqrt(1.3), half width 2.7764 * sd / sqrt(5).
  auto d = paired_difference({0, 1, 2, 3, 4}, {40, 42, 41, 43, 44}, {4, 3, 2, 1, 0}, {42, 40, 41, 40, 39});
  EXPECT_EQ(d.n, 5);
  EXPECT_NEAR(d.mean, 1.6, 1e-12);
  EXPECT_NEAR(d.sd, std::sqrt(1.3), 1e-12);
  EXPECT_NEAR(d.low, 1.6 - 2.7764 * std::sqrt(1.3) / std::sqrt(5.0), 1e-4);
  EXPECT_NEAR(d.high, 1.6 + 2.7764 * std::sqrt(1.3) / std::sqrt(5.0), 1e-4);
  EXPECT_EQ(format_paired_difference(d), "+1.6 [+0.2, +3.0]");
  // Only seeds both finished are paired.
  d = paired_difference({0, 2}, {30, 35}, {1, 2}, {31, 36});
  EXPECT_EQ(d.n, 1);
  EXPECT_EQ(format_paired_difference(d), "-1.0 (1 seed)");
  EXPECT_EQ(format_paired_difference(paired_difference({0}, {30}, {1}, {31})), "–");
}

TEST(AblationReport, QuestionIntervalAveragesEachQuestionOverThePairedSeeds) {
  auto answers = [](std::vector<bool> v) {
    QuestionCorrectness c;
    for (size_t q = 0; q < v.size(); ++q) c["q" + std::to_string(q)] = v[q];
    return c;
  };
  // Seeds 0 and 1 pair; seed 2 has no reference samples, seed 3 no reference result at all.
  std::vector<QuestionCorrectness> setting = {answers({1, 1, 0, 0}), answers({1, 0, 1, 0}), answers({1, 1, 1, 1}),
                                              answers({1, 1, 1, 1})};
  std::vector<QuestionCorrectness> reference = {answers({0, 1, 0, 0}), answers({1, 0, 0, 0}), {}};
  // Per question, summed over the two seeds and halved: +50, 0, +50, 0 points. Mean 25,
  // sd sqrt(2500 / 3), half width t(3) * sd / 2.
  auto q = question_difference({0, 1, 2, 3}, setting, {1, 0, 2}, {reference[1], reference[0], reference[2]});
  EXPECT_EQ(q.seeds, 2);
  EXPECT_EQ(q.over_questions.n, 4);
  EXPECT_NEAR(q.over_questions.mean, 25.0, 1e-12);
  EXPECT_NEAR(q.over_questions.sd, std::sqrt(2500.0 / 3.0), 1e-9);
  EXPECT_NEAR(q.over_questions.high, 25.0 + 3.1824 * std::sqrt(2500.0 / 3.0) / 2.0, 1e-3);
  EXPECT_EQ(format_question_interval(q), "[-20.9, +70.9]");
  // A question missing from one paired evaluation (a different --limit) is left out.
  reference[0].erase("q0");
  q = question_difference({0, 1}, {setting[0], setting[1]}, {0, 1}, {reference[0], reference[1]});
  EXPECT_EQ(q.over_questions.n, 3);
  EXPECT_NEAR(q.over_questions.mean, 50.0 / 3.0, 1e-9);
  EXPECT_EQ(format_question_interval(question_difference({0}, {setting[0]}, {1}, {reference[1]})), "–");

  std::string dir = distill_support::temp_dir();
  io::write_file_atomic(dir + "/samples.jsonl", "{\"id\": \"a\", \"correct\": true}\n{\"id\": \"b\"}\n");
  EXPECT_TRUE(distill_support::one_line_error_with(
      error_of([&] { read_question_correctness(dir + "/samples.jsonl"); }),
      dir + "/samples.jsonl: line 2: expected a JSON object with a string 'id' and a boolean 'correct'"));
  io::remove_tree(dir);
}

TEST(AblationPlan, ReferenceMustNameASettingOfItsGrid) {
  std::string dir = distill_support::temp_dir();
  json content = planning_ablation_config(dir);
  content["grids"][0]["reference"] = "Random";  // a setting of another grid
  EXPECT_TRUE(distill_support::one_line_error_with(
      error_of([&] { resolve_ablation_config(content, {}, "a.json"); }),
      "grid 'ops': field 'reference': expected the label of one of the grid's settings, got 'Random'"));
  content["grids"][0]["reference"] = "KLD / none";
  AblationPlan plan = plan_ablation(resolve_ablation_config(content, {}, "a.json"), {});
  EXPECT_EQ(plan.settings[plan.grids[0].reference].label, "KLD / none");
  EXPECT_EQ(plan.grids[1].reference, AblationGrid::kNoReference);
  AblationPlan only = plan_ablation(resolve_ablation_config(content, {}, "a.json"), {"matching", "ops"});
  EXPECT_EQ(only.settings[only.grids[0].reference].label, "KLD / none");  // re-indexed by keep_grids
  io::remove_tree(dir);
}

TEST(AblationReport, TablesFromResultFiles) {
  std::string dir = distill_support::temp_dir();
  json content = planning_ablation_config(dir);
  content["grids"][0]["reference"] = "KLD / KLD";
  AblationPlan plan = plan_ablation(resolve_ablation_config(content, {}, "ablate.json"), {"ops", "matching"});
  // KLD / KLD: seeds 0 and 1 finished; KLD / none: seed 0 only; Random: none.
  auto result = [](double overall, double circle) {
    return json{{"overall", {{"accuracy", overall}}}, {"categories", {{"circle", {{"accuracy", circle}}}}}};
  };
  io::write_json_file(plan.eval_dir(plan.settings[0].eval, 0) + "/results.json", result(0.5, 0.25));
  io::write_json_file(plan.eval_dir(plan.settings[0].eval, 1) + "/results.json", result(0.7, 0.75));
  io::write_json_file(plan.eval_dir(plan.settings[1].eval, 0) + "/results.json", result(0.4, 0.5));
  // Seed 0's samples, 10 questions: KLD / KLD answers q0..q4, KLD / none q0..q3. Per question
  // -100 once and 0 nine times: mean -10, sd sqrt(1000), half width t(9) * sd / sqrt(10) = 22.6.
  auto samples = [](int correct) {
    std::string o;
    for (int q = 0; q < 10; ++q)
      o += json{{"id", "q" + std::to_string(q)}, {"correct", q < correct}}.dump() + "\n";
    return o;
  };
  io::write_file_atomic(plan.eval_dir(plan.settings[0].eval, 0) + "/samples.jsonl", samples(5));
  io::write_file_atomic(plan.eval_dir(plan.settings[1].eval, 0) + "/samples.jsonl", samples(4));
  write_ablation_report(plan, "vlsi ablate --config ablate.json");

  json table = io::read_json_file(plan.out + "/ablation.json");
  EXPECT_EQ(table["columns"], json({"grid", "setting", "n", "overall", "overall_std", "circle", "reference", "diff",
                                    "diff_low", "diff_high", "diff_n", "diff_question_low", "diff_question_high",
                                    "diff_questions", "overall_by_seed", "result"}));
  ASSERT_EQ(table["rows"].size(), 4u);
  EXPECT_EQ(table["rows"][0], json({"ops", "KLD / KLD", 2, 60.0, 14.14, 50.0, nullptr, nullptr, nullptr, nullptr,
                                    nullptr, nullptr, nullptr, nullptr, {{"0", 50.0}, {"1", 70.0}},
                                    "runs/kld-kld/seed-*/eval"}));
  // KLD / none against the reference: seed 0 pairs (40 - 50), seed 1 has no KLD / none result.
  EXPECT_EQ(table["rows"][1], json({"ops", "KLD / none", 1, 40.0, 0.0, 50.0, "KLD / KLD", -10.0, -10.0, -10.0, 1,
                                    -32.62, 12.62, 10, {{"0", 40.0}}, "runs/kld-none/seed-*/eval"}));
  EXPECT_EQ(table["rows"][2][1], "+ adaptive temperature");  // reported again where the grid lists it
  EXPECT_EQ(table["rows"][2][3], 60.0);
  EXPECT_EQ(table["rows"][3][2], 0);
  EXPECT_TRUE(table["rows"][3][3].is_null());

  std::string md = io::read_file(plan.out + "/results.md");
  EXPECT_NE(md.find("`vlsi ablate --config ablate.json`"), std::string::npos) << md;
  EXPECT_NE(md.find("## Ops\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| setting | overall | n | Δ vs KLD / KLD [95 % CI by seed] | 95 % CI by question | circle | "
                    "result |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| setting | overall | n | circle | result |"), std::string::npos) << md;  // matching: no reference
  EXPECT_NE(md.find("| KLD / KLD | 60.0 ± 14.1 | 2 | (reference) |  | 50.0 | `runs/kld-kld/seed-*/eval` (also matching: + "
                    "adaptive temperature) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| KLD / none | 40.0 ± 0.0 | 1 | -10.0 (1 seed) | [-32.6, +12.6] | 50.0 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| Random | – | 0 | – |"), std::string::npos) << md;
  io::remove_tree(dir);
}

TEST(AblationReport, MechanismsOfFinishedRunsOnly) {
  std::string dir = distill_support::temp_dir();
  AblationPlan plan = plan_ablation(resolve_ablation_config(planning_ablation_config(dir), {}, "ablate.json"), {});
  // Two logged interaction steps per seed: loss_last 0.5 then 0.25; one micro-batch each.
  std::string metrics;
  for (int s = 1; s <= 2; ++s)
    metrics += json{{"split", "train"}, {"step", s}, {"loss_last", s == 1 ? 0.5 : 0.25},
                    {"kl_layer_0", s == 1 ? 0.8 : 0.6}, {"kl_layer_2", 0.4},
                    {"events", {{{"matched", {s - 1, 3}}, {"d_spread", {0.2, 0.1}}}}}}.dump() + "\n";
  for (size_t k = 0; k < 2; ++k) {
    io::make_dirs(plan.run_dir(plan.settings[0].run, k) + "/interact");
    io::write_file_atomic(plan.run_dir(plan.settings[0].run, k) + "/interact/metrics.jsonl", metrics);
  }
  // Seed 0 finished: its interaction's final validation, and its student verbalization step's (a shared folder).
  const std::string shared = dir + "/shared-verbalize-student";
  io::make_dirs(shared);
  io::write_json_file(shared + "/summary.json",
                      json{{"final_validation", {{"val_acc_layer_10", 0.5}, {"val_acc_layer_2", 0.25}}}});
  io::write_json_file(plan.run_dir(plan.settings[0].run, 0) + "/config.json",
                      json{{"student", {{"verbalizers", shared + "/verbalizers"}}}});
  io::write_json_file(plan.run_dir(plan.settings[0].run, 0) + "/summary.json",
                      json{{"stages", {{"interact", {{"final_validation", {{"val_loss", 1.0}, {"val_acc_layer_2", 0.375},
                                                                           {"val_acc_layer_10", 0.625}}}}}}}});
  // seed 1 still runs
  json m = ablation_mechanisms(plan);
  ASSERT_TRUE(m.contains("ops/KLD / KLD")) << m.dump();
  EXPECT_EQ(m["ops/KLD / KLD"]["seeds"], 1);
  EXPECT_FALSE(m.contains("ops/KLD / none"));  // no trace at all
  std::string md = mechanisms_markdown(plan, plan.grids[0], m);
  // Layers in order (2 before 10): before → after.
  EXPECT_NE(md.find("| KLD / KLD | 1 | 0.500 → 0.250 | 0.200, 0.100 | 0.0 → 1.0, 3.0 → 3.0 | 0.800 → 0.600, 0.400 → "
                    "0.400 | 0.250 → 0.375, 0.500 → 0.625 |"),
            std::string::npos)
      << md;
  EXPECT_FALSE(m.contains("reinforce/without, greedy"));
  EXPECT_TRUE(m.contains("reinforce/with reinforcement"));  // the same run as KLD / KLD
  write_ablation_report(plan, "vlsi ablate");
  EXPECT_NE(io::read_file(plan.out + "/results.md").find("| KLD / KLD | 1 | 0.500 → 0.250"), std::string::npos);
  EXPECT_EQ(io::read_json_file(plan.out + "/mechanisms.json"), m);
  io::remove_tree(dir);
}
