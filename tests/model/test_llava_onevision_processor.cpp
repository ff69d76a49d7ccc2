// The LLaVA-OneVision image processor against transformers' own
// (tests/model/llava_onevision_processor_reference.py): pixel_values to 1e-5,
// image_sizes and image-token counts exactly, and the config file round trip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "../support/python_reference.h"
#include "../support/temp_dir.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/llava_onevision/image_processor.h"
#include "vlsi/image/pillow_resize.h"

// Inside the namespace rather than `using namespace`: the unity build shares
// this translation unit with tests that bring vlsi::model's own
// ImageProcessorConfig into scope.
namespace vlsi::model::llava_onevision {
namespace {

using image::Image;
using image::pillow_resize;
using image::Resample;
using json = nlohmann::json;

// Smooth gradients plus noise: resampling sees both edges and texture.
Image make_image(int width, int height, uint32_t seed) {
  Image img(width, height);
  uint32_t s = seed * 2654435761u + 1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = img.pixel(x, y);
      for (int c = 0; c < 3; ++c) {
        s = s * 1664525u + 1013904223u;
        const int base = (x * (60 + 40 * c)) / std::max(width, 1) + (y * (150 - 30 * c)) / std::max(height, 1);
        p[c] = uint8_t((base + int((s >> 24) % 64)) % 256);
      }
    }
  return img;
}

// Binary PPM: Pillow opens it; the model library has no PNG encoder to link.
void write_ppm(const std::string& path, const Image& img) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n" << img.width << " " << img.height << "\n255\n";
  f.write(reinterpret_cast<const char*>(img.rgb.data()), std::streamsize(img.rgb.size()));
}

const json kSmallPinpoints = json::array({{64, 64}, {64, 128}, {128, 64}, {128, 128}});

json small_config() { return {{"size", {{"height", 64}, {"width", 64}}}, {"image_grid_pinpoints", kSmallPinpoints}}; }

struct Case {
  json config;  // constructor arguments of the transformers processor == preprocessor_config.json fields
  std::vector<std::vector<Image>> samples;
  bool flat = false;  // one flat list: every image its own sample
  int64_t num_image_tokens = 16;
  std::string vision_aspect_ratio = "anyres_max_9";
  std::string vision_feature_select_strategy = "full";
};

struct Outcome {
  ProcessedBatch ours;
  std::vector<int64_t> tokens;
  std::string dir;
  double max_diff = 0;
};

// Writes the case's images and returns its spec for the reference script.
json prepare(const Case& c, const std::string& dir, std::vector<Image>& flat) {
  json samples = json::array();
  for (size_t s = 0; s < c.samples.size(); ++s) {
    json paths = json::array();
    for (size_t i = 0; i < c.samples[s].size(); ++i) {
      std::string p = dir + "/img_" + std::to_string(s) + "_" + std::to_string(i) + ".ppm";
      write_ppm(p, c.samples[s][i]);
      paths.push_back(p);
      flat.push_back(c.samples[s][i]);
    }
    samples.push_back(paths);
  }
  return {{"config", c.config},
          {"samples", samples},
          {"flat", c.flat},
          {"num_image_tokens", c.num_image_tokens},
          {"vision_aspect_ratio", c.vision_aspect_ratio},
          {"vision_feature_select_strategy", c.vision_feature_select_strategy},
          {"out", dir + "/ref.safetensors"},
          {"save_dir", dir + "/saved"}};
}

