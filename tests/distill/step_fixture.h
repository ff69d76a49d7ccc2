#pragma once
// A tiny teacher/student pair for the step tests: the SFT fixture's shapes data
// and tokenizer (tests/train/sft_fixture.h), a 5-layer teacher (width 64) and a
// 3-layer student (width 48) saved as model folders with the tokenizer.
#include <string>

#include "../train/sft_fixture.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/train/model_setup.h"

namespace vlsi::test_support {

inline io::json tiny_text_model(int64_t layers, int64_t hidden) {
  auto m = io::read_json_file(std::string(VLSI_SOURCE_DIR) + "/configs/models/student.json");
  m["vision_config"] = {{"model_type", "siglip_vision_model"}, {"hidden_size", 32}, {"intermediate_size", 64},
                        {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"image_size", 32}, {"patch_size", 8}};
  m["image_grid_pinpoints"] = {{32, 32}};
  m["text_config"]["hidden_size"] = hidden;
  m["text_config"]["intermediate_size"] = 2 * hidden;
  m["text_config"]["num_hidden_layers"] = layers;
  m["text_config"]["num_attention_heads"] = 4;
  m["text_config"]["num_key_value_heads"] = 2;
  m["text_config"]["max_position_embeddings"] = 256;
  return m;
}

// DIR/data, DIR/tokenizer.json, DIR/teacher/ and DIR/student/ (model folders with tokenizer.json).
inline void make_distill_fixture(const std::string& dir, int64_t train = 64) {
  make_sft_fixture(dir, train);
  auto tok = text::Tokenizer::from_file(dir + "/tokenizer.json");
  for (auto [name, layers, hidden, seed] : {std::tuple<const char*, int64_t, int64_t, uint64_t>{"teacher", 5, 64, 11},
                                            {"student", 3, 48, 12}}) {
    io::write_json_file(dir + "/" + name + ".json", tiny_text_model(layers, hidden));
    auto cfg = train::config_for_tokenizer(dir + "/" + name + ".json", tok);
    auto m = model::create_model(cfg, seed);
    model::SaveOptions so;
    so.tokenizer_json = dir + "/tokenizer.json";
    model::save_model(m, dir + "/" + name, so);
  }
}

inline io::json fixture_data(const std::string& dir) {
  return {{"train", dir + "/data/train.jsonl"}, {"val", dir + "/data/val.jsonl"}};
}

inline io::json fixture_trainer(int64_t steps, double lr = 3e-3) {
  return {{"max_steps", steps}, {"batch_size", 8},  {"lr", lr},           {"min_lr", lr / 10},
          {"log_every", 5},     {"ckpt_every", 4},  {"keep_checkpoints", 10}, {"threads", 1}, {"seed", 7}};
}

// A short whole recipe over the fixture (every layer a target): 4 + 4 verbalization
// steps, `interact_steps` interaction steps, reinforcement at half of them.
inline io::json short_recipe(const std::string& dir, const std::string& out, int64_t interact_steps) {
  io::json interact_trainer = fixture_trainer(interact_steps, 3e-3);
  interact_trainer["ckpt_every"] = 4;
  return {{"out", out},
          {"teacher", {{"model", dir + "/teacher"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"student", {{"model", dir + "/student"}, {"target_layers", {{"start", 0}, {"stride", 1}}}}},
          {"data", fixture_data(dir)},
          {"stages",
           {{"verbalize_teacher", {{"trainer", fixture_trainer(4, 5e-2)}}},
            {"verbalize_student", {{"trainer", fixture_trainer(4, 5e-2)}}},
            {"interact", {{"trainer", interact_trainer}}},
            {"reinforce", {{"share", 0.5}, {"trainer", fixture_trainer(1, 3e-3)}}}}}};
}

}  // namespace vlsi::test_support
