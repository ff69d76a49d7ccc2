// Paper Table 4f's decoder-layer verbalizer: a fresh decoder layer of the
// backbone's own kind that attends over the whole sequence. Checked against the
// backbone itself (given layer l+1's weights it reproduces layer l+1's output,
// padding included), its logit-lens start, its files, and the two training
// steps that use verbalizers.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "step_fixture.h"
#include "test_util.h"
#include "vlsi/distill/step_support.h"
#include "vlsi/distill/student_step_task.h"
#include "vlsi/distill/verbalize_task.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/registry.h"
#include "vlsi/train/lm_loss.h"
#include "vlsi/train/run_data.h"
#include "vlsi/train/trainer.h"

using namespace vlsi;
using namespace vlsi::distill;

namespace decoder_layer_verbalizer_test {

VerbalizerOptions decoder_layer_options() {
  VerbalizerOptions o;
  o.architecture = VerbalizerArchitecture::DecoderLayer;
  return o;
}

struct PaddedRun {
  model::CausalVlm model{nullptr};
  torch::Tensor ids, mask;
  model::VlmOutput out;
};

// Two prompts, the second left-padded by three tokens.
PaddedRun run_padded() {
  PaddedRun r;
  r.model = model::create_model(distill_support::tiny_vlm_config(), 17);
  r.ids = torch::remainder(torch::arange(2 * 10, torch::kLong) * 7 + 3, 95).view({2, 10});
  r.mask = torch::ones({2, 10}, torch::kLong);
  r.mask.index_put_({1, torch::indexing::Slice(0, 3)}, 0);
  torch::NoGradGuard g;
  r.out = r.model->forward(r.ids, model::VisionInputs(), r.mask, {/*output_layer_hidden_states=*/true, false});
  return r;
}

// The backbone's parameter `suffix` of decoder layer `layer`.
torch::Tensor layer_parameter(const model::CausalVlm& m, int64_t layer, const std::string& suffix) {
  const std::string tail = "model.layers." + std::to_string(layer) + "." + suffix;  // not the vision tower's
  for (const auto& p : m->named_parameters())
    if (p.key().size() >= tail.size() && p.key().compare(p.key().size() - tail.size(), tail.size(), tail) == 0)
      return p.value();
  ADD_FAILURE() << "no parameter ending in " << tail;
  return {};
}

// The train lines of a run's metrics.jsonl.
std::vector<io::json> train_lines_of(const std::string& path) {
  std::vector<io::json> out;
  std::istringstream in(io::read_file(path));
  for (std::string l; std::getline(in, l);) {
    auto j = io::json::parse(l);
    if (j.value("split", "") == "train") out.push_back(j);
  }
  return out;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(DecoderLayerVerbalizer, IsTheBackbonesOwnLayerKind) {
  auto r = run_padded();
  auto v = create_verbalizer(64, output_head_of(r.model), decoder_layer_options(), 3);
  std::set<std::string> names;
  for (const auto& p : v->named_parameters()) {
    names.insert(p.key());
    EXPECT_EQ(p.value().sizes(), layer_parameter(r.model, 0, p.key()).sizes()) << p.key();
  }
  EXPECT_TRUE(names.count("self_attn.q_proj.weight") && names.count("self_attn.q_proj.bias") &&
              names.count("mlp.down_proj.weight") && names.count("input_layernorm.weight"));
  int64_t layer_count = 0, verbalizer_count = 0;
  for (const auto& p : r.model->named_parameters())
    if (p.key().find("model.layers.0.") != std::string::npos) layer_count += p.value().numel();
  for (const auto& p : v->parameters()) verbalizer_count += p.numel();
  EXPECT_EQ(verbalizer_count, layer_count);

  // Given layer 2's weights, it turns layer 1's output into layer 2's: the same
  // attention, positions and padding mask as the backbone's forward.
  torch::NoGradGuard g;
  for (auto& p : v->named_parameters()) p.value().copy_(layer_parameter(r.model, 2, p.key()));
  SequencePositions at{r.mask, r.model->position_ids(r.ids, model::VisionInputs(), r.mask)};
  auto next = v->transform_sequence(r.out.layer_hidden_states[1], at);
  auto keep = r.mask.to(torch::kBool);
  EXPECT_LT(max_abs_diff(next.index({keep}), r.out.layer_hidden_states[2].index({keep})), 1e-5);
  // Not vacuous: without the mask the padded prompt attends to its padding.
  auto unmasked = v->transform_sequence(r.out.layer_hidden_states[1], SequencePositions{});
  EXPECT_GT(max_abs_diff(unmasked[1].index({keep[1]}), r.out.layer_hidden_states[2][1].index({keep[1]})), 1e-4);
}

TEST(DecoderLayerVerbalizer, StartsAsTheLogitLensAndRefusesRowsAndPlainForm) {
  auto r = run_padded();
  auto head = output_head_of(r.model);
  auto v = create_verbalizer(64, head, decoder_layer_options(), 4);
  EXPECT_EQ(v->decoder_layer->named_parameters().size(), v->named_parameters().size());
  torch::NoGradGuard g;
  EXPECT_EQ(v->named_parameters()["self_attn.o_proj.weight"].abs().max().item<double>(), 0.0);
  EXPECT_EQ(v->named_parameters()["mlp.down_proj.weight"].abs().max().item<double>(), 0.0);
  EXPECT_GT(v->named_parameters()["self_attn.q_proj.weight"].abs().max().item<double>(), 0.0);
  EXPECT_EQ(v->named_parameters()["post_attention_layernorm.weight"].min().item<double>(), 1.0);
  SequencePositions at{r.mask, {}};
  const auto& h = r.out.layer_hidden_states[1];
  EXPECT_TRUE(v->transform_sequence(h, at).equal(h));
  EXPECT_TRUE(v->reads_sequence());

  EXPECT_TRUE(distill_support::one_line_error_with(distill_support::error_of([&] { v->forward(h[0]); }),
                                                   "attends over whole sequences"));
  VerbalizerOptions plain = decoder_layer_options();
  plain.form = VerbalizerForm::Plain;
  EXPECT_TRUE(distill_support::one_line_error_with(
      distill_support::error_of([&] { create_verbalizer(64, head, plain, 1); }), "form must be residual"));
  auto no_backbone = distill_support::simple_head(torch::ones({64}), torch::randn({96, 64}));
  EXPECT_TRUE(distill_support::one_line_error_with(
      distill_support::error_of([&] { create_verbalizer(64, no_backbone, decoder_layer_options(), 1); }),
      "needs a backbone"));
}

TEST(DecoderLayerVerbalizer, SetFilesRoundTrip) {
  auto r = run_padded();
  auto head = output_head_of(r.model);
  VerbalizerOptions o = decoder_layer_options();
  o.zero_init_down = false;
  VerbalizerSet set(std::vector<int64_t>{0, 2}, 64, head, o, 9);
  const std::string dir = distill_support::temp_dir("decoder_layer");
  save_verbalizer_set(set, dir);
  EXPECT_EQ(io::read_json_file(dir + "/verbalizers.json")["architecture"], "decoder_layer");
  io::SafetensorsFile file(dir + "/verbalizers.safetensors");
  EXPECT_TRUE(file.contains("verbalizers.2.self_attn.k_proj.bias"));
  VerbalizerSetExpectation e;
  e.hidden_size = 64;
  e.num_layers = 4;
  auto loaded = load_verbalizer_set(dir, head, e);
  EXPECT_EQ(loaded->architecture(), VerbalizerArchitecture::DecoderLayer);
  auto a = set->named_parameters(), b = loaded->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(p.value().equal(b[p.key()])) << p.key();
}

// The two steps that train with verbalizers, on the distill fixture.
const std::string& steps_fixture() {
  static const std::string dir = [] {
    auto d = test_support::fresh_dir("decoder_layer_steps");
    test_support::make_distill_fixture(d);
    return d;
  }();
  return dir;
}

VerbalizedModel decoder_layer_side(const std::string& name, std::vector<int64_t> layers, uint64_t seed) {
  VerbalizedModel m;
  m.model_dir = steps_fixture() + "/" + name;
  m.model = model::load_model(m.model_dir);
  m.verbalizers = VerbalizerSet(layers, m.model->config().text_config.hidden_size, output_head_of(m.model),
                                decoder_layer_options(), seed);
  return m;
}

train::RunData fixture_run_data(const train::TrainerConfig& tc) {
  auto tok = text::Tokenizer::from_file(steps_fixture() + "/tokenizer.json");
  const std::string student = steps_fixture() + "/student";
  std::shared_ptr<const model::VisionProcessor> processor =
      model::load_processor(student, model::load_model_config(student));
  auto d = io::merge_with_defaults(train::data_defaults(), test_support::fixture_data(steps_fixture()), "data");
  return train::RunData(d, tok, processor, tc, "data");
}

std::map<std::string, torch::Tensor> copy_of(const torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> s;
  for (const auto& p : m.named_parameters()) s[p.key()] = p.value().detach().clone();
  return s;
}

int64_t moved(const torch::nn::Module& m, const std::map<std::string, torch::Tensor>& before) {
  int64_t n = 0;
  for (const auto& p : m.named_parameters()) n += !torch::equal(p.value(), before.at(p.key()));
  return n;
}

TEST(DecoderLayerVerbalizer, VerbalizeStepTrainsOnlyTheLayersAndTheirLossFalls) {
  auto side = decoder_layer_side("teacher", {0, 2}, 5);
  auto backbone = copy_of(*side.model);
  auto verb = copy_of(*side.verbalizers);
  auto tc = train::TrainerConfig::from_json(test_support::fixture_trainer(16, 1e-2), "trainer");
  tc.min_lr = 1e-3;
  auto data = fixture_run_data(tc);
  VerbalizeTask task(side, {});
  auto stream = data.stream();
  auto out = test_support::fresh_dir("decoder_layer_verbalize");
  train::Trainer(tc, out, "verbalize").run(task, stream, false);
  EXPECT_EQ(moved(*side.model, backbone), 0);
  EXPECT_EQ(moved(*side.verbalizers, verb), int64_t(verb.size()));
  auto lines = train_lines_of(out + "/metrics.jsonl");
  ASSERT_EQ(lines.size(), 16u);
  for (const char* key : {"ce_layer_0", "ce_layer_2"}) {
    double first = 0, last = 0;
    for (int i = 0; i < 4; ++i) first += lines[i][key].get<double>(), last += lines[12 + i][key].get<double>();
    EXPECT_LT(last, first - 4 * 0.2) << key;
  }
}

TEST(DecoderLayerVerbalizer, InteractionMatchesAndTrainsTheStudentsLayers) {
  auto teacher = decoder_layer_side("teacher", {0, 1, 2}, 1);
  auto student = decoder_layer_side("student", {0, 1}, 2);
  auto t_verb = copy_of(*teacher.verbalizers), s_verb = copy_of(*student.verbalizers);
  StudentStepOptions o;
  StudentStepTask task(student, teacher, o);
  auto tc = train::TrainerConfig::from_json(test_support::fixture_trainer(4), "trainer");
  auto data = fixture_run_data(tc);
  auto stream = data.stream();
  auto out = test_support::fresh_dir("decoder_layer_interact");
  train::Trainer(tc, out, "interact").run(task, stream, false);
  EXPECT_EQ(moved(*teacher.verbalizers, t_verb), 0);
  EXPECT_GT(moved(*student.verbalizers, s_verb), 0);
  auto lines = train_lines_of(out + "/metrics.jsonl");
  for (const auto& j : lines) {
    EXPECT_TRUE(std::isfinite(j["kl_layer_0"].get<double>()) && std::isfinite(j["kl_layer_1"].get<double>()))
        << j.dump();
    EXPECT_EQ(j["events"][0]["matched"].size(), 2u);
  }
  EXPECT_EQ(lines.size(), 4u);
}

TEST(VerbalizedAccuracy, IsTheShareOfAnswerTokensEachLayerGetsRight) {
  // Verb-FFNs trained briefly, so that some answers come out right.
  VerbalizedModel m;
  m.model_dir = steps_fixture() + "/teacher";
  m.model = model::load_model(m.model_dir);
  m.verbalizers = VerbalizerSet(std::vector<int64_t>{0, 2}, m.model->config().text_config.hidden_size,
                                output_head_of(m.model), VerbalizerOptions{}, 3);
  auto tc = train::TrainerConfig::from_json(test_support::fixture_trainer(24, 5e-2), "trainer");
  auto data = fixture_run_data(tc);
  VerbalizeTask task(m, {});
  auto stream = data.stream();
  train::Trainer(tc, test_support::fresh_dir("verbalized_accuracy"), "verbalize").run(task, stream, false);
  const auto& batches = data.val_batches();
  ASSERT_FALSE(batches.empty());
  m.verbalizers->eval();
  auto got = verbalized_accuracy(m, batches, /*chunk_tokens=*/7);
  ASSERT_EQ(got.size(), 2u);

  // Counted here directly: each verbalizer on its layer's answer rows, argmax, against the next token.
  torch::NoGradGuard g;
  std::vector<double> hits(2, 0.0);
  double total = 0;
  for (const auto& b : batches) {
    auto out = m.model->forward(b.input_ids, b.images, b.attention_mask, {true, false});
    auto targets = train::select_answer_tokens(out.layer_hidden_states[0], b.labels).targets;
    total += double(targets.numel());
    for (int k = 0; k < 2; ++k) {
      auto rows = train::select_answer_tokens(out.layer_hidden_states[k * 2], b.labels).hidden;
      hits[k] += (*m.verbalizers)[k]->forward(rows).argmax(-1).eq(targets).sum().item<double>();
    }
  }
  for (int k = 0; k < 2; ++k) EXPECT_NEAR(got[k], hits[k] / total, 1e-12) << "target " << k;
  EXPECT_GT(got[0] + got[1], 0.0);  // not vacuous
  // What the verbalize step reports at validation is the same number.
  auto j = task.evaluate(batches);
  EXPECT_NEAR(j["val_acc_layer_2"].get<double>(), got[1], 1e-12) << j.dump();

  // Zero-initialised verb-FFNs and decoder layers are both the logit lens: the same accuracy.
  VerbalizedModel lens = m, layered = m;
  lens.verbalizers = VerbalizerSet(std::vector<int64_t>{0, 2}, m.model->config().text_config.hidden_size,
                                   output_head_of(m.model), VerbalizerOptions{}, 3);
  layered.verbalizers = VerbalizerSet(std::vector<int64_t>{0, 2}, m.model->config().text_config.hidden_size,
                                      output_head_of(m.model), decoder_layer_options(), 3);
  auto a = verbalized_accuracy(lens, batches, 64), b = verbalized_accuracy(layered, batches, 64);
  for (int k = 0; k < 2; ++k) EXPECT_NEAR(a[k], b[k], 1e-9);
}

}  // namespace decoder_layer_verbalizer_test
