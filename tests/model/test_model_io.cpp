#include <gtest/gtest.h>

#include <filesystem>

#include "tiny_model.h"
#include "vlsi/io/atomic_file.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors_sharded.h"
#include "vlsi/model/init.h"
#include "vlsi/model/model_io.h"
#include "vlsi/model/llava_onevision/image_processor_config.h"

using namespace vlsi;
using namespace vlsi::model;
using test_support::make_ids;
using test_support::temp_dir;
using test_support::tiny_config;
namespace fs = std::filesystem;

namespace {

void expect_same_parameters(const CausalVlm& a, const CausalVlm& b) {
  auto pa = a->named_parameters();
  auto pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (auto& p : pa) {
    ASSERT_TRUE(pb.contains(p.key())) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  }
}

// A model folder whose checkpoint is `tensors` (written as given) and whose config is `c`.
void write_folder(const std::string& dir, const VlmConfig& c, const io::NamedTensors& tensors) {
  io::save_checkpoint(dir, tensors);
  io::write_json_file(dir + "/config.json", c.to_json());
}

io::NamedTensors tensors_of(const CausalVlm& m) {
  io::NamedTensors out;
  for (auto& p : m->named_parameters()) out.emplace_back(p.key(), p.value().detach());
  return out;
}

std::string load_error(const std::string& dir) {
  try {
    load_model(dir);
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "expected a load error";
  return "";
}

}  // namespace

TEST(ModelIo, SaveLoadRoundTripIsBitExact) {
  std::string dir = temp_dir();
  auto model = create_model(tiny_config(), 11);
  std::string tok = dir + "/src_tokenizer.json";
  io::write_file_atomic(tok, R"({"model": {"type": "BPE"}})");
  SaveOptions opts;
  opts.tokenizer_json = tok;
  save_model(model, dir + "/m", opts);
  for (const char* f : {"config.json", "model.safetensors", "preprocessor_config.json", "processor_config.json",
                        "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(dir + "/m/" + f)) << f;
  EXPECT_EQ(io::read_file(dir + "/m/tokenizer.json"), io::read_file(tok));
  // No tokenizer_config.json beside the source: the tokenizer as it is (not the model type's default class).
  EXPECT_EQ(io::read_json_file(dir + "/m/tokenizer_config.json")["tokenizer_class"], "PreTrainedTokenizerFast");
  auto pre = llava_onevision::ImageProcessorConfig::load(dir + "/m");
  EXPECT_EQ(pre.size_height, 16);
  EXPECT_EQ(pre.resample, 3);
  EXPECT_EQ(io::read_json_file(dir + "/m/config.json")["dtype"], "float32");

  auto back = load_model(dir + "/m");
  expect_same_parameters(model, back);
  // One 16x32 image alone in its sample: anyres (base + 1x2 tiles, 4 newlines: 16 + 32 + 4 features).
  torch::manual_seed(0);
  VisionInputs px;
  px.pixel_values = torch::randn({3, 3, 16, 16});
  px.tiles_per_image = {3};
  px.image_sizes = {{16, 32}};
  auto ids = make_ids(70, 2, 1, 52, 1).unsqueeze(0);
  EXPECT_TRUE(torch::equal(model->forward(ids, px, {}).logits, back->forward(ids, px, {}).logits));
}

TEST(ModelIo, LoadedParametersReadTheFileInPlaceAndWritesNeverReachIt) {
  std::string dir = temp_dir();
  auto model = create_model(tiny_config(), 12);
  save_model(model, dir + "/m", {});
  const std::string bytes = io::read_file(dir + "/m/model.safetensors");
  auto a = load_model(dir + "/m");
  expect_same_parameters(model, a);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : a->parameters()) p.add_(1.0);  // as an optimizer step would
  }
  EXPECT_EQ(io::read_file(dir + "/m/model.safetensors"), bytes);
  expect_same_parameters(model, load_model(dir + "/m"));
  // A dtype other than the file's is converted (copied), not mapped.
  LoadOptions as_double;
  as_double.dtype = torch::kDouble;
  auto d = load_model(dir + "/m", as_double);
  EXPECT_EQ(d->parameters().front().scalar_type(), torch::kDouble);
}

TEST(ModelIo, TokenizerConfigBesideTheSourceTokenizerTravelsWithIt) {
  std::string dir = temp_dir();
  fs::create_directories(dir + "/tok");
  io::write_file_atomic(dir + "/tok/tokenizer.json", R"({"model": {"type": "BPE"}})");
  const std::string config = R"({"tokenizer_class": "Qwen2Tokenizer", "chat_template": "{{ messages }}"})";
  io::write_file_atomic(dir + "/tok/tokenizer_config.json", config);
  SaveOptions opts;
  opts.tokenizer_json = dir + "/tok/tokenizer.json";
  save_model(create_model(tiny_config(), 1), dir + "/m", opts);
  EXPECT_EQ(io::read_file(dir + "/m/tokenizer_config.json"), config);
  EXPECT_FALSE(fs::exists(dir + "/m/chat_template.jinja"));
  // A chat_template.jinja beside the source tokenizer goes along.
  io::write_file_atomic(dir + "/tok/chat_template.jinja", "{{ messages[0]['role'] }}");
  save_model(create_model(tiny_config(), 1), dir + "/m2", opts);
  EXPECT_EQ(io::read_file(dir + "/m2/chat_template.jinja"), "{{ messages[0]['role'] }}");
  // Without a tokenizer there is no tokenizer config either.
  save_model(create_model(tiny_config(), 1), dir + "/plain");
  EXPECT_FALSE(fs::exists(dir + "/plain/tokenizer_config.json"));
}

TEST(ModelIo, ShardedAndBf16Saves) {
  std::string dir = temp_dir();
  auto model = create_model(tiny_config(), 12);
  SaveOptions opts;
  opts.max_shard_bytes = 40000;
  save_model(model, dir, opts);
  EXPECT_TRUE(fs::exists(dir + "/model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors"));
  expect_same_parameters(model, load_model(dir));

  opts = SaveOptions();
  opts.dtype = torch::kBFloat16;
  save_model(model, dir, opts);  // same folder: the shards must go
  EXPECT_FALSE(fs::exists(dir + "/model.safetensors.index.json"));
  EXPECT_EQ(io::read_json_file(dir + "/config.json")["dtype"], "bfloat16");
  LoadOptions lo;
  lo.dtype = torch::kFloat;
  auto back = load_model(dir, lo);
  for (auto& p : model->named_parameters())
    EXPECT_TRUE(torch::equal(back->named_parameters()[p.key()], p.value().to(torch::kBFloat16).to(torch::kFloat)));
  // No dtype asked for: config.json's.
  EXPECT_EQ(load_model(dir)->lm_head_weight().scalar_type(), torch::kBFloat16);
}

TEST(ModelIo, AcceptsNewerTransformersLayoutAndIgnoresUnusedHfTensors) {
  EXPECT_EQ(legacy_parameter_name("model.language_model.layers.0.mlp.up_proj.weight"),
            "language_model.model.layers.0.mlp.up_proj.weight");
  EXPECT_EQ(legacy_parameter_name("model.vision_tower.vision_model.post_layernorm.bias"),
            "vision_tower.vision_model.post_layernorm.bias");
  EXPECT_EQ(legacy_parameter_name("model.multi_modal_projector.linear_1.weight"), "multi_modal_projector.linear_1.weight");
  EXPECT_EQ(legacy_parameter_name("lm_head.weight"), "language_model.lm_head.weight");
  EXPECT_EQ(legacy_parameter_name("language_model.lm_head.weight"), "language_model.lm_head.weight");

  std::string dir = temp_dir();
  auto model = create_model(tiny_config(), 13);
  io::NamedTensors renamed;
  for (auto& [name, t] : tensors_of(model)) {
    std::string n = name;
    if (n.rfind("language_model.model.", 0) == 0) n = "model.language_model." + n.substr(21);
    else if (n.rfind("language_model.lm_head.", 0) == 0) n = "lm_head." + n.substr(23);
    else n = "model." + n;  // model.image_newline among them
    renamed.emplace_back(n, t);
  }
  renamed.emplace_back("model.vision_tower.vision_model.head.probe", torch::zeros({1, 1, 32}));
  write_folder(dir, model->config(), renamed);
  expect_same_parameters(model, load_model(dir));
}

TEST(ModelIo, TiedEmbeddingsSaveWithoutHead) {
  std::string dir = temp_dir();
  VlmConfig c = tiny_config();
  c.tie_word_embeddings = true;
  auto model = create_model(c, 14);
  save_model(model, dir);
  io::CheckpointReader reader(dir);
  EXPECT_FALSE(reader.contains("language_model.lm_head.weight"));
  auto back = load_model(dir);
  expect_same_parameters(model, back);
  EXPECT_TRUE(back->lm_head_weight().is_same(back->named_parameters()["language_model.model.embed_tokens.weight"]));
}

TEST(ModelIo, MismatchedCheckpointsNameEveryBadTensor) {
  std::string dir = temp_dir();
  auto model = create_model(tiny_config(), 15);
  auto tensors = tensors_of(model);

  // Missing + unexpected + mis-shaped + wrong dtype, all in one message.
  io::NamedTensors bad;
  for (auto& [n, t] : tensors) {
    if (n == "language_model.model.norm.weight") continue;
    if (n == "multi_modal_projector.linear_2.bias") bad.emplace_back(n, torch::zeros({63}));
    else if (n == "language_model.model.layers.0.mlp.up_proj.weight") bad.emplace_back(n, t.to(torch::kLong));
    else bad.emplace_back(n, t);
  }
  bad.emplace_back("language_model.model.layers.7.mlp.up_proj.weight", torch::zeros({4}));
  write_folder(dir, model->config(), bad);
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find(dir), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing tensors language_model.model.norm.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected tensors language_model.model.layers.7.mlp.up_proj.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor multi_modal_projector.linear_2.bias has shape [63] but config.json needs [64]"),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("tensor language_model.model.layers.0.mlp.up_proj.weight has dtype I64"), std::string::npos) << msg;

  // A config with more layers than the checkpoint: the absent layer's tensors are named.
  VlmConfig deeper = tiny_config();
  deeper.text_config.num_hidden_layers = 3;
  write_folder(dir, deeper, tensors);
  msg = load_error(dir);
  EXPECT_NE(msg.find("language_model.model.layers.2."), std::string::npos) << msg;
  EXPECT_NE(msg.find("more)"), std::string::npos) << msg;

  // torch_dtype in config.json disagrees with the stored tensors.
  VlmConfig says_bf16 = tiny_config();
  says_bf16.torch_dtype = "bfloat16";
  write_folder(dir, says_bf16, tensors);
  msg = load_error(dir);
  EXPECT_NE(msg.find("has dtype F32 but config.json says bfloat16"), std::string::npos) << msg;

  // The same tensor under both layouts.
  auto twice = tensors;
  twice.emplace_back("model.multi_modal_projector.linear_1.bias", torch::zeros({64}));
  write_folder(dir, tiny_config(), twice);
  EXPECT_NE(load_error(dir).find("stored twice"), std::string::npos);

  // No config / no weights / corrupt weights.
  fs::remove(dir + "/config.json");
  EXPECT_NE(load_error(dir).find("config.json"), std::string::npos);
  write_folder(dir, tiny_config(), tensors);
  fs::resize_file(dir + "/model.safetensors", fs::file_size(dir + "/model.safetensors") - 10);
  EXPECT_NE(load_error(dir).find("model.safetensors"), std::string::npos);
}

TEST(ModelIo, InitIsHfStyleAndDeterministic) {
  VlmConfig c = tiny_config();
  c.text_config.vocab_size = 2000;  // a big matrix for the statistics
  auto a = create_model(c, 21);
  torch::manual_seed(5);
  auto before = torch::rand({4});
  torch::manual_seed(5);
  auto b = create_model(c, 21);
  EXPECT_TRUE(torch::equal(before, torch::rand({4}))) << "create_model must not consume the global RNG";
  expect_same_parameters(a, b);
  auto other = create_model(c, 22);
  EXPECT_FALSE(torch::equal(a->lm_head_weight(), other->lm_head_weight()));
  for (auto& p : a->named_parameters()) {
    const std::string& n = p.key();
    bool norm = n.find("norm") != std::string::npos;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".bias") == 0) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << n;
    } else if (norm) {
      EXPECT_TRUE(torch::equal(p.value(), torch::ones_like(p.value()))) << n;
    }
  }
  auto w = a->lm_head_weight();
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 1e-3);
  EXPECT_NEAR(w.std().item<double>(), 0.02, 5e-4);
  EXPECT_NEAR(a->named_parameters()["vision_tower.vision_model.embeddings.patch_embedding.weight"].std().item<double>(),
              0.02, 3e-3);
}

TEST(ModelIo, Bf16ModelIsMadeInBf16WithTheFloat32ModelsRoundedValues) {
  auto f32 = create_model(tiny_config(), 21);
  auto bf16 = create_model(tiny_config(), 21, torch::kBFloat16);
  auto want = f32->named_parameters();
  for (const auto& p : bf16->named_parameters()) {
    EXPECT_EQ(p.value().scalar_type(), torch::kBFloat16) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), want[p.key()].to(torch::kBFloat16))) << p.key();
  }
  EXPECT_EQ(torch::get_default_dtype(), caffe2::TypeMeta::Make<float>());  // restored
}
