// verbalizers.safetensors + verbalizers.json: round trip, and every corruption
// gives one vlsi::Error line naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"
#include "vlsi/distill/verbalizer_set.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"

using namespace vlsi;
using namespace vlsi::distill;
using distill_support::one_line_error_with;
using distill_support::simple_head;
using distill_support::temp_dir;

namespace {

OutputHead test_head() { return simple_head(torch::ones({8}), torch::randn({13, 8})); }

VerbalizerSet saved_set(const std::string& dir, VerbalizerForm form = VerbalizerForm::Residual,
                        VerbalizerArchitecture architecture = VerbalizerArchitecture::Ffn) {
  VerbalizerOptions o;
  o.form = form;
  o.architecture = architecture;
  o.zero_init_down = false;  // non-zero everywhere, so a wrong load shows
  VerbalizerSet set(std::vector<int64_t>{1, 3, 5}, 8, test_head(), o, 77);
  save_verbalizer_set(set, dir);
  return set;
}

std::string load_error(const std::string& dir, const VerbalizerSetExpectation& e) {
  try {
    load_verbalizer_set(dir, test_head(), e);
  } catch (const Error& err) {
    return err.what();
  }
  return "(no error)";
}

VerbalizerSetExpectation expect_width(int64_t hidden) {
  VerbalizerSetExpectation e;
  e.hidden_size = hidden;
  return e;
}

void rewrite_json(const std::string& dir, const std::function<void(io::json&)>& edit) {
  auto j = io::read_json_file(dir + "/verbalizers.json");
  edit(j);
  io::write_json_file(dir + "/verbalizers.json", j);
}

}  // namespace

TEST(VerbalizerSetFiles, RoundTripKeepsWeightsFormAndLayers) {
  for (auto form : {VerbalizerForm::Residual, VerbalizerForm::Plain}) {
    std::string dir = temp_dir(verbalizer_form_name(form));
    auto set = saved_set(dir, form);
    auto j = io::read_json_file(dir + "/verbalizers.json");
    EXPECT_EQ(j["target_layers"], io::json({1, 3, 5}));
    EXPECT_EQ(j["form"], verbalizer_form_name(form));
    EXPECT_EQ(j["hidden_size"], 8);
    io::SafetensorsFile file(dir + "/verbalizers.safetensors");
    EXPECT_EQ(file.names().size(), 9u);
    EXPECT_TRUE(file.contains("verbalizers.3.up_proj.weight"));

    VerbalizerSetExpectation e = expect_width(8);
    e.num_layers = 7;
    e.target_layers = {1, 3, 5};
    auto head = test_head();
    auto loaded = load_verbalizer_set(dir, head, e);
    EXPECT_EQ(loaded->target_layers(), set->target_layers());
    EXPECT_EQ(loaded->form(), form);
    auto a = set->named_parameters(), b = loaded->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& p : a) EXPECT_TRUE(p.value().equal(b[p.key()])) << p.key();
    auto h = torch::randn({4, 8});
    set->set_head(head);
    torch::NoGradGuard g;
    for (int64_t layer : {1, 3, 5})
      EXPECT_TRUE(set->at_layer(layer)->forward(h).equal(loaded->at_layer(layer)->forward(h)));
  }
}

