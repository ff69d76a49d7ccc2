#pragma once
// Verbalized outputs of a few test samples (what each target layer "says"
// through its verbalizer), as the report shows them. One JSON object per
// sample, either
//   {"id", "question", "answer", "reference"?, "layers": [{"layer": L, "text": "..."}],
//    "teacher_layers": optional, same shape}
// or what `vlsi verbalize --json` prints:
//   {"prompt", "image", "student": {"model", "layers": [{"layer", "head", "text", ...}]},
//    "teacher": optional, same shape}.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace vlsi::eval {

// `samples` is the array of a verbalized file; at most `max_samples` are
// shown, the rest counted. `where` names the file in the HTML.
std::string render_verbalized_samples(const nlohmann::json& samples, const std::string& where, size_t max_samples);

}  // namespace vlsi::eval
