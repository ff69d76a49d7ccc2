#include "vlsi/data/collate.h"

#include <algorithm>

#include "vlsi/data/template_chat.h"
#include "vlsi/io/error.h"

namespace vlsi::data {

namespace {

int64_t single_token_id(const text::Tokenizer& tok, const std::string& s, const char* what) {
  auto id = tok.token_to_id(s);
  check(id.has_value(), "tokenizer: no token '", s, "' (", what, ")");
  std::vector<int64_t> ids = tok.encode(s, true);
  check(ids.size() == 1 && ids[0] == *id, "tokenizer: '", s, "' (", what, ") encodes to ", ids.size(),
        " tokens; it must be one added/special token");
  return *id;
}

const char* chat_role(Role r) { return r == Role::human ? "user" : "assistant"; }

[[noreturn]] void too_long(const Record& r, const std::string& what) {
  throw BadRecord(r.location + ": record '" + r.id + "': " + what + " (" + reason::too_long + ")", reason::too_long);
}

}  // namespace

SampleEncoder::SampleEncoder(text::Tokenizer tokenizer, ChatFormat format)
    : tokenizer_(std::move(tokenizer)), format_(std::move(format)) {
  check(format_.max_length >= 2, "chat format: max_length must be >= 2, got ", format_.max_length);
  single_token_id(tokenizer_, "<|im_start|>", "ChatML turn start");
  single_token_id(tokenizer_, "<|im_end|>", "ChatML turn end");
  pad_id_ = single_token_id(tokenizer_, format_.pad_token, "chat format pad_token");
  if (format_.with_images) image_id_ = single_token_id(tokenizer_, format_.image_token, "chat format image_token");
}

text::ChatTemplateOptions SampleEncoder::template_options(bool system, bool generation_prompt,
                                                         std::vector<int64_t> image_tokens) const {
  text::ChatTemplateOptions o;
  o.add_default_system = system && format_.add_default_system;
  o.default_system = format_.default_system;
  o.add_generation_prompt = generation_prompt;
  o.image_placeholder = kImagePlaceholder;
  o.image_token = format_.image_token;
  o.image_prefix = format_.image_prefix;
  o.image_suffix = format_.image_suffix;
  o.expand_images = format_.with_images;
  o.image_token_counts = std::move(image_tokens);
  return o;
}

// Tokenises piece by piece, so answer tokens are known exactly (pieces are
// cut at special tokens, where the tokenizer splits anyway).
void SampleEncoder::append_segments(const std::vector<text::ChatMessage>& msgs, const text::ChatTemplateOptions& opt,
                                    std::vector<int64_t>& ids, std::vector<int64_t>* labels) const {
  for (const auto& seg : text::render_chat_segments(msgs, opt)) {
    std::vector<int64_t> piece = tokenizer_.encode(seg.text, true);
    ids.insert(ids.end(), piece.begin(), piece.end());
    if (labels) {
      if (seg.is_assistant_answer) labels->insert(labels->end(), piece.begin(), piece.end());
      else labels->insert(labels->end(), piece.size(), kIgnoreIndex);
    }
  }
}

std::vector<int64_t> SampleEncoder::encode_chat(const std::vector<text::ChatMessage>& msgs, bool generation_prompt,
                                               const std::vector<int64_t>& image_tokens) const {
  if (format_.chat_template) return render_template(msgs, generation_prompt, image_tokens, nullptr);
  std::vector<int64_t> ids;
  append_segments(msgs, template_options(true, generation_prompt, image_tokens), ids, nullptr);
  return ids;
}

nlohmann::ordered_json SampleEncoder::template_context(const std::vector<text::ChatMessage>& msgs,
                                                       bool generation_prompt) const {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  for (const auto& [k, v] : format_.template_variables.items()) context[k] = v;
  // A model that takes images gets its messages as a processor passes them
  // (content items); a text-only model's template reads plain strings, as a
  // tokenizer's apply_chat_template passes them.
  if (format_.with_images) {
    context["messages"] = template_messages(msgs, kImagePlaceholder);
  } else {
    context["messages"] = nlohmann::ordered_json::array();
    for (const auto& m : msgs) context["messages"].push_back({{"role", m.role}, {"content", m.content}});
  }
  context["add_generation_prompt"] = generation_prompt;
  return context;
}

std::string SampleEncoder::render_text(const std::vector<text::ChatMessage>& msgs, bool generation_prompt) const {
  if (!format_.chat_template) {
    text::ChatTemplateOptions o = template_options(true, generation_prompt);
    o.expand_images = false;
    return text::render_chat(msgs, o);
  }
  return format_.chat_template->render(template_context(msgs, generation_prompt)).text;
}

std::vector<int64_t> SampleEncoder::render_template(const std::vector<text::ChatMessage>& msgs,
                                                    bool generation_prompt, const std::vector<int64_t>& image_tokens,
                                                    std::vector<int64_t>* labels) const {
  const text::jinja::RenderedChat r = format_.chat_template->render(template_context(msgs, generation_prompt));
  // The whole text at once, as transformers tokenises it; each image token then
  // repeated by its count (an added token: the text around it tokenises alike).
  const TokenizedText t = tokenize_with_offsets(tokenizer_, r.text, format_.chat_template->name());
  std::vector<int64_t> span = labels ? span_labels(t, r.generation_spans, kIgnoreIndex) : std::vector<int64_t>();
  std::vector<int64_t> ids;
  size_t next = 0;
  for (size_t i = 0; i < t.ids.size(); ++i) {
    int64_t copies = 1;
    if (image_id_ >= 0 && t.ids[i] == image_id_) {
      check(next < image_tokens.size(), format_.chat_template->name(), ": the rendered chat holds more images than the ",
            image_tokens.size(), " given");
      copies = image_tokens[next++];
    }
    ids.insert(ids.end(), size_t(copies), t.ids[i]);
    if (labels) labels->insert(labels->end(), size_t(copies), copies == 1 ? span[i] : kIgnoreIndex);
  }
  return ids;
}

std::vector<int64_t> SampleEncoder::counts_for(const Record& r, const ImageTokenCounts& image_tokens,
                                               size_t images) const {
  if (images == 0) return {};
  check(format_.with_images, r.location, ": record '", r.id, "' has images but the chat format takes none");
  check(bool(image_tokens), r.location, ": record '", r.id, "' has images but no image processor was given");
  std::vector<int64_t> counts = image_tokens(images);
  check(counts.size() == images, r.location, ": record '", r.id, "': ", counts.size(), " image token counts for ",
        images, " images");
  return counts;
}

void SampleEncoder::check_image_tokens(const Record& r, const std::vector<int64_t>& ids,
                                      const std::vector<int64_t>& counts) const {
  if (counts.empty()) return;
  int64_t want = 0;
  for (int64_t c : counts) want += c;
  const auto n = std::count(ids.begin(), ids.end(), image_id_);
  check(n == want, r.location, ": record '", r.id, "': ", n, " image tokens for ", counts.size(), " image(s) needing ",
        want, " (is the image token '", format_.image_token, "' written in the text?)");
}

// Tokens before the first labelled one.
static size_t first_answer_of(const std::vector<int64_t>& labels) {
  return size_t(std::find_if(labels.begin(), labels.end(), [](int64_t l) { return l != kIgnoreIndex; }) -
                labels.begin());
}

// Placeholders in the record's turns, up to (not including) turn `end`.
static size_t placeholders_before(const Record& r, size_t end) {
  size_t n = 0;
  for (size_t i = 0; i < end && i < r.conversations.size(); ++i)
    n += count_occurrences(r.conversations[i].value, kImagePlaceholder);
  return n;
}

EncodedSample SampleEncoder::encode(const Record& r, const ImageTokenCounts& image_tokens) const {
  size_t kept = placeholders_before(r, r.conversations.size() / 2 * 2);
  EncodedSample out = encode_with(r, counts_for(r, image_tokens, kept));
  // Truncation dropped images: the kept ones may be counted differently
  // (LLaVA-OneVision tiles an image only when it is alone), so count again
  // until the images kept are the images counted (fewer each round).
  while (out.num_images < kept) {
    kept = out.num_images;
    out = encode_with(r, counts_for(r, image_tokens, kept));
  }
  return out;
}

EncodedSample SampleEncoder::encode_with_template(const Record& r, const std::vector<int64_t>& counts) const {
  // Rule 1: the longest run of whole exchanges that fits (each prefix rendered anew).
  EncodedSample out;
  out.id = r.id;
  const size_t exchanges = r.conversations.size() / 2;
  for (size_t k = exchanges; k >= 1; --k) {
    const size_t images = placeholders_before(r, 2 * k);
    if (images > counts.size()) continue;  // holds an image this sample no longer keeps
    std::vector<text::ChatMessage> msgs;
    for (size_t i = 0; i < 2 * k; ++i) msgs.push_back({chat_role(r.conversations[i].role), r.conversations[i].value});
    std::vector<int64_t> labels;
    std::vector<int64_t> ids = render_template(msgs, false, std::vector<int64_t>(counts.begin(), counts.begin() + images),
                                               &labels);
    out.input_ids = std::move(ids);
    out.labels = std::move(labels);
    out.num_images = images;
    out.truncated = k < exchanges;
    if (out.input_ids.size() <= size_t(format_.max_length)) break;
    if (k == 1) {  // rule 2: cut inside the first answer, if the prompt and one answer token fit
      const size_t first_answer = first_answer_of(out.labels);
      if (first_answer + 1 > size_t(format_.max_length))
        too_long(r, "prompt of " + std::to_string(first_answer) + " tokens leaves no room for an answer within max_length " +
                        std::to_string(format_.max_length));
      out.input_ids.resize(size_t(format_.max_length));
      out.labels.resize(size_t(format_.max_length));
      out.truncated = true;
    }
  }
  return out;
}

EncodedSample SampleEncoder::encode_with(const Record& r, const std::vector<int64_t>& counts) const {
  if (format_.chat_template) return encode_with_template(r, counts);
  EncodedSample out;
  out.id = r.id;
  const size_t exchanges = r.conversations.size() / 2;
  size_t first_answer = 0;  // tokens before the first answer token
  for (size_t k = 0; k < exchanges; ++k) {
    const Turn& q = r.conversations[2 * k];
    const Turn& a = r.conversations[2 * k + 1];
    const size_t here = count_occurrences(q.value, kImagePlaceholder) + count_occurrences(a.value, kImagePlaceholder);
    const size_t before = out.num_images;  // placeholders in the exchanges kept so far
    if (before + here > counts.size()) {  // holds an image this sample no longer keeps
      out.truncated = true;
      break;
    }
    std::vector<int64_t> exchange_counts;
    for (size_t i = before; i < before + here; ++i) exchange_counts.push_back(counts[i]);
    std::vector<int64_t> ids, labels;
    append_segments({{chat_role(q.role), q.value}, {chat_role(a.role), a.value}},
                    template_options(k == 0, false, exchange_counts), ids, &labels);
    if (k == 0) first_answer = first_answer_of(labels);
    if (out.input_ids.size() + ids.size() > size_t(format_.max_length)) {
      if (k > 0) {  // rule 1: drop this and every later exchange
        out.truncated = true;
        break;
      }
      // rule 2: the first exchange alone is too long; cut inside its answer.
      if (first_answer + 1 > size_t(format_.max_length))
        too_long(r, "prompt of " + std::to_string(first_answer) + " tokens leaves no room for an answer within max_length " +
                        std::to_string(format_.max_length));
      ids.resize(size_t(format_.max_length));
      labels.resize(size_t(format_.max_length));
      out.truncated = true;
    }
    out.input_ids.insert(out.input_ids.end(), ids.begin(), ids.end());
    out.labels.insert(out.labels.end(), labels.begin(), labels.end());
    out.num_images += here;
    if (out.truncated) break;
  }
  if (out.num_images == counts.size()) check_image_tokens(r, out.input_ids, counts);
  return out;
}

PromptSample SampleEncoder::encode_prompt(const Record& r, const ImageTokenCounts& image_tokens) const {
  PromptSample out;
  out.id = r.id;
  out.reference = r.last_answer();
  std::vector<text::ChatMessage> msgs;
  for (size_t i = 0; i + 1 < r.conversations.size(); ++i) {
    msgs.push_back({chat_role(r.conversations[i].role), r.conversations[i].value});
    out.num_images += count_occurrences(r.conversations[i].value, kImagePlaceholder);
  }
  const std::vector<int64_t> counts = counts_for(r, image_tokens, out.num_images);
  if (format_.chat_template) out.input_ids = render_template(msgs, true, counts, nullptr);
  else append_segments(msgs, template_options(true, true, counts), out.input_ids, nullptr);
  if (out.input_ids.size() > size_t(format_.max_length))
    too_long(r, "prompt of " + std::to_string(out.input_ids.size()) + " tokens exceeds max_length " +
                    std::to_string(format_.max_length));
  check_image_tokens(r, out.input_ids, counts);
  return out;
}

Batch collate(const std::vector<PreparedSample>& samples, int64_t pad_id) {
  check(!samples.empty(), "collate: empty batch");
  const int64_t B = int64_t(samples.size());
  size_t T = 0;
  for (const auto& s : samples) T = std::max(T, s.encoded.input_ids.size());
  Batch b;
  b.input_ids = torch::full({B, int64_t(T)}, pad_id, torch::kInt64);
  b.attention_mask = torch::zeros({B, int64_t(T)}, torch::kInt64);
  b.labels = torch::full({B, int64_t(T)}, kIgnoreIndex, torch::kInt64);
  auto ids = b.input_ids.accessor<int64_t, 2>();
  auto mask = b.attention_mask.accessor<int64_t, 2>();
  auto labels = b.labels.accessor<int64_t, 2>();
  std::vector<model::VisionInputs> images;
  for (int64_t i = 0; i < B; ++i) {
    const EncodedSample& e = samples[size_t(i)].encoded;
    for (size_t t = 0; t < e.input_ids.size(); ++t) {
      ids[i][int64_t(t)] = e.input_ids[t];
      mask[i][int64_t(t)] = 1;
      labels[i][int64_t(t)] = e.labels[t];
      b.num_label_tokens += e.labels[t] != kIgnoreIndex;
    }
    b.ids.push_back(e.id);
    images.push_back(samples[size_t(i)].images);
  }
  b.images = model::VisionInputs::concat(images);
  return b;
}

}  // namespace vlsi::data
