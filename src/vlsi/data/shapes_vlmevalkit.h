#pragma once
// The shapes test split as VLMEvalKit benchmark TSVs (`vlsi data shapes
// --format vlmevalkit`), for `vlsi eval` on real files:
//   DIR/vlmevalkit/shapes_mcq.tsv   MMBench-style: every non-yes/no question
//       with four options (pattern's own; answer plus three distractors of
//       its kind otherwise), each option rotation a row with index
//       k * 1,000,000 + i (k = rotation, i = question), as MMBench's circular copies;
//   DIR/vlmevalkit/shapes_yorn.tsv  MME-style: two questions per scene image,
//       one answered Yes, one No (categories existence, count, color, position);
//   DIR/vlmevalkit/shapes_pope.tsv  POPE-style object presence: per image and
//       split (adversarial, popular, random) one Yes and one No probe.
// The first row of an image carries it as base64 PNG, the others the index of
// that row (VLMEvalKit's space saving), with image_path for MME grouping.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vlsi/data/shapes_tasks.h"

namespace vlsi::data::shapes {

struct VlmevalkitCounts {
  int64_t mcq_questions = 0, mcq_rows = 0, yorn_rows = 0, pope_rows = 0;
};

// `test`: the test split's samples with their image names ("test_000003").
VlmevalkitCounts write_vlmevalkit_tsvs(const std::string& out_dir,
                                       const std::vector<std::pair<std::string, Sample>>& test, uint64_t seed);

}  // namespace vlsi::data::shapes
