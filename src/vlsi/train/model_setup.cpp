#include "vlsi/train/model_setup.h"

#include <filesystem>

#include "vlsi/io/json_util.h"
#include "vlsi/model/registry.h"

namespace vlsi::train {

model::VlmConfig config_for_tokenizer(const std::string& config_path, const text::Tokenizer& tok) {
  std::string file = std::filesystem::is_directory(config_path) ? config_path + "/config.json" : config_path;
  io::json j = io::read_json_file(file);
  check(j.is_object(), file, ": expected an object, got ", io::json_type_name(j));
  const model::ModelFamily& family = model::model_family(io::get_field<std::string>(j, "model_type", file), file);
  // The decoder's fields sit in text_config, or at the top level of a flat config.
  const bool nested = j.contains("text_config");
  check(!nested || j["text_config"].is_object(), file, ": field 'text_config': expected an object");
  io::json& text = nested ? j["text_config"] : j;
  const std::string field = nested ? "text_config.vocab_size" : "vocab_size";
  if (text.contains("vocab_size")) {
    int64_t v = io::get_field<int64_t>(text, "vocab_size", nested ? file + ": text_config" : file);
    check(v >= tok.vocab_size(), file, ": field '", field, "' is ", v, " but the tokenizer has ", tok.vocab_size(),
          " tokens");
  } else {
    text["vocab_size"] = tok.vocab_size();
  }
  for (size_t i = 0; i < family.token_fields.size(); ++i) {
    const auto& [key, token] = family.token_fields[i];
    auto id = tok.token_to_id(token);
    check(id.has_value() || i > 0, file, ": the tokenizer has no image token '", token, "'");
    if (id) j[key] = *id;
  }
  auto cfg = model::VlmConfig::from_json(j, file);
  cfg.validate(file);
  return cfg;
}

}  // namespace vlsi::train
