#include "vlsi/text/tokenizer.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/io/limits.h"
#include "vlsi/text/bpe_model.h"
#include "vlsi/text/byte_level.h"
#include "vlsi/text/normalizer.h"
#include "vlsi/text/pre_tokenizer.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {

using nlohmann::json;

struct Tokenizer::Impl {
  enum Flag : uint8_t { kExists = 1, kVerbatim = 2, kSpecialString = 4, kSpecialId = 8 };

  std::string where;
  Normalizer normalizer;
  bool has_normalizer = false;
  PreTokenizer pre;
  BpeModel model;
  json post_processor, decoder;
  std::vector<AddedToken> added;             // as in the file
  std::vector<AddedToken> added_normalized;  // same tokens, content normalised
  AddedTokenSplitter raw_splitter, normalized_splitter;
  std::unordered_map<std::string, size_t> added_lookup;  // content (and normalised content) -> index
  size_t max_added_len = 0;
  // id -> index into `entries` (-1: no token). Four bytes per id, so a file
  // with one huge id among few tokens costs little (ids stay below kVocabSize).
  struct Entry {
    std::string token;  // token string
    std::string bytes;  // what it decodes to
    uint8_t flags = 0;
  };
  std::vector<int32_t> id_slot;
  std::vector<Entry> entries;

  // The entry of `id`, created on first use.
  Entry& entry(int64_t id) {
    int32_t& slot = id_slot[size_t(id)];
    if (slot < 0) {
      slot = int32_t(entries.size());
      entries.emplace_back();
    }
    return entries[size_t(slot)];
  }
  // The entry of an existing id; fails naming the file otherwise.
  const Entry& existing(int64_t id) const {
    check(id >= 0 && id < int64_t(id_slot.size()) && id_slot[size_t(id)] >= 0, where, ": token id ", id,
          " is not in the vocabulary (size ", id_slot.size(), ")");
    return entries[size_t(id_slot[size_t(id)])];
  }

  Impl(Normalizer n, PreTokenizer p, BpeModel m)
      : normalizer(std::move(n)), pre(std::move(p)), model(std::move(m)) {}

  const AddedToken* find_added(std::string_view s, bool parse_special) const {
    if (s.size() > max_added_len) return nullptr;
    auto it = added_lookup.find(std::string(s));
    if (it == added_lookup.end()) return nullptr;
    const AddedToken& t = added[it->second];
    return (t.special && !parse_special) ? nullptr : &t;
  }

  // lstrip/rstrip: whitespace next to such a token is dropped from the
  // neighbouring sections (White_Space, as the reference strips with Rust's char::is_whitespace).
  void apply_strip(std::vector<std::string_view>& sections, bool parse_special) const {
    for (size_t i = 0; i < sections.size(); ++i) {
      const AddedToken* t = find_added(sections[i], parse_special);
      if (!t) continue;
      if (t->lstrip && i > 0) sections[i - 1] = trim_white_space_end(sections[i - 1]);
      if (t->rstrip && i + 1 < sections.size()) sections[i + 1] = trim_white_space_start(sections[i + 1]);
    }
  }
};