TEST(VerbalizerSetFiles, KeepsTheStoredDtype) {
  std::string dir = temp_dir();
  VerbalizerSet set(std::vector<int64_t>{0}, 8, test_head());
  set->to(torch::kBFloat16);
  save_verbalizer_set(set, dir);
  auto loaded = load_verbalizer_set(dir, test_head(), expect_width(8));
  EXPECT_EQ(loaded->at_layer(0)->gate_proj->weight.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(loaded->at_layer(0)->gate_proj->weight.equal(set->at_layer(0)->gate_proj->weight));
}

TEST(VerbalizerSetFiles, WrongHiddenSizeNamesTheJson) {
  std::string dir = temp_dir();
  saved_set(dir);
  auto msg = load_error(dir, expect_width(16));
  EXPECT_TRUE(one_line_error_with(msg, dir + "/verbalizers.json: hidden_size 8 does not match"));
  // The JSON agreeing with the backbone but not with the tensors is caught on the tensors.
  rewrite_json(dir, [](io::json& j) { j["hidden_size"] = 16; });
  msg = load_error(dir, expect_width(16));
  EXPECT_TRUE(one_line_error_with(msg, dir + "/verbalizers.safetensors: tensor 'verbalizers.1.gate_proj.weight' has shape [8,8], expected [16,16]"));
}

TEST(VerbalizerSetFiles, MissingTensorNamesTheWeightsFile) {
  std::string dir = temp_dir();
  saved_set(dir);
  auto all = io::load_safetensors(dir + "/verbalizers.safetensors");
  io::NamedTensors kept;
  for (auto& [name, t] : all)
    if (name != "verbalizers.3.gate_proj.weight") kept.emplace_back(name, t);
  io::save_safetensors(dir + "/verbalizers.safetensors", kept);
  auto msg = load_error(dir, expect_width(8));
  EXPECT_TRUE(one_line_error_with(msg, dir + "/verbalizers.safetensors: missing tensor 'verbalizers.3.gate_proj.weight'"));
}

TEST(VerbalizerSetFiles, LayerListMismatchesAreCaught) {
  std::string dir = temp_dir();
  saved_set(dir);
  // The JSON lists a layer the weights do not have (and misses one they have).
  rewrite_json(dir, [](io::json& j) { j["target_layers"] = {1, 3, 4}; });
  auto msg = load_error(dir, expect_width(8));
  EXPECT_TRUE(one_line_error_with(msg, dir + "/verbalizers.safetensors: unexpected tensor 'verbalizers.5."));
  // Fewer layers in the JSON than in the weights.
  rewrite_json(dir, [](io::json& j) { j["target_layers"] = {1, 3}; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), "unexpected tensor 'verbalizers.5."));
  // More layers in the JSON than in the weights.
  rewrite_json(dir, [](io::json& j) { j["target_layers"] = {1, 3, 5, 6}; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), "missing tensor 'verbalizers.6."));
  // Consistent files, but not the layers the caller expects.
  rewrite_json(dir, [](io::json& j) { j["target_layers"] = {1, 3, 5}; });
  auto e = expect_width(8);
  e.target_layers = {1, 3, 6};
  EXPECT_TRUE(one_line_error_with(load_error(dir, e), dir + "/verbalizers.json: target layers [1,3,5] do not match the expected [1,3,6]"));
  // A target that is the backbone's last layer.
  e = expect_width(8);
  e.num_layers = 6;
  EXPECT_TRUE(one_line_error_with(load_error(dir, e), dir + "/verbalizers.json: field 'target_layers': layer 5"));
}

TEST(VerbalizerSetFiles, LinearArchitectureRoundTripsAndOldFilesAreFfn) {
  std::string dir = temp_dir("linear");
  auto set = saved_set(dir, VerbalizerForm::Residual, VerbalizerArchitecture::Linear);
  EXPECT_EQ(io::read_json_file(dir + "/verbalizers.json")["architecture"], "linear");
  io::SafetensorsFile file(dir + "/verbalizers.safetensors");
  EXPECT_EQ(file.names().size(), 3u);
  EXPECT_TRUE(file.contains("verbalizers.3.proj.weight"));
  auto loaded = load_verbalizer_set(dir, test_head(), expect_width(8));
  EXPECT_EQ(loaded->architecture(), VerbalizerArchitecture::Linear);
  EXPECT_TRUE(loaded->at_layer(5)->proj->weight.equal(set->at_layer(5)->proj->weight));
  // The json says ffn, the weights are linear ones: named as unexpected.
  rewrite_json(dir, [](io::json& j) { j["architecture"] = "ffn"; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), "unexpected tensor 'verbalizers.1.proj.weight'"));
  rewrite_json(dir, [](io::json& j) { j["architecture"] = "decoder"; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)),
                                  dir + "/verbalizers.json: field 'architecture': unknown verbalizer architecture 'decoder'"));
  // Files written before the field existed hold verb-FFNs.
  std::string old_dir = temp_dir("old");
  saved_set(old_dir);
  rewrite_json(old_dir, [](io::json& j) { j.erase("architecture"); });
  EXPECT_EQ(load_verbalizer_set(old_dir, test_head(), expect_width(8))->architecture(), VerbalizerArchitecture::Ffn);
}

TEST(VerbalizerSetFiles, BadJsonOrMissingFilesNameTheFile) {
  std::string dir = temp_dir();
  saved_set(dir);
  rewrite_json(dir, [](io::json& j) { j["form"] = "linear"; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), dir + "/verbalizers.json: field 'form': unknown verbalizer form 'linear'"));
  rewrite_json(dir, [](io::json& j) { j.erase("form"); });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), dir + "/verbalizers.json: missing field 'form'"));
  rewrite_json(dir, [](io::json& j) { j["target_layers"] = "1,3,5"; });
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), dir + "/verbalizers.json: field 'target_layers'"));
  std::ofstream(dir + "/verbalizers.json") << "{\"format\": ";
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), "verbalizers.json"));
  std::filesystem::remove(dir + "/verbalizers.json");
  EXPECT_TRUE(one_line_error_with(load_error(dir, expect_width(8)), dir + "/verbalizers.json: missing"));
  std::string dir2 = temp_dir("2");
  saved_set(dir2);
  std::filesystem::resize_file(dir2 + "/verbalizers.safetensors", 100);  // truncated
  EXPECT_TRUE(one_line_error_with(load_error(dir2, expect_width(8)), "verbalizers.safetensors"));
  std::filesystem::remove(dir2 + "/verbalizers.safetensors");
  EXPECT_TRUE(one_line_error_with(load_error(dir2, expect_width(8)), dir2 + "/verbalizers.safetensors: missing"));
}
