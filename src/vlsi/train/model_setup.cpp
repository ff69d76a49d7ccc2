#include "vlsi/train/model_setup.h"

#include <filesystem>

#include "vlsi/io/json_util.h"

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
    int64_t v = j["text_config"]["vocab_size"].get<int64_t>();
    check(v >= tok.vocab_size(), file, ": field 'text_config.vocab_size' is ", v, " but the tokenizer has ",
          tok.vocab_size(), " tokens");
  } else {
    j["text_config"]["vocab_size"] = tok.vocab_size();
  }
  j["image_token_index"] = *img;
  auto cfg = model::VlmConfig::from_json(j, file);
  cfg.validate(file);
  return cfg;
}

void check_tokenizer_matches(const model::VlmConfig& config, const text::Tokenizer& tok, const std::string& where,
                             const std::string& image_token) {
  check(config.text_config.vocab_size >= tok.vocab_size(), where, ": model vocabulary (",
        config.text_config.vocab_size, ") is smaller than the tokenizer's (", tok.vocab_size(),
        "): model and tokenizer do not belong together");
  auto img = tok.token_to_id(image_token);
  check(img.has_value() && *img == config.image_token_index, where, ": model image_token_index ",
        config.image_token_index, " is not the tokenizer's '", image_token, "' id (",
        img ? std::to_string(*img) : std::string("absent"), ")");
}

}  // namespace vlsi::train

namespace vlsi::train {
data::ImageTransform image_transform_for(const model::ImageProcessorConfig& p) {
  data::ImageTransform t;
  t.height = static_cast<int>(p.height);
  t.width = static_cast<int>(p.width);
  t.rescale = p.rescale_factor;
  for (int c = 0; c < 3; ++c) {
    t.mean[c] = p.do_normalize ? static_cast<float>(p.image_mean.at(c)) : 0.0f;
    t.std[c] = p.do_normalize ? static_cast<float>(p.image_std.at(c)) : 1.0f;
  }
  return t;
}
}  // namespace vlsi::train