namespace {

std::vector<AddedToken> parse_added_tokens(const json& j, const std::string& where) {
  std::vector<AddedToken> out;
  if (!j.contains("added_tokens") || j["added_tokens"].is_null()) return out;
  const json& list = j["added_tokens"];
  check(list.is_array(), where, ": field 'added_tokens': expected an array, got ", io::json_type_name(list));
  for (size_t k = 0; k < list.size(); ++k) {
    const std::string w = where + ": field 'added_tokens[" + std::to_string(k) + "]'";
    AddedToken t;
    t.id = io::get_field<int64_t>(list[k], "id", w);
    check(t.id >= 0, w, ": id must be non-negative");
    t.content = io::get_field<std::string>(list[k], "content", w);
    check(!t.content.empty(), w, ": content must not be empty");
    t.single_word = io::get_or<bool>(list[k], "single_word", false, w);
    t.lstrip = io::get_or<bool>(list[k], "lstrip", false, w);
    t.rstrip = io::get_or<bool>(list[k], "rstrip", false, w);
    t.special = io::get_or<bool>(list[k], "special", false, w);
    t.normalized = io::get_or<bool>(list[k], "normalized", !t.special, w);
    out.push_back(std::move(t));
  }
  return out;
}

void check_byte_level(const json& j, const std::string& where, const char* field, bool allow_null) {
  check(j.contains(field), where, ": missing field '", field, "'");
  const json& c = j[field];
  if (allow_null && c.is_null()) return;
  std::string type = c.is_object() ? c.value("type", std::string()) : std::string();
  check(type == "ByteLevel", where, ": field '", field, ".type': unsupported ", c.is_object() ? c.value("type", json()).dump() : c.dump(),
        " (supported: ByteLevel", allow_null ? " or null" : "", ")");
}

}  // namespace

Tokenizer Tokenizer::from_file(const std::string& path) { return from_json(io::read_json_file(path), path); }

Tokenizer Tokenizer::from_json(const json& j, const std::string& where) {
  check(j.is_object(), where, ": expected a tokenizer.json object, got ", io::json_type_name(j));
  for (const char* key : {"truncation", "padding"})
    check(!j.contains(key) || j[key].is_null(), where, ": field '", key, "': unsupported (only null)");
  for (const char* key : {"pre_tokenizer", "model"}) check(j.contains(key), where, ": missing field '", key, "'");
  check_byte_level(j, where, "decoder", false);
  check_byte_level(j, where, "post_processor", true);

  auto impl = std::make_shared<Impl>(Normalizer::from_json(j.value("normalizer", json()), where),
                                     PreTokenizer::from_json(j["pre_tokenizer"], where),
                                     BpeModel::from_json(j["model"], where));
  Impl& m = *impl;
  m.where = where;
  m.has_normalizer = !m.normalizer.config().is_null();
  m.post_processor = j["post_processor"];
  m.decoder = j["decoder"];
  m.added = parse_added_tokens(j, where);

  int64_t size = 0;
  for (const auto& [tok, id] : m.model.vocab()) size = std::max(size, id + 1);
  for (const auto& t : m.added) size = std::max(size, t.id + 1);
  const int64_t max_vocab = io::limit_value(io::limits::kVocabSize);
  check(size <= max_vocab, where, ": token id ", size - 1, " is beyond the vocabulary limit of ", max_vocab,
        " ids; raise it with ", io::limits::kVocabSize.env, "=N");
  m.id_slot.assign(size_t(size), -1);
  for (const auto& [tok, id] : m.model.vocab()) {
    Impl::Entry& e = m.entry(id);
    e.token = tok;
    e.flags |= Impl::kExists;
  }

  // Mirrors the reference's construction order: later entries win.
  std::vector<bool> raw_use, normalized_use;
  m.added_normalized = m.added;
  for (size_t k = 0; k < m.added.size(); ++k) {
    const AddedToken& t = m.added[k];
    m.model.set_token_id(t.content, t.id);
    Impl::Entry& e = m.entry(t.id);
    e.token = t.content;
    e.flags |= Impl::kExists | (t.special ? Impl::kSpecialId : 0);
    m.added_lookup[t.content] = k;
    const bool by_normalized = t.normalized && m.has_normalizer;
    if (by_normalized) {
      std::string nc = m.normalizer.apply(t.content);
      m.model.set_token_id(nc, t.id);
      m.added_lookup[nc] = k;
      m.added_normalized[k].content = nc;
      m.max_added_len = std::max(m.max_added_len, nc.size());
    }
    m.max_added_len = std::max(m.max_added_len, t.content.size());
    raw_use.push_back(!by_normalized);
    normalized_use.push_back(by_normalized);
  }
  m.raw_splitter = AddedTokenSplitter(m.added, raw_use);
  m.normalized_splitter = AddedTokenSplitter(m.added_normalized, normalized_use);

  std::unordered_map<std::string, bool> added_strings;  // content -> special
  for (const auto& t : m.added) added_strings[t.content] = added_strings[t.content] || t.special;
  for (Impl::Entry& e : m.entries) {
    auto it = added_strings.find(e.token);
    if (it != added_strings.end()) {
      e.flags |= Impl::kVerbatim | (it->second ? Impl::kSpecialString : 0);
      e.bytes = e.token;
    } else {
      e.bytes = byte_level_to_bytes(e.token);
    }
  }
  return Tokenizer(std::move(impl));
}

