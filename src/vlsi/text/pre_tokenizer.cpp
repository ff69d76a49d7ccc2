#include "vlsi/text/pre_tokenizer.h"

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/regex_translate.h"
#include "vlsi/text/split_patterns.h"

namespace vlsi::text {
namespace {

using nlohmann::json;

std::string field_where(const std::string& where, const std::string& field) {
  return where + ": field '" + field + "'";
}

Regex split_regex(const json& j, const std::string& where, const std::string& field) {
  const std::string w = field_where(where, field);
  std::string behavior = io::get_field<std::string>(j, "behavior", w);
  check(behavior == "Isolated", where, ": field '", field, ".behavior': unsupported \"", behavior,
        "\" (supported: Isolated)");
  check(!io::get_or<bool>(j, "invert", false, w), where, ": field '", field,
        ".invert': unsupported true (supported: false)");
  const json& pattern = io::get_field<json>(j, "pattern", w);
  check(pattern.is_object(), where, ": field '", field, ".pattern': expected an object with Regex or String");
  if (pattern.contains("Regex")) {
    std::string onig = io::get_field<std::string>(pattern, "Regex", field_where(where, field + ".pattern"));
    return Regex(oniguruma_to_pcre2(onig, field_where(where, field + ".pattern.Regex")),
                 field_where(where, field + ".pattern.Regex"));
  }
  if (pattern.contains("String")) {
    std::string lit = io::get_field<std::string>(pattern, "String", field_where(where, field + ".pattern"));
    check(!lit.empty(), where, ": field '", field, ".pattern.String': must not be empty");
    return Regex(pcre2_escape_literal(lit), field_where(where, field + ".pattern.String"));
  }
  fail(where, ": field '", field, ".pattern': expected a \"Regex\" or \"String\" key");
}

// Appends the pieces of `text` cut at every match of `re`: gaps and matches
// both kept, empty matches dropped (the reference's Isolated behaviour).
void isolate(const Regex& re, std::string_view text, std::vector<std::string_view>& out,
             std::vector<Regex::Span>& spans) {
  re.find_all(text, spans);
  size_t prev = 0;
  for (const auto& m : spans) {
    if (m.begin > prev) out.push_back(text.substr(prev, m.begin - prev));
    if (m.end > m.begin) out.push_back(text.substr(m.begin, m.end - m.begin));
    prev = m.end;
  }
  if (prev < text.size()) out.push_back(text.substr(prev));
}

}  // namespace

json qwen2_pre_tokenizer_config() {
  static const char* pattern =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  return json{{"type", "Sequence"},
              {"pretokenizers",
               json::array({json{{"type", "Split"}, {"pattern", {{"Regex", pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                            json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}};
}

PreTokenizer PreTokenizer::from_json(const json& config, const std::string& where) {
  PreTokenizer p;
  p.config_ = config;
  check(!config.is_null(), where, ": field 'pre_tokenizer': null is unsupported (byte-level BPE needs a ByteLevel pre-tokenizer)");
  check(config.is_object(), where, ": field 'pre_tokenizer': expected an object, got ", io::json_type_name(config));
  std::vector<std::pair<json, std::string>> stages;
  std::string type = io::get_field<std::string>(config, "type", field_where(where, "pre_tokenizer"));
  if (type == "Sequence") {
    const json& list = io::get_field<json>(config, "pretokenizers", field_where(where, "pre_tokenizer"));
    check(list.is_array(), where, ": field 'pre_tokenizer.pretokenizers': expected an array");
    for (size_t k = 0; k < list.size(); ++k)
      stages.emplace_back(list[k], "pre_tokenizer.pretokenizers[" + std::to_string(k) + "]");
  } else {
    stages.emplace_back(config, "pre_tokenizer");
  }
  bool have_byte_level = false;
  for (const auto& [stage, field] : stages) {
    check(stage.is_object(), where, ": field '", field, "': expected an object");
    std::string t = io::get_field<std::string>(stage, "type", field_where(where, field));
    check(!have_byte_level, where, ": field '", field, "': unsupported stage after ByteLevel (ByteLevel must come last)");
    if (t == "Split") {
      p.splits_.push_back(split_regex(stage, where, field));
    } else if (t == "ByteLevel") {
      have_byte_level = true;
      p.add_prefix_space_ = io::get_or<bool>(stage, "add_prefix_space", false, field_where(where, field));
      p.use_regex_ = io::get_or<bool>(stage, "use_regex", true, field_where(where, field));
      if (p.use_regex_) p.byte_level_regex_.emplace_back(byte_level_gpt2_pattern(), field_where(where, field));
    } else {
      fail(where, ": field '", field, ".type': unsupported pre-tokenizer \"", t,
           "\" (supported: Split, ByteLevel, Sequence of Splits ending in ByteLevel)");
    }
  }
  check(have_byte_level, where, ": field 'pre_tokenizer': a ByteLevel stage is required for byte-level BPE");
  return p;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces,
                         std::deque<std::string>& arena) const {
  thread_local std::vector<Regex::Span> spans;
  thread_local std::vector<std::string_view> next;
  pieces.clear();
  pieces.push_back(text);
  for (const Regex& re : splits_) {
    next.clear();
    for (std::string_view piece : pieces) isolate(re, piece, next, spans);
    pieces.swap(next);
  }
  if (add_prefix_space_) {
    for (auto& piece : pieces) {
      if (piece.empty() || piece[0] != ' ') {
        arena.push_back(" " + std::string(piece));
        piece = arena.back();
      }
    }
  }
  if (use_regex_) {
    // ByteLevel keeps only what its regex matches (in practice everything).
    next.clear();
    for (std::string_view piece : pieces) {
      byte_level_regex_[0].find_all(piece, spans);
      for (const auto& m : spans)
        if (m.end > m.begin) next.push_back(piece.substr(m.begin, m.end - m.begin));
    }
    pieces.swap(next);
  }
}

}  // namespace vlsi::text
