// The Qwen2-VL image processor against transformers' own slow
// Qwen2VLImageProcessor (tests/model/qwen2_vl_processor_reference.py):
// pixel_values to 1e-6 (they come out identical), image_grid_thw, token counts
// and smart_resize exactly, the same error cases, and the config file round trip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <cmath>
#include <map>
#include <set>

#include "../support/error_message.h"
#include "../support/python_reference.h"
#include "../support/temp_dir.h"
#include "vlsi/data/image.h"
#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/safetensors.h"
#include "vlsi/model/qwen2_vl/image_processor.h"

// Inside the namespace rather than `using namespace`: the unity build shares
// this translation unit with other families' processor tests.
namespace vlsi::model::qwen2_vl {
namespace {

using image::Image;
using json = nlohmann::json;

const std::vector<std::string> kGoldenImages = {"small_17x23.png", "square_40x40.png", "tall_30x70.png",
                                                "wide_90x30.png", "big_130x120.png"};

std::string golden_path(const std::string& name) {
  return std::string(VLSI_SOURCE_DIR) + "/tests/goldens/images/" + name;
}

// Smooth gradients plus noise, for sizes the golden images lack.
Image make_image(int width, int height, uint32_t seed) {
  Image img(width, height);
  uint32_t s = seed * 2654435761u + 1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        s = s * 1664525u + 1013904223u;
        img.pixel(x, y)[c] = uint8_t((x * (50 + 30 * c) / width + y * 120 / height + int((s >> 24) % 64)) % 256);
      }
  return img;
}

// Binary PPM: Pillow opens it, and it needs no encoder here.
void write_ppm(const std::string& path, const Image& img) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n" << img.width << " " << img.height << "\n255\n";
  f.write(reinterpret_cast<const char*>(img.rgb.data()), std::streamsize(img.rgb.size()));
}

struct Case {
  json config;  // constructor arguments == preprocessor_config.json fields
  std::vector<Image> images;
  std::vector<std::string> paths;  // what the reference reads
};

// Scaled-down pixel limits: of the golden images 17x23 and 30x70 round below
// min_pixels (upscaled), 130x120 rounds above max_pixels (downscaled).
const json kScaled = {{"min_pixels", 2000}, {"max_pixels", 5000}};

std::map<std::string, Case> make_cases() {
  std::vector<Image> golden;
  std::vector<std::string> golden_paths;
  for (const auto& name : kGoldenImages) {
    golden_paths.push_back(golden_path(name));
    golden.push_back(data::load_image(golden_paths.back()));
  }
  std::map<std::string, Case> cases;
  auto add = [&](const std::string& tag, json config) { cases[tag] = {config, golden, golden_paths}; };
  add("defaults", json::object());  // min_pixels 3136 upscales every golden image but 130x120
  add("scaled", kScaled);
  add("patch8_merge1_t1", {{"patch_size", 8}, {"merge_size", 1}, {"temporal_patch_size", 1}, {"min_pixels", 256},
                           {"max_pixels", 2048}});
  add("patch4_merge3_t3_bilinear", {{"patch_size", 4}, {"merge_size", 3}, {"temporal_patch_size", 3},
                                    {"min_pixels", 500}, {"max_pixels", 3000}, {"resample", 2},
                                    {"image_mean", 0.25}, {"image_std", 0.75}, {"rescale_factor", 0.5 / 255}});
  for (int resample : {0, 1, 4, 5}) {
    json c = kScaled;
    c["resample"] = resample;
    add("resample" + std::to_string(resample), c);
  }
  for (const char* off : {"do_rescale", "do_normalize"}) {
    json c = kScaled;
    c[off] = false;
    add(std::string(off) + "_off", c);
  }
  add("plain_uint8", {{"do_rescale", false}, {"do_normalize", false}, {"min_pixels", 1000}, {"max_pixels", 3000}});
  // size alone is dropped for the defaults in 4.57.6; min_pixels alone keeps the default maximum;
  // an unknown field is kept.
  add("size_only", {{"size", {{"shortest_edge", 100}, {"longest_edge", 900}}}, {"foo", 3}});
  add("min_only", {{"min_pixels", 6000}, {"processor_class", "Qwen2VLProcessor"}});
  return cases;
}

