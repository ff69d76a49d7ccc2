#include "vlsi/train/model_setup.h"

#include <filesystem>

#include "vlsi/io/json_util.h"
#include "vlsi/model/registry.h"

namespace vlsi::train {

model::VlmConfig config_for_tokenizer(const std::string& config_path, const text::Tokenizer& tok,
                                      const std::string& image_token) {
  std::string file = std::filesystem::is_directory(config_path) ? config_path + "/config.json" : config_path;
  io::json j = io::read_json_file(file);
  check(j.is_object() && j.contains("text_config") && j["text_config"].is_object(), file,
        ": expected an object with a 'text_config' object");
  auto img = tok.token_to_id(image_token);
  check(img.has_value(), file, ": the tokenizer has no image token '", image_token, "'");
  if (j["text_config"].contains("vocab_size")) {
    int64_t v = io::get_field<int64_t>(j["text_config"], "vocab_size", file + ": text_config");
    check(v >= tok.vocab_size(), file, ": field 'text_config.vocab_size' is ", v, " but the tokenizer has ",
          tok.vocab_size(), " tokens");
  } else {
    j["text_config"]["vocab_size"] = tok.vocab_size();
  }
  j["image_token_index"] = *img;
  if (auto video = tok.token_to_id("<video>")) j["video_token_index"] = *video;
  model::model_family(io::get_field<std::string>(j, "model_type", file), file);
  auto cfg = model::VlmConfig::from_json(j, file);
  cfg.validate(file);
  return cfg;
}

}  // namespace vlsi::train
