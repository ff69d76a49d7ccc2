// `vlsi distill` across model families on the shapes data (the vlsi binary):
//   - a tiny LLaVA-OneVision teacher and a tiny Qwen2-VL student, each with its
//     own tokenizer (the student's adds Qwen2-VL's vision tokens), processor and
//     image tokens: the teacher reads every batch through its own view, the
//     answers pair up by position, each side's verbalizers follow its own layer
//     count, and the final student is a Qwen2-VL folder;
//   - a text-only pair (Qwen2ForCausalLM teacher and student) on text records;
//   - a teacher whose vocabulary differs from the student's is refused in one
//     line naming the first differing id.
#include <gtest/gtest.h>

#include <sstream>

#include "../cli/cli_runner.h"
#include "step_fixture.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/read_file.h"
#include "vlsi/model/registry.h"
#include "vlsi/text/shared_vocabulary.h"

using namespace vlsi;
using io::json;
namespace fs = std::filesystem;

namespace {

// The fixture tokenizer with Qwen2-VL's vision tokens added after its own ids.
void write_qwen2_vl_tokenizer(const std::string& from, const std::string& to) {
  json j = text::Tokenizer::from_file(from).to_json();
  int64_t next = text::Tokenizer::from_file(from).vocab_size();
  for (const char* t : {"<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"})
    j["added_tokens"].push_back({{"id", next++}, {"content", t}, {"single_word", false}, {"lstrip", false},
                                 {"rstrip", false}, {"normalized", false}, {"special", true}});
  io::write_json_file(to, j);
}

json tiny_qwen2_vl(int64_t layers, int64_t hidden) {
  return {{"model_type", "qwen2_vl"},
          {"architectures", {"Qwen2VLForConditionalGeneration"}},
          {"text_config",
           {{"model_type", "qwen2_vl_text"}, {"hidden_size", hidden}, {"intermediate_size", 2 * hidden},
            {"num_hidden_layers", layers}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
            {"max_position_embeddings", 256}, {"tie_word_embeddings", true},
            {"rope_scaling", {{"type", "mrope"}, {"mrope_section", {2, 2, 2}}}}}},
          {"vision_config",
           {{"depth", 1}, {"embed_dim", 32}, {"hidden_size", hidden}, {"num_heads", 2}, {"mlp_ratio", 2},
            {"patch_size", 8}, {"spatial_merge_size", 2}, {"temporal_patch_size", 2}}}};
}

json tiny_qwen2(int64_t layers, int64_t hidden) {
  return {{"model_type", "qwen2"}, {"architectures", {"Qwen2ForCausalLM"}}, {"hidden_size", hidden},
          {"intermediate_size", 2 * hidden}, {"num_hidden_layers", layers}, {"num_attention_heads", 4},
          {"num_key_value_heads", 2}, {"max_position_embeddings", 256}, {"tie_word_embeddings", true}};
}

void save_model(const std::string& dir, const std::string& name, const json& config, const std::string& tokenizer,
                uint64_t seed) {
  io::write_json_file(dir + "/" + name + ".json", config);
  auto tok = text::Tokenizer::from_file(tokenizer);
  auto m = model::create_model(train::config_for_tokenizer(dir + "/" + name + ".json", tok), seed);
  model::SaveOptions so;
  so.tokenizer_json = tokenizer;
  model::save_model(m, dir + "/" + name, so);
}

json recipe(const std::string& dir, const json& data) {
  json t = test_support::fixture_trainer(6, 5e-2);
  return {{"out", dir + "/run"},
          {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"data", data},
          {"stages",
           {{"verbalize_teacher", {{"trainer", t}}},
            {"verbalize_student", {{"trainer", t}}},
            {"interact", {{"trainer", test_support::fixture_trainer(6, 3e-3)}}},
            {"reinforce", {{"share", 0.5}, {"trainer", test_support::fixture_trainer(1, 3e-3)}}}}}};
}

// Every interaction step logged finite divergences and a matched layer per student target.
void expect_interaction_ran(const std::string& run, size_t student_targets) {
  std::istringstream in(io::read_file(run + "/interact/metrics.jsonl"));
  int steps = 0;
  for (std::string l; std::getline(in, l);) {
    auto j = json::parse(l);
    if (j.value("split", "") != "train" || !j.contains("loss_intermediate")) continue;
    EXPECT_TRUE(std::isfinite(j["loss_intermediate"].get<double>())) << l;
    ++steps;
  }
  EXPECT_GT(steps, 0);
  auto info = io::read_json_file(run + "/interact/interact.json");
  EXPECT_EQ(info["match_counts"].size(), student_targets);
}

}  // namespace

