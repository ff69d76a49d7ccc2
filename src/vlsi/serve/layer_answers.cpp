#include "vlsi/serve/layer_answers.h"

#include "vlsi/infer/early_exit.h"
#include "vlsi/serve/api_error.h"

namespace vlsi::serve {

void check_layer_request(const ChatRequest& request, std::string_view body) {
  if (request.stream) reject("stream", "stream: the layer endpoint answers once; stream must be false");
  if (!request.stop.empty()) reject("stop", "stop: the layer endpoint decodes to an end token or max_tokens");
  // ChatRequest holds OpenAI's default temperature (1) when the field is
  // absent: only a temperature actually given must be 0 (the answers are greedy).
  const auto j = nlohmann::json::parse(body, nullptr, false);  // parse_chat_request accepted it
  if (j.is_object() && j.contains("temperature") && request.temperature != 0.0)
    reject("temperature", "temperature: the layer endpoint decodes greedily; give 0 or leave it out");
}

nlohmann::json layer_answers(const ServedModel& m, const ChatPrompt& prompt, int64_t max_tokens) {
  infer::GenerationOptions o;
  o.max_new_tokens = max_tokens;
  o.stop_ids = m.stop_ids;
  o.pad_id = m.pad_id;
  o.tokenizer = &m.encoder->tokenizer();
  model::CausalVlm model = m.model;  // a holder: the same module
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& x : infer::decode_at_layers(model, prompt.ids, prompt.images, m.exits, o))
    layers.push_back({{"layer", x.layer},
                      {"head", x.final ? "final" : "verbalizer"},
                      {"text", x.generation.text},
                      {"tokens", x.generation.tokens.size()},
                      {"finish", x.generation.finish == infer::FinishReason::Length ? "length" : "stop"}});
  return {{"id", m.id}, {"verbalized", !m.exits.empty()}, {"layers", layers}};
}

}  // namespace vlsi::serve