Outcome compare(const Case& c, const std::string& tag, const std::string& dir, const std::vector<Image>& flat) {
  Outcome o;
  o.dir = dir;
  auto ref = io::load_safetensors(dir + "/ref.safetensors");
  const ImageProcessorConfig cfg = ImageProcessorConfig::from_json(c.config, tag);
  o.ours = c.flat ? process_images(flat, cfg) : process_batch(c.samples, cfg);
  o.tokens = batch_num_image_tokens(o.ours, cfg, c.num_image_tokens, c.vision_aspect_ratio,
                                    c.vision_feature_select_strategy);
  const size_t n = o.ours.pixel_values.size();
  EXPECT_EQ(n, flat.size());
  int skipped = 0;
  for (size_t i = 0; i < n; ++i) {
    // transformers' pad infers the channel axis from the shape: a fitted image
    // 1 or 3 rows high reads as channels-first and is padded wrongly there.
    const Resolution size{flat[i].height, flat[i].width};
    const Resolution fit = fit_within(size, select_best_resolution(size, cfg.image_grid_pinpoints));
    if (o.ours.anyres[i] && (fit.height == 1 || fit.height == 3)) {
      ++skipped;
      continue;
    }
    const auto& want = ref.at("pixel_values_" + std::to_string(i));
    const auto& got = o.ours.pixel_values[i];
    EXPECT_EQ(got.sizes(), want.sizes()) << tag << " image " << i;
    if (got.sizes() != want.sizes()) continue;
    const double d = (got - want).abs().max().item<double>();
    EXPECT_LE(d, 1e-5) << tag << " image " << i;
    o.max_diff = std::max(o.max_diff, d);
  }
  EXPECT_TRUE(torch::equal(o.ours.image_sizes, ref.at("image_sizes"))) << tag;
  auto ref_tokens = ref.at("num_image_tokens");
  EXPECT_EQ(ref_tokens.size(0), int64_t(o.tokens.size())) << tag;
  for (size_t i = 0; i < o.tokens.size() && int64_t(i) < ref_tokens.size(0); ++i)
    EXPECT_EQ(o.tokens[i], ref_tokens[i].item<int64_t>()) << tag << " image " << i;
  std::cout << "[ llava-ov ] " << tag << ": " << n << " images, max |pixel diff| " << o.max_diff
            << (skipped ? ", pixels of " + std::to_string(skipped) + " skipped (transformers misreads them)" : "")
            << "\n";
  return o;
}

// Runs every case through one reference process (transformers' import costs seconds).
std::vector<Outcome> check_against_transformers(const std::vector<std::pair<std::string, Case>>& cases) {
  const std::string root = test_dirs::scratch_dir("llava_ov_");
  json specs = json::array();
  std::vector<std::vector<Image>> flats(cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    const std::string dir = root + "/" + cases[k].first;
    std::filesystem::create_directories(dir);
    specs.push_back(prepare(cases[k].second, dir, flats[k]));
  }
  io::write_json_file(root + "/spec.json", {{"cases", specs}});
  std::string cmd = test_python::command("tests/model/llava_onevision_processor_reference.py") + root + "/spec.json";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << test_python::missing_hint() << ": " << cmd;
  std::vector<Outcome> out;
  for (size_t k = 0; k < cases.size(); ++k)
    out.push_back(compare(cases[k].second, cases[k].first, root + "/" + cases[k].first, flats[k]));
  return out;
}

Outcome check_against_transformers(const Case& c, const std::string& tag) {
  return check_against_transformers({{tag, c}}).at(0);
}

std::vector<std::vector<Image>> singles(const std::vector<Image>& images) {
  std::vector<std::vector<Image>> out;
  for (auto& i : images) out.push_back({i});
  return out;
}

// Widths x heights: tall, wide, square, very wide, and one needing 4 tiles.
std::vector<Image> odd_images() {
  return {make_image(37, 91, 1), make_image(130, 50, 2), make_image(64, 64, 3), make_image(200, 33, 4),
          make_image(150, 140, 5)};
}

}  // namespace

TEST(LlavaOnevisionProcessor, AnyresTilesMatchTransformers) {
  Case c;
  c.config = small_config();
  c.config["foo"] = 3;  // an unknown field survives the round trip
  c.samples = singles(odd_images());
  c.flat = true;
  Outcome o = check_against_transformers(c, "anyres");
  // Grids of 1, 2 and 4 tiles (plus the base image) are all exercised.
  const ImageProcessorConfig cfg = ImageProcessorConfig::from_json(c.config, "anyres");
  std::set<int64_t> tiles;
  for (auto& img : odd_images()) tiles.insert(anyres_layout({img.height, img.width}, cfg.anyres_params(16)).num_tiles);
  EXPECT_EQ(tiles, (std::set<int64_t>{2, 3, 5}));
  // do_pad: every image carries the batch's largest tile count.
  for (auto& t : o.ours.pixel_values) EXPECT_EQ(t.size(0), 5);
  EXPECT_EQ(o.ours.stacked().sizes(), (std::vector<int64_t>{5, 5, 3, 64, 64}));

  // The file transformers wrote reads back and writes out unchanged.
  const json saved = io::read_json_file(o.dir + "/saved/preprocessor_config.json");
  const ImageProcessorConfig loaded = ImageProcessorConfig::load(o.dir + "/saved");
  EXPECT_EQ(loaded.to_json(), saved) << loaded.to_json().dump() << "\nvs\n" << saved.dump();
  EXPECT_EQ(loaded.extra.at("foo"), 3);
  loaded.save(o.dir + "/again.json");
  EXPECT_EQ(io::read_json_file(o.dir + "/again.json"), saved);
}

