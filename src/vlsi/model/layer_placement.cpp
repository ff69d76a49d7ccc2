#include "vlsi/model/layer_placement.h"

#include <algorithm>
#include <cctype>

#include "vlsi/io/error.h"
#include "vlsi/model/compute_dtype.h"

namespace vlsi::model {
namespace {

std::string range_name(const LayerRange& r) {
  return "layers " + std::to_string(r.first) + "-" + std::to_string(r.last);
}

// Digits only (no sign, no spaces): the whole of `s` as a layer index, or -1.
int64_t parse_index(const std::string& s) {
  if (s.empty() || s.size() > 9) return -1;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  return std::stoll(s);
}

}  // namespace

LayerPlacement::LayerPlacement(std::vector<LayerRange> ranges, int64_t num_layers, const std::string& where)
    : ranges_(std::move(ranges)), num_layers_(num_layers) {
  const std::string expected = "expected ranges that cover layers 0-" + std::to_string(num_layers - 1) +
                               " exactly once, in order";
  check(!ranges_.empty(), where, ": no layer range (", expected, ")");
  int64_t next = 0;  // the first layer no range has held yet
  for (const auto& r : ranges_) {
    check(r.first <= r.last, where, ": ", range_name(r), " runs backwards (expected FIRST <= LAST)");
    check(r.last < num_layers, where, ": ", range_name(r), " reaches past layer ", num_layers - 1, ", the last of the model's ",
          num_layers, " decoder layers");
    check(r.first >= next, where, ": ", range_name(r), " overlaps the range before it at layer ", r.first, " (",
          expected, ")");
    check(r.first == next, where, ": ", range_name(r), " leaves layer", r.first - next > 1 ? "s " : " ", next,
          r.first - next > 1 ? "-" + std::to_string(r.first - 1) : "", " without a device (", expected, ")");
    next = r.last + 1;
  }
  check(next == num_layers, where, ": ", range_name(ranges_.back()), " leaves layer", num_layers - next > 1 ? "s " : " ",
        next, num_layers - next > 1 ? "-" + std::to_string(num_layers - 1) : "", " of ", num_layers,
        " without a device (", expected, ")");
}

torch::Device LayerPlacement::device_of_layer(int64_t layer) const {
  for (const auto& r : ranges_)
    if (layer >= r.first && layer <= r.last) return r.device;
  fail("layer placement: layer ", layer, " is in no range of a placement of ", num_layers_, " layers");
}

std::pair<int64_t, int64_t> layer_range_from_key(const std::string& key, const std::string& where) {
  const std::string prefix = "layers ";
  const auto dash = key.find('-', prefix.size());
  int64_t first = -1, last = -1;
  if (key.compare(0, prefix.size(), prefix) == 0 && dash != std::string::npos) {
    first = parse_index(key.substr(prefix.size(), dash - prefix.size()));
    last = parse_index(key.substr(dash + 1));
  }
  check(first >= 0 && last >= 0, where, ": key \"", key, "\" is malformed (expected \"layers FIRST-LAST\", e.g. \"layers 0-39\")");
  return {first, last};
}

LayerPlacement layer_placement_from_json(const nlohmann::json& j, int64_t num_layers, const std::string& where) {
  check(j.is_object(), where, ": expected an object {\"layers FIRST-LAST\": device, ...}, got ", j.dump());
  if (j.empty()) return {};
  std::vector<LayerRange> ranges;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& value = it.value();
    auto [first, last] = layer_range_from_key(key, where);
    check(value.is_string(), where, ": \"", key, "\" expected a device name (cpu, cuda or cuda:N), got ", value.dump());
    ranges.push_back({first, last, device_from_name(value.get<std::string>(), where + " \"" + key + "\"")});
  }
  std::sort(ranges.begin(), ranges.end(), [](const LayerRange& a, const LayerRange& b) {
    return a.first != b.first ? a.first < b.first : a.last < b.last;
  });
  return LayerPlacement(std::move(ranges), num_layers, where);
}

}  // namespace vlsi::model
