#pragma once
// `vlsi data shapes`: writes the procedural benchmark as a LLaVA-style dataset
//   DIR/images/{split}_{index}.png, DIR/{train,val,test}.jsonl, DIR/meta.json
// deterministic by seed, with no (image, question) pair in two places.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace vlsi::data::shapes {

struct ShapesOptions {
  std::string out_dir;
  uint64_t seed = 0;
  int64_t train = 0, val = 0, test = 0;
  int image_size = 64;
  // Training records get a second exchange that lists the image's content
  // (colour and shape of every object, or every bar's value, left to right):
  // many answer tokens per encoded image, which is what lets small models
  // learn to read images within the demo's budget. Val/test stay one question.
  bool describe_train = true;
  // 0: objects anywhere; N: one object per cell of an N x N grid (see Canvas).
  int grid = 0;
  // Also write the test split as VLMEvalKit TSVs (data/shapes_vlmevalkit.h).
  bool vlmevalkit = false;
  // Generator version: 3 (newest) adds the relational, comparison and
  // arithmetic categories; 2 writes exactly what version 2 always wrote.
  int version = 3;
};

struct ShapesSummary {
  int64_t records = 0;
  int64_t duplicates_redrawn = 0;  // samples redrawn because they repeated an earlier one
  double seconds = 0;
  nlohmann::json meta;             // what meta.json holds
  nlohmann::json vlmevalkit;       // with options.vlmevalkit: rows per TSV
};

ShapesSummary generate_shapes_dataset(const ShapesOptions& options);

// The options that decide the generated files, as meta.json's "settings"
// records them (so a reuser can check a folder matches what it would generate).
// "version" is listed from version 3 on: version 2's meta.json never had it,
// and a v2 folder still compares unequal to v3 settings (the key is missing).
nlohmann::json shapes_settings(const ShapesOptions& options);

}  // namespace vlsi::data::shapes
