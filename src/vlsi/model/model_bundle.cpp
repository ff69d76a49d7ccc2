#include "vlsi/model/model_bundle.h"

#include <filesystem>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/model/registry.h"

namespace vlsi::model {

void check_tokenizer_matches(const VlmConfig& config, const text::Tokenizer& tok, const std::string& where,
                             const std::string& image_token) {
  check(config.text_config.vocab_size >= tok.vocab_size(), where, ": model vocabulary (",
        config.text_config.vocab_size, ") is smaller than the tokenizer's (", tok.vocab_size(),
        "): model and tokenizer do not belong together");
  if (!config.has_vision()) return;  // a text-only model has no image token
  const std::string token =
      image_token.empty() ? family_image_token(model_family(config.model_type, where)) : image_token;
  auto img = tok.token_to_id(token);
  check(img.has_value() && *img == config.image_token_index, where, ": model image_token_index ",
        config.image_token_index, " is not the tokenizer's '", token, "' id (",
        img ? std::to_string(*img) : std::string("absent"), ")");
}

ModelBundle load_bundle(const std::string& dir, const LoadOptions& options, const std::string& tokenizer_path) {
  namespace fs = std::filesystem;
  ModelBundle b;
  b.dir = dir;
  b.tokenizer_path = tokenizer_path.empty() ? (fs::path(dir) / "tokenizer.json").string() : tokenizer_path;
  check(fs::exists(b.tokenizer_path), tokenizer_path.empty() ? dir + ": model folder has no tokenizer.json"
                                                             : b.tokenizer_path + ": tokenizer not found");
  b.model = load_model(dir, options);
  b.tokenizer = std::make_shared<text::Tokenizer>(text::Tokenizer::from_file(b.tokenizer_path));
  check_tokenizer_matches(b.model->config(), *b.tokenizer, dir);
  b.processor = load_processor(dir, b.model->config());
  b.chat_template = load_chat_template(dir);
  b.template_variables = load_template_variables(dir);
  return b;
}

std::shared_ptr<const text::jinja::ChatTemplate> load_chat_template(const std::string& dir) {
  auto t = text::jinja::ChatTemplate::find_in_model_dir(dir);
  return t ? std::make_shared<text::jinja::ChatTemplate>(std::move(*t)) : nullptr;
}

nlohmann::json load_template_variables(const std::string& dir) {
  const std::string file = (std::filesystem::path(dir) / "tokenizer_config.json").string();
  nlohmann::json out = nlohmann::json::object();
  if (!std::filesystem::exists(file)) return out;
  const nlohmann::json j = io::read_json_file(file);
  for (const char* key : {"bos_token", "eos_token", "pad_token", "unk_token"}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (it->is_string()) out[key] = *it;
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) out[key] = (*it)["content"];
  }
  return out;
}

}  // namespace vlsi::model