// Generated images: sides exactly at the aspect-ratio limit, 1-pixel strips,
// and do_resize off with and without sides that are multiples of the factor.
// (A height of 1 or 3 is left out: transformers reads such an array as
// channels-first and processes it transposed.)
std::map<std::string, Case> make_edge_cases(const std::string& dir) {
  std::map<std::string, Case> cases;
  auto add = [&](const std::string& tag, json config, std::vector<std::pair<int, int>> sizes) {
    Case c{config, {}, {}};
    for (auto [w, h] : sizes) {
      c.images.push_back(make_image(w, h, uint32_t(w * 1000 + h)));
      c.paths.push_back(dir + "/" + tag + "_" + std::to_string(c.paths.size()) + ".ppm");
      write_ppm(c.paths.back(), c.images.back());
    }
    cases[tag] = c;
  };
  add("strips", kScaled, {{1, 200}, {2, 400}, {5, 37}, {200, 4}, {57, 2}});
  add("ratio_over_200", kScaled, {{1, 201}});
  add("no_resize", {{"do_resize", false}}, {{56, 84}, {112, 28}});
  add("no_resize_bad", {{"do_resize", false}}, {{56, 70}});
  add("min_pixels_0_tiny", {{"min_pixels", 0}, {"max_pixels", 5000}}, {{10, 40}});
  return cases;
}

std::vector<std::array<int64_t, 5>> smart_resize_queries() {
  std::vector<std::array<int64_t, 5>> q;
  const std::vector<int64_t> sides = {1, 2, 5, 13, 14, 27, 28, 29, 41, 42, 55, 56, 70, 97, 98, 111, 200,
                                      333, 500, 1000, 1023, 4000, 12345};
  const std::vector<std::array<int64_t, 2>> limits = {
      {56 * 56, 28 * 28 * 1280}, {2000, 5000}, {0, 5000}, {4, 4}, {3136, 12845056}, {100000, 200000}};
  for (int64_t factor : {28, 16, 24, 7})
    for (auto [lo, hi] : limits)
      for (int64_t h : sides)
        for (int64_t w : sides) q.push_back({h, w, factor, lo, hi});
  return q;
}

// Every case and the smart_resize grid through one reference process
// (transformers' import costs seconds), shared by the tests below.
struct Reference {
  std::string dir;
  std::map<std::string, Case> cases;
  json smart_resize;
};

const Reference& reference() {
  static const Reference ref = [] {
    Reference r;
    r.dir = test_dirs::scratch_dir("qwen2vl_proc_");
    r.cases = make_cases();
    r.cases.merge(make_edge_cases(r.dir));
    json specs = json::array();
    for (auto& [tag, c] : r.cases) {
      std::filesystem::create_directories(r.dir + "/" + tag);
      specs.push_back({{"config", c.config},
                       {"images", c.paths},
                       {"out", r.dir + "/" + tag + "/ref.safetensors"},
                       {"save_dir", r.dir + "/" + tag + "/saved"}});
    }
    const json spec = {{"cases", specs},
                       {"smart_resize", {{"queries", smart_resize_queries()}, {"out", r.dir + "/smart_resize.json"}}}};
    io::write_json_file(r.dir + "/spec.json", spec);
    const std::string cmd = test_python::command("tests/model/qwen2_vl_processor_reference.py") + r.dir + "/spec.json";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << test_python::missing_hint() << ": " << cmd;
    r.smart_resize = io::read_json_file(r.dir + "/smart_resize.json");
    return r;
  }();
  return ref;
}

void PrintTo(const ResizedSize& s, std::ostream* os) { *os << s.height << "x" << s.width; }

// "up", "down" or "none": which smart_resize branch a size takes.
std::string branch(const Image& img, const ImageProcessorConfig& c) {
  const int64_t f = c.factor();
  const int64_t rounded = int64_t(std::nearbyint(double(img.height) / f)) * f *
                          (int64_t(std::nearbyint(double(img.width) / f)) * f);
  return rounded > c.max_pixels ? "down" : rounded < c.min_pixels ? "up" : "none";
}

}  // namespace