TEST(LlavaOnevisionProcessor, ResampleFiltersMatchPillow) {
  std::vector<std::pair<std::string, Case>> cases;
  for (int resample : {0, 1, 2, 4, 5}) {
    Case c;
    c.config = small_config();
    c.config["resample"] = resample;
    c.samples = singles({make_image(37, 91, 11), make_image(200, 33, 12), make_image(150, 140, 13)});
    cases.push_back({"resample" + std::to_string(resample), c});
  }
  check_against_transformers(cases);
}

TEST(LlavaOnevisionProcessor, DownscaleRuleAndDefaultStrategy) {
  Case c;
  c.config = small_config();
  c.samples = singles(odd_images());
  c.vision_aspect_ratio = "anyres_max_1";  // 2x2 tiles of 4x4 features exceed one tile's worth
  c.vision_feature_select_strategy = "default";
  check_against_transformers(c, "anyres_max_1");
  const auto p = ImageProcessorConfig::from_json(c.config, "t").anyres_params(16, "anyres_max_1");
  const FeatureLayout l = anyres_layout({140, 150}, p);
  EXPECT_TRUE(l.downscaled);
  EXPECT_EQ(l.grid_rows, 2);
  EXPECT_EQ(l.grid_cols, 2);
  EXPECT_LT(l.height, l.unpadded_height);
}

TEST(LlavaOnevisionProcessor, CheckpointDefaultsLargeImageDownscaled) {
  // transformers' defaults (384 tiles, 36 pinpoints) and SigLIP-so400m's 27x27
  // features: a large image passes anyres_max_9's limit and is shrunk.
  Case c;
  c.config = {{"image_mean", {0.5, 0.5, 0.5}}, {"image_std", {0.5, 0.5, 0.5}}};
  c.samples = {{make_image(1900, 1700, 21)}};
  c.num_image_tokens = 729;
  Outcome o = check_against_transformers(c, "defaults");
  const auto p = ImageProcessorConfig::from_json(c.config, "t").anyres_params(729);
  const FeatureLayout l = anyres_layout({1700, 1900}, p);
  EXPECT_TRUE(l.downscaled);
  EXPECT_EQ(o.ours.pixel_values[0].size(0), l.num_tiles);
}

