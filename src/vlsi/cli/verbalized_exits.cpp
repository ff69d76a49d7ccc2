#include "vlsi/cli/verbalized_exits.h"

#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"

namespace vlsi::cli {

bool has_verbalizers(const std::string& dir) {
  return io::file_exists(dir + "/" + distill::kVerbalizerConfigFile);
}

void require_verbalizers(const std::string& dir) {
  check(has_verbalizers(dir), dir, ": model folder has no verbalizers (", distill::kVerbalizerConfigFile, " and ",
        distill::kVerbalizerWeightsFile, "; train them with the VLsI steps)");
}

std::vector<infer::ExitPoint> load_verbalized_exits(ChatModel& m) {
  const std::string& dir = m.dir();
  require_verbalizers(dir);
  const auto& tc = m.model()->config().text_config;
  distill::VerbalizerSetExpectation expect;
  expect.hidden_size = tc.hidden_size;
  expect.num_layers = tc.num_hidden_layers;
  auto set = distill::load_verbalizer_set(dir, distill::output_head_of(m.model()), expect);
  // Early exit verbalizes one new row per decoded token; a decoder-layer verbalizer would need its own KV cache.
  check(set->architecture() != distill::VerbalizerArchitecture::DecoderLayer, dir, "/",
        distill::kVerbalizerConfigFile,
        ": decoder_layer verbalizers attend over the sequence and have no early-exit decoding (train ffn or linear "
        "verbalizers for vlsi verbalize and layer answers)");
  set->to(m.model()->lm_head_weight().device(), m.model()->lm_head_weight().scalar_type());
  set->eval();
  std::vector<infer::ExitPoint> exits;
  for (size_t k = 0; k < set->size(); ++k) {
    auto v = (*set)[k].ptr();  // shared: the head outlives the set
    exits.push_back({set->target_layers()[k], [v](const torch::Tensor& h) { return v->forward(h); }});
  }
  return exits;
}

}  // namespace vlsi::cli