TEST(Qwen2VLImageProcessor, PixelValuesMatchTransformers) {
  const Reference& ref = reference();
  std::set<std::string> branches;
  for (const auto& [tag, c] : ref.cases) {
    const std::string out = ref.dir + "/" + tag + "/ref.safetensors";
    const ImageProcessorConfig cfg = ImageProcessorConfig::from_json(c.config, tag);
    if (std::filesystem::exists(out + ".error")) {
      std::ifstream f(out + ".error");
      const std::string theirs((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const std::string ours = test_messages::error_of([&] { process_images(c.images, cfg); });
      EXPECT_NE(ours, "") << tag << ": transformers fails (" << theirs << "), we do not";
      EXPECT_EQ(ours.find('\n'), std::string::npos) << ours;
      std::cout << "[ qwen2-vl ] " << tag << ": both fail; transformers: " << theirs << "; ours: " << ours << "\n";
      continue;
    }
    auto want = io::load_safetensors(out);
    const ProcessedImages got = process_images(c.images, cfg);
    ASSERT_EQ(got.pixel_values.sizes(), want.at("pixel_values").sizes()) << tag;
    const double diff = (got.pixel_values - want.at("pixel_values")).abs().max().item<double>();
    EXPECT_LE(diff, 1e-6) << tag;
    EXPECT_TRUE(torch::equal(got.image_grid_thw, want.at("image_grid_thw")))
        << tag << ": " << got.image_grid_thw << " vs " << want.at("image_grid_thw");
    for (size_t i = 0; i < c.images.size(); ++i) {
      EXPECT_EQ(image_token_count(c.images[i].height, c.images[i].width, cfg),
                want.at("num_image_tokens")[int64_t(i)].item<int64_t>())
          << tag << " image " << i;
      if (tag == "scaled") branches.insert(branch(c.images[i], cfg));
    }
    std::cout << "[ qwen2-vl ] " << tag << ": " << c.images.size() << " images, " << got.pixel_values.size(0)
              << " patches, max |pixel diff| " << diff << "\n";
  }
  EXPECT_EQ(branches, (std::set<std::string>{"up", "down", "none"}));
}

TEST(Qwen2VLImageProcessor, ConfigRoundTripMatchesSavePretrained) {
  const Reference& ref = reference();
  for (const auto& [tag, c] : ref.cases) {
    const std::string saved_dir = ref.dir + "/" + tag + "/saved";
    const json saved = io::read_json_file(saved_dir + "/preprocessor_config.json");
    // Our reading of the constructor arguments is the state transformers ends up in...
    EXPECT_EQ(ImageProcessorConfig::from_json(c.config, tag).to_json(), saved) << tag;
    // ...and the file it writes reads back and writes out unchanged.
    const ImageProcessorConfig loaded = ImageProcessorConfig::load(saved_dir);
    EXPECT_EQ(loaded.to_json(), saved) << tag << ": " << loaded.to_json().dump() << "\nvs\n" << saved.dump();
    loaded.save(ref.dir + "/" + tag + "/again.json");
    EXPECT_EQ(io::read_json_file(ref.dir + "/" + tag + "/again.json"), saved) << tag;
  }
  const auto size_only = ImageProcessorConfig::from_json(ref.cases.at("size_only").config, "t");
  EXPECT_EQ(size_only.min_pixels, 56 * 56);
  EXPECT_EQ(size_only.max_pixels, 28 * 28 * 1280);
  EXPECT_EQ(size_only.extra.at("foo"), 3);
}

TEST(Qwen2VLImageProcessor, SmartResizeGridMatchesTransformers) {
  const Reference& ref = reference();
  const auto queries = smart_resize_queries();
  ASSERT_EQ(ref.smart_resize.size(), queries.size());
  int errors = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    const auto [h, w, factor, lo, hi] = queries[i];
    const json& want = ref.smart_resize[i];
    const std::string where = std::to_string(h) + "x" + std::to_string(w) + " factor " + std::to_string(factor) +
                              " [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    // A side of 0 is what transformers returns; its resize then refuses it, and so do we.
    const bool fails = want.is_string() || want[0] == 0 || want[1] == 0;
    const std::string err = test_messages::error_of([&] { smart_resize(h, w, factor, lo, hi); });
    if (fails) {
      ++errors;
      EXPECT_NE(err, "") << where << ": transformers gives " << want.dump();
      if (want.is_string()) EXPECT_NE(err.find("aspect ratio must be smaller than 200"), std::string::npos) << err;
      continue;
    }
    ASSERT_EQ(err, "") << where;
    const ResizedSize got = smart_resize(h, w, factor, lo, hi);
    EXPECT_EQ(got.height, want[0].get<int64_t>()) << where;
    EXPECT_EQ(got.width, want[1].get<int64_t>()) << where;
  }
  std::cout << "[ qwen2-vl ] smart_resize: " << queries.size() << " sizes, " << errors << " errors agreed\n";
  EXPECT_GT(errors, 0);
}

TEST(Qwen2VLImageProcessor, SmartResizeByHand) {
  // round() is half to even: 42 / 28 = 1.5 -> 2, 70 / 28 = 2.5 -> 2.
  EXPECT_EQ(smart_resize(42, 70, 28, 0, 1 << 20), (ResizedSize{56, 56}));
  EXPECT_EQ(smart_resize(224, 224), (ResizedSize{224, 224}));
  EXPECT_EQ(smart_resize(1, 200), (ResizedSize{28, 812}));  // ratio exactly 200 passes
  test_messages::expect_one_line_error([] { smart_resize(1, 201); }, "aspect ratio must be smaller than 200");
  test_messages::expect_one_line_error([] { smart_resize(0, 10); }, "no pixels");
  test_messages::expect_one_line_error([] { smart_resize(10, 10, 28, 0, 5000); }, "must be > 0");
  test_messages::expect_one_line_error([] { smart_resize(10, 10, 0); }, "out of range");
  const ImageProcessorConfig c;
  EXPECT_EQ(image_grid_thw(224, 224, c), (std::array<int64_t, 3>{1, 16, 16}));
  EXPECT_EQ(image_token_count(224, 224, c), 64);
  EXPECT_EQ(image_token_count(10, 10, c), 4);  // min_pixels 3136 lifts it to 56x56
  const ProcessedImages none = process_images({}, c);
  EXPECT_EQ(none.pixel_values.sizes(), (std::vector<int64_t>{0, 1176}));
  EXPECT_EQ(none.image_grid_thw.sizes(), (std::vector<int64_t>{0, 3}));
}

TEST(Qwen2VLImageProcessor, BadFieldsGiveOneLineErrors) {
  auto expect_error = [](json j, const std::string& field) {
    test_messages::expect_one_line_error(
        [&] { ImageProcessorConfig::from_json(j, "preprocessor_config.json"); }, field);
    test_messages::expect_one_line_error(
        [&] { ImageProcessorConfig::from_json(j, "preprocessor_config.json"); }, "preprocessor_config.json");
  };
  expect_error({{"min_pixels", 6000}, {"max_pixels", 5000}}, "min_pixels");
  expect_error({{"min_pixels", -1}}, "min_pixels");
  expect_error({{"max_pixels", 0}}, "max_pixels");
  expect_error({{"max_pixels", int64_t(1) << 40}}, "max_pixels");
  expect_error({{"max_pixels", "lots"}}, "max_pixels");
  expect_error({{"patch_size", 0}}, "patch_size");
  expect_error({{"merge_size", 100000}}, "merge_size");
  expect_error({{"temporal_patch_size", -2}}, "temporal_patch_size");
  expect_error({{"resample", 7}}, "resample");
  expect_error({{"size", {{"shortest_edge", 100}}}}, "size");
  expect_error({{"size", 448}}, "size");
  expect_error({{"image_mean", {0.5, 0.5}}}, "image_mean");
  expect_error({{"image_std", {0.5, 0.0, 0.5}}}, "image_std");
  expect_error({{"do_resize", "yes"}}, "do_resize");
  expect_error({{"image_processor_type", "SiglipImageProcessor"}}, "image_processor_type");
  EXPECT_EQ(ImageProcessorConfig::from_json({{"image_processor_type", "Qwen2VLImageProcessorFast"}}, "t").to_json()
                .at("image_processor_type"),
            "Qwen2VLImageProcessor");
  const ImageProcessorConfig no_resize = ImageProcessorConfig::from_json({{"do_resize", false}}, "t");
  test_messages::expect_one_line_error([&] { image_token_count(30, 56, no_resize); }, "multiples of");
}

}  // namespace vlsi::model::qwen2_vl
