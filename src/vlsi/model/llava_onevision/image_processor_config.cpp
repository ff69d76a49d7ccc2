#include "vlsi/model/llava_onevision/image_processor_config.h"

#include <set>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/image/pillow_resize.h"

namespace vlsi::model::llava_onevision {

namespace {

constexpr const char* kType = "LlavaOnevisionImageProcessor";

const std::set<std::string>& known_fields() {
  static const std::set<std::string> k = {
      "image_processor_type", "do_resize",    "size",       "image_grid_pinpoints", "resample",      "do_rescale",
      "rescale_factor",       "do_normalize", "image_mean", "image_std",            "do_pad",        "do_convert_rgb"};
  return k;
}

void read_size(const nlohmann::json& j, ImageProcessorConfig& c, const std::string& where) {
  auto it = j.find("size");
  if (it == j.end() || it->is_null()) return;
  const std::string field = where + ": field 'size'";
  c.size_height = c.size_width = 0;
  // get_size_dict(int, default_to_square=False) means a shortest edge.
  if (it->is_number_integer()) {
    c.size_shortest_edge = it->get<int64_t>();
    check(c.size_shortest_edge > 0, field, ": expected a positive size, got ", it->dump());
    return;
  }
  check(it->is_object(), field, ": expected {\"height\", \"width\"} or {\"shortest_edge\"}, got ", it->dump());
  std::set<std::string> keys;
  for (auto& [k, v] : it->items()) {
    keys.insert(k);
    check(v.is_number_integer() && v.get<int64_t>() > 0, field, ": '", k, "' must be a positive integer, got ",
          v.dump());
  }
  if (keys == std::set<std::string>{"height", "width"}) {
    c.size_height = (*it)["height"].get<int64_t>();
    c.size_width = (*it)["width"].get<int64_t>();
  } else if (keys == std::set<std::string>{"shortest_edge"} ||
             keys == std::set<std::string>{"shortest_edge", "longest_edge"}) {
    c.size_shortest_edge = (*it)["shortest_edge"].get<int64_t>();
    if (keys.count("longest_edge")) c.size_longest_edge = (*it)["longest_edge"].get<int64_t>();
  } else {
    fail(field, ": expected {\"height\", \"width\"} or {\"shortest_edge\"}, got ", it->dump());
  }
}

std::vector<Resolution> read_pinpoints(const nlohmann::json& j, const std::string& where) {
  auto it = j.find("image_grid_pinpoints");
  if (it == j.end() || it->is_null()) return ImageProcessorConfig::default_pinpoints();
  const std::string field = where + ": field 'image_grid_pinpoints'";
  check(it->is_array() && !it->empty(), field, ": expected a non-empty list of [height, width], got ",
        it->type_name());
  std::vector<Resolution> out;
  for (auto& e : *it) {
    check(e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer() &&
              e[0].get<int64_t>() > 0 && e[1].get<int64_t>() > 0,
          field, ": expected [height, width] of positive integers, got ", e.dump());
    out.push_back({e[0].get<int64_t>(), e[1].get<int64_t>()});
  }
  return out;
}

}  // namespace

std::vector<Resolution> ImageProcessorConfig::default_pinpoints() {
  std::vector<Resolution> out;
  for (int64_t h = 384; h <= 2304; h += 384)
    for (int64_t w = 384; w <= 2304; w += 384) out.push_back({h, w});
  return out;
}

Resolution ImageProcessorConfig::tile() const {
  if (size_height > 0 && size_width > 0) return {size_height, size_width};
  return {size_shortest_edge, size_shortest_edge};
}

AnyresParams ImageProcessorConfig::anyres_params(int64_t num_image_tokens, const std::string& vision_aspect_ratio,
                                                 const std::string& vision_feature_select_strategy) const {
  AnyresParams p;
  p.image_grid_pinpoints = image_grid_pinpoints;
  p.tile_height = tile().height;
  p.tile_width = tile().width;
  p.num_image_tokens = num_image_tokens;
  p.vision_aspect_ratio = vision_aspect_ratio;
  p.vision_feature_select_strategy = vision_feature_select_strategy;
  return p;
}

ImageProcessorConfig ImageProcessorConfig::from_json(const nlohmann::json& j, const std::string& where) {
  check(j.is_object(), where, ": expected a JSON object, got ", j.type_name());
  ImageProcessorConfig c;
  auto type = io::get_or<std::string>(j, "image_processor_type", kType, where);
  check(type == kType, where, ": field 'image_processor_type': expected \"", kType, "\", got \"", type, "\"");
  c.do_resize = io::get_or<bool>(j, "do_resize", c.do_resize, where);
  read_size(j, c, where);
  c.image_grid_pinpoints = read_pinpoints(j, where);
  c.resample = io::get_or<int>(j, "resample", c.resample, where);
  check(image::is_pillow_resample(c.resample), where, ": field 'resample': expected a PIL resampling filter 0..5, got ",
        c.resample);
  c.read_normalization(j, where);
  c.do_pad = io::get_or<bool>(j, "do_pad", c.do_pad, where);
  c.do_convert_rgb = io::get_or<bool>(j, "do_convert_rgb", c.do_convert_rgb, where);
  c.extra = unknown_fields(j, known_fields());
  return c;
}

ImageProcessorConfig ImageProcessorConfig::load(const std::string& path) {
  const std::string file = preprocessor_config_file(path);
  return from_json(io::read_json_file(file), file);
}

nlohmann::json ImageProcessorConfig::to_json() const {
  nlohmann::json j = extra;
  nlohmann::json size = nlohmann::json::object();
  if (size_height > 0) size["height"] = size_height;
  if (size_width > 0) size["width"] = size_width;
  if (size_shortest_edge > 0) size["shortest_edge"] = size_shortest_edge;
  if (size_longest_edge > 0) size["longest_edge"] = size_longest_edge;
  nlohmann::json pinpoints = nlohmann::json::array();
  for (const Resolution& r : image_grid_pinpoints) pinpoints.push_back({r.height, r.width});
  j["image_processor_type"] = kType;
  j["do_resize"] = do_resize;
  j["size"] = size;
  j["image_grid_pinpoints"] = pinpoints;
  j["resample"] = resample;
  write_normalization(j);
  j["do_pad"] = do_pad;
  j["do_convert_rgb"] = do_convert_rgb;
  return j;
}

void ImageProcessorConfig::save(const std::string& path) const {
  io::write_json_file(preprocessor_config_file(path), to_json());
}

}  // namespace vlsi::model::llava_onevision
