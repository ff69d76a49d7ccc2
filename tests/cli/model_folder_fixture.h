#pragma once
// Tiny random model folders for the CLI tests, made the way a user makes one
// (`vlsi model init` on the SFT fixture's config and tokenizer).
#include <gtest/gtest.h>

#include <string>

#include "../train/sft_fixture.h"
#include "cli_runner.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/model_io.h"

namespace vlsi::test_support {

// DIR holds the SFT fixture (data, tokenizer.json, model.json); DIR/m a random
// model of it with `layers` decoder layers (0: the fixture's own count).
inline void init_model_folder(const std::string& dir, int64_t layers = 0) {
  make_sft_fixture(dir, 8);
  if (layers > 0) {
    auto cfg = io::read_json_file(dir + "/model.json");
    cfg["text_config"]["num_hidden_layers"] = layers;
    io::write_json_file(dir + "/model.json", cfg);
  }
  auto r = run_cli("model init --config " + dir + "/model.json --tokenizer " + dir + "/tokenizer.json --seed 2 --out " +
                   dir + "/m");
  EXPECT_EQ(r.code, 0) << r.output;
}

// Pushes a folder's weights away from the tiny init (normal noise of `std`),
// so greedy answers are varied text rather than one token repeated; returns
// the pushed model, already saved back into the folder.
inline model::CausalVlm push_weights(const std::string& folder, const std::string& tokenizer_json,
                                                       double std = 0.2, uint64_t seed = 3) {
  auto net = model::load_model(folder);
  {
    torch::NoGradGuard g;
    torch::manual_seed(seed);
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * std);
  }
  model::SaveOptions so;
  so.tokenizer_json = tokenizer_json;
  model::save_model(net, folder, so);
  return net;
}

}  // namespace vlsi::test_support