std::vector<int64_t> Tokenizer::encode(std::string_view input, bool parse_special) const {
  const Impl& m = *impl_;
  std::string repaired;
  std::string_view text = input;
  if (!is_valid_utf8(text)) {
    repaired = sanitize_utf8(text);
    text = repaired;
  }
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<std::string_view> sections, subsections, pieces;
  std::deque<std::string> arena;
  std::string normalized;
  m.raw_splitter.split(text, parse_special, sections);
  m.apply_strip(sections, parse_special);
  for (std::string_view section : sections) {
    if (section.empty()) continue;
    if (const AddedToken* t = m.find_added(section, parse_special)) {
      ids.push_back(t->id);
      continue;
    }
    std::string_view body = section;
    if (m.has_normalizer) {
      normalized = m.normalizer.apply(section);
      body = normalized;
    }
    if (body.empty()) continue;
    m.normalized_splitter.split(body, parse_special, subsections);
    m.apply_strip(subsections, parse_special);
    for (std::string_view sub : subsections) {
      if (sub.empty()) continue;
      if (const AddedToken* t = m.find_added(sub, parse_special)) {
        ids.push_back(t->id);
        continue;
      }
      arena.clear();
      m.pre.split(sub, pieces, arena);
      for (std::string_view piece : pieces) m.model.encode_word(piece, ids);
    }
  }
  return ids;
}

std::string Tokenizer::decode_bytes(const std::vector<int64_t>& ids, bool skip_special) const {
  const Impl& m = *impl_;
  std::string out;
  for (int64_t id : ids) {
    const Impl::Entry& e = m.existing(id);
    if (skip_special && (e.flags & Impl::kSpecialString)) continue;
    out += e.bytes;
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  // Added tokens are valid UTF-8 and start on a character boundary, so
  // repairing the whole string equals the reference's per-run repair.
  std::string bytes = decode_bytes(ids, skip_special);
  return is_valid_utf8(bytes) ? bytes : sanitize_utf8(bytes);
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  int64_t id = impl_->model.token_id(std::string(token));
  if (id < 0) return std::nullopt;
  return id;
}

std::string Tokenizer::id_to_token(int64_t id) const {
  return impl_->existing(id).token;
}

int64_t Tokenizer::vocab_size() const { return static_cast<int64_t>(impl_->id_slot.size()); }

bool Tokenizer::is_special(int64_t id) const {
  const Impl& m = *impl_;
  return id >= 0 && id < int64_t(m.id_slot.size()) && m.id_slot[size_t(id)] >= 0 &&
         (m.entries[size_t(m.id_slot[size_t(id)])].flags & Impl::kSpecialId);
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl_->added; }

json Tokenizer::to_json() const {
  const Impl& m = *impl_;
  json added = json::array();
  for (const auto& t : m.added)
    added.push_back({{"id", t.id}, {"content", t.content}, {"single_word", t.single_word}, {"lstrip", t.lstrip},
                     {"rstrip", t.rstrip}, {"normalized", t.normalized}, {"special", t.special}});
  return json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", std::move(added)},
              {"normalizer", m.normalizer.config()},
              {"pre_tokenizer", m.pre.config()},
              {"post_processor", m.post_processor},
              {"decoder", m.decoder},
              {"model", m.model.to_json()}};
}

void Tokenizer::save(const std::string& path) const { io::write_json_file(path, to_json()); }

}  // namespace vlsi::text