TEST(LlavaOnevisionProcessor, OneAndThreeImageSamples) {
  auto imgs = odd_images();
  Case c;
  c.config = small_config();
  c.samples = {{imgs[0]}, {imgs[1], imgs[3], imgs[4]}};  // anyres, then three square tiles
  Case nopad = c;
  nopad.config["do_pad"] = false;
  nopad.samples = {{imgs[1], imgs[3], imgs[4]}};
  auto o = check_against_transformers({{"multi", c}, {"multi_nopad", nopad}});
  EXPECT_EQ(o[0].ours.batch_num_images, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(o[0].tokens[1], 16 + 1);  // one tile plus its newline
  EXPECT_EQ(o[0].ours.pixel_values[1].size(0), 3);  // padded to image 0's 2 tiles + base
  EXPECT_EQ(o[1].ours.pixel_values[0].size(0), 1);
}

TEST(LlavaOnevisionProcessor, ResizeRescaleNormalizeSwitches) {
  auto imgs = odd_images();
  std::vector<std::pair<std::string, Case>> cases;
  for (const char* field : {"do_resize", "do_rescale", "do_normalize"}) {
    Case c;
    c.config = small_config();
    c.config[field] = false;
    c.samples = {{imgs[0]}, {imgs[3]}, {imgs[1], imgs[2]}};
    cases.push_back({std::string(field) + "_off", c});
  }
  Case c;
  c.config = {{"size", {{"shortest_edge", 64}}}, {"image_grid_pinpoints", kSmallPinpoints}, {"do_pad", false}};
  c.samples = singles(imgs);
  cases.push_back({"shortest_edge", c});
  // A non-square size: square tiles of its height (the last of a row clipped),
  // each then resized to it.
  Case wide;
  wide.config = small_config();
  wide.config["size"] = {{"height", 64}, {"width", 96}};
  wide.config["image_grid_pinpoints"] = {{64, 96}, {64, 192}, {128, 96}, {128, 192}};
  wide.samples = singles({imgs[0], imgs[4]});
  cases.push_back({"size_64x96", wide});
  // Scalar mean/std (one value for every channel) and another rescale factor.
  Case scalar;
  scalar.config = small_config();
  scalar.config["image_mean"] = 0.25;
  scalar.config["image_std"] = 0.75;
  scalar.config["rescale_factor"] = 0.5 / 255;
  scalar.samples = singles({imgs[1], imgs[3]});
  cases.push_back({"scalar_mean", scalar});
  check_against_transformers(cases);
}

TEST(LlavaOnevisionProcessor, TokenCountsOverManySizes) {
  // Sizes from 1 pixel to thin strips: the unpad rounding and the downscale floor.
  Case c;
  c.config = small_config();
  c.vision_aspect_ratio = "anyres_max_2";
  c.flat = true;
  uint32_t s = 7;
  std::vector<Image> imgs;
  for (int i = 0; i < 30; ++i) {
    s = s * 1664525u + 1013904223u;
    const int w = 1 + int((s >> 8) % 260), h = 1 + int((s >> 20) % 260);
    imgs.push_back(make_image(w, h, 100 + i));
  }
  imgs.push_back(make_image(1, 300, 1));
  imgs.push_back(make_image(300, 1, 2));
  c.samples = singles(imgs);
  check_against_transformers(c, "sizes");
}

TEST(LlavaOnevisionProcessor, BadFieldsGiveOneLineErrors) {
  auto expect_error = [](json j, const std::string& field) {
    try {
      ImageProcessorConfig::from_json(j, "preprocessor_config.json");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(field), std::string::npos) << msg;
      EXPECT_NE(msg.find("preprocessor_config.json"), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  };
  expect_error({{"do_pad", "yes"}}, "do_pad");
  expect_error({{"resample", 7}}, "resample");
  expect_error({{"resample", "bicubic"}}, "resample");
  expect_error({{"size", {{"height", 64}}}}, "size");
  expect_error({{"size", {{"height", -1}, {"width", 64}}}}, "size");
  expect_error({{"image_grid_pinpoints", {{64}}}}, "image_grid_pinpoints");
  expect_error({{"image_mean", {0.5, 0.5}}}, "image_mean");
  expect_error({{"rescale_factor", "1/255"}}, "rescale_factor");
  expect_error({{"image_processor_type", "SiglipImageProcessor"}}, "image_processor_type");
  EXPECT_THROW(max_num_patches("anyres", "config.json"), Error);
  EXPECT_EQ(max_num_patches("anyres_max_9", "config.json"), 9);
}

TEST(LlavaOnevisionProcessor, ArithmeticHelpersFollowPython) {
  EXPECT_EQ(py_floordiv(1.0, 0.1), 9.0);  // 1 / 0.1 rounds to 10.0; Python's 1 // 0.1 is 9.0
  EXPECT_EQ(py_int_round7(2.99999999), 3);
  EXPECT_EQ(py_int_round7(2.9999), 2);
  EXPECT_EQ(select_best_resolution({64, 64}, {{128, 128}, {64, 64}}), (Resolution{64, 64}));
  EXPECT_EQ(fit_within({91, 37}, {128, 64}), (Resolution{128, 53}));
  const AnyresParams so400m = AnyresParams::for_vision(ImageProcessorConfig::default_pinpoints(), 384, 14);
  EXPECT_EQ(so400m.num_image_tokens, 729);
  EXPECT_EQ(num_image_tokens({384, 384}, so400m, true), 730);
  // Same-size resize is a copy, as in Pillow.
  Image img = make_image(5, 4, 9);
  EXPECT_EQ(pillow_resize(img, 5, 4, Resample::kBicubic).rgb, img.rgb);
}

}  // namespace vlsi::model::llava_onevision
