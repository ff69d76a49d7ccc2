#pragma once
// POST /v1/vlsi/layers: what each verbalized layer of a served model says
// about a prompt (greedy early-exit decoding, infer/early_exit.h, as
// `vlsi verbalize`), then the final layer's answer. The request is a chat
// completions body; fields that would change nothing here but suggest they do
// (stream, a non-zero temperature, stop strings) are refused, naming the field.
#include <nlohmann/json.hpp>
#include <string_view>

#include "vlsi/serve/chat_prompt.h"
#include "vlsi/serve/chat_request.h"
#include "vlsi/serve/served_model.h"

namespace vlsi::serve {

// max_tokens when the request gives none (each layer decodes the prompt on its
// own: t + 1 decodes per model, so the chat default of 1024 would be heavy).
inline constexpr int64_t kLayerDefaultMaxTokens = 32;

// ApiError 400 naming the field the layer endpoint does not decode with.
void check_layer_request(const ChatRequest& request, std::string_view body);

// {"id", "verbalized", "layers": [{"layer", "head", "text", "tokens", "finish"}]}
// for one model: its verbalizers' answers in layer order, the final one last.
nlohmann::json layer_answers(const ServedModel& model, const ChatPrompt& prompt, int64_t max_tokens);

}  // namespace vlsi::serve