TEST(CrossFamilyDistill, LlavaOnevisionTeacherTeachesAQwen2VlStudent) {
  const std::string dir = test_support::fresh_dir("cross_family");
  test_support::make_sft_fixture(dir, 48);
  write_qwen2_vl_tokenizer(dir + "/tokenizer.json", dir + "/student_tokenizer.json");
  save_model(dir, "teacher", test_support::tiny_text_model(4, 64), dir + "/tokenizer.json", 11);
  save_model(dir, "student", tiny_qwen2_vl(3, 48), dir + "/student_tokenizer.json", 12);
  io::write_json_file(dir + "/recipe.json", recipe(dir, test_support::fixture_data(dir)));

  auto r = test_support::run_cli("distill --config " + dir + "/recipe.json");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("the teacher (llava_onevision) reads the data through its own"), std::string::npos)
      << r.output;
  auto summary = io::read_json_file(dir + "/run/summary.json");
  // Each side's own layer count: every layer but the last (which the head reads).
  EXPECT_EQ(summary["student_target_layers"], json({0, 1}));
  EXPECT_EQ(summary["teacher_target_layers"], json({0, 1, 2}));
  expect_interaction_ran(dir + "/run", 2);
  EXPECT_EQ(model::load_model_config(dir + "/run/student").model_type, "qwen2_vl");
}

TEST(CrossFamilyDistill, TextOnlyPairDistillsOnTextRecords) {
  const std::string dir = test_support::fresh_dir("text_only_distill");
  test_support::make_sft_fixture(dir, 48);
  // The shapes records without their images: plain text exchanges.
  for (const char* split : {"train", "val"}) {
    std::istringstream in(io::read_file(dir + "/data/" + split + ".jsonl"));
    std::string out;
    for (std::string l; std::getline(in, l);) {
      json j = json::parse(l);
      j.erase("image");
      for (auto& t : j["conversations"]) {
        std::string v = t["value"];
        for (size_t p; (p = v.find("<image>\n")) != std::string::npos;) v.erase(p, 8);
        t["value"] = v;
      }
      out += j.dump() + "\n";
    }
    io::write_file_atomic(dir + "/data/text_" + split + ".jsonl", out);
  }
  save_model(dir, "teacher", tiny_qwen2(4, 64), dir + "/tokenizer.json", 11);
  save_model(dir, "student", tiny_qwen2(2, 48), dir + "/tokenizer.json", 12);
  io::write_json_file(dir + "/recipe.json",
                      recipe(dir, {{"train", dir + "/data/text_train.jsonl"}, {"val", dir + "/data/text_val.jsonl"}}));
  auto r = test_support::run_cli("distill --config " + dir + "/recipe.json");
  ASSERT_EQ(r.code, 0) << r.output;
  expect_interaction_ran(dir + "/run", 1);
  EXPECT_EQ(model::load_model_config(dir + "/run/student").model_type, "qwen2");
}

TEST(CrossFamilyDistill, DifferingVocabularyIsRefusedNamingTheFirstId) {
  const std::string dir = test_support::fresh_dir("vocab_mismatch");
  test_support::make_sft_fixture(dir, 8);
  json j = text::Tokenizer::from_file(dir + "/tokenizer.json").to_json();
  // Swap two learned tokens: same size, same specials, another order.
  auto& vocab = j["model"]["vocab"];
  std::string a, b;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (it.value() == 100) a = it.key();
    if (it.value() == 101) b = it.key();
  }
  vocab[a] = 101;
  vocab[b] = 100;
  io::write_json_file(dir + "/swapped.json", j);
  auto student = text::Tokenizer::from_file(dir + "/tokenizer.json");
  auto teacher = text::Tokenizer::from_file(dir + "/swapped.json");
  try {
    text::check_shared_vocabulary(student, teacher, "interact config");
    FAIL() << "differing vocabularies were accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("differ at id 100"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  // The student's tokenizer plus added vision tokens still shares the vocabulary.
  write_qwen2_vl_tokenizer(dir + "/tokenizer.json", dir + "/extended.json");
  EXPECT_GT(text::check_shared_vocabulary(student, text::Tokenizer::from_file(dir + "/extended.json"), "x"), 300);
}
