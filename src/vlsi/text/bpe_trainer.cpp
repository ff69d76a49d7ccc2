#include "vlsi/text/bpe_trainer.h"

#include <algorithm>
#include <deque>
#include <queue>
#include <set>
#include <unordered_set>

#include "vlsi/io/error.h"
#include "vlsi/text/byte_level.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {

using nlohmann::json;

namespace {

uint64_t pair_key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
int32_t pair_left(uint64_t k) { return static_cast<int32_t>(k >> 32); }
int32_t pair_right(uint64_t k) { return static_cast<int32_t>(k & 0xffffffffu); }

struct Candidate {
  int64_t count;
  uint64_t pair;
  // std::priority_queue pops the largest: higher count, then smaller pair.
  bool operator<(const Candidate& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

}  // namespace

BpeTrainer::BpeTrainer(BpeTrainerOptions options)
    : options_(std::move(options)), pre_(PreTokenizer::from_json(qwen2_pre_tokenizer_config(), "built-in Qwen2 pre-tokenizer")) {
  std::set<std::string> seen;
  for (const auto& s : options_.special_tokens) {
    check(!s.empty(), "tokenizer training: a special token is empty");
    check(is_valid_utf8(s), "tokenizer training: special token is not valid UTF-8");
    check(seen.insert(s).second, "tokenizer training: special token '", s, "' is given twice");
    AddedToken t;
    t.content = s;
    t.special = true;
    specials_.push_back(t);
  }
  const int64_t minimum = 256 + static_cast<int64_t>(specials_.size());
  check(options_.vocab_size >= minimum, "tokenizer training: vocab size ", options_.vocab_size, " is below ", minimum,
        " (256 bytes + ", specials_.size(), " special tokens)");
  check(options_.min_frequency >= 1, "tokenizer training: min frequency must be >= 1, got ", options_.min_frequency);
  special_splitter_ = AddedTokenSplitter(specials_, std::vector<bool>(specials_.size(), true));
}

void BpeTrainer::add_text(std::string_view input) {
  std::string repaired;
  std::string_view text = input;
  if (!is_valid_utf8(text)) {
    repaired = sanitize_utf8(text);
    text = repaired;
  }
  std::vector<std::string_view> sections, pieces;
  std::deque<std::string> arena;
  special_splitter_.split(text, true, sections);
  for (std::string_view section : sections) {
    bool is_special = std::any_of(specials_.begin(), specials_.end(), [&](const AddedToken& t) { return t.content == section; });
    if (is_special || section.empty()) continue;
    std::string normalized = normalize_unicode(section, NormalForm::NFC);
    arena.clear();
    pre_.split(normalized, pieces, arena);
    for (std::string_view p : pieces) ++word_counts_[std::string(p)];
  }
}

json BpeTrainer::train() const {
  // Words in byte order, so ids and tie-breaks never depend on hash order.
  std::vector<std::pair<std::string, int64_t>> sorted(word_counts_.begin(), word_counts_.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int32_t>> words(sorted.size());
  std::vector<int64_t> counts(sorted.size());
  for (size_t w = 0; w < sorted.size(); ++w) {
    counts[w] = sorted[w].second;
    for (char c : sorted[w].first) words[w].push_back(static_cast<uint8_t>(c));
  }

  std::vector<std::string> token_bytes;
  std::unordered_map<std::string, int32_t> token_index;
  for (int b = 0; b < 256; ++b) {
    token_bytes.emplace_back(1, static_cast<char>(b));
    token_index[token_bytes.back()] = b;
  }

  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;
  for (size_t w = 0; w < words.size(); ++w)
    for (size_t i = 0; i + 1 < words[w].size(); ++i) {
      uint64_t k = pair_key(words[w][i], words[w][i + 1]);
      pair_count[k] += counts[w];
      auto& list = where[k];
      if (list.empty() || list.back() != static_cast<int32_t>(w)) list.push_back(static_cast<int32_t>(w));
    }
  std::priority_queue<Candidate> heap;
  for (const auto& [k, c] : pair_count) heap.push({c, k});

  const int64_t target = options_.vocab_size - static_cast<int64_t>(specials_.size());
  std::vector<std::pair<int32_t, int32_t>> merges;
  std::unordered_set<uint64_t> merged_pairs;
  std::vector<int32_t> stamp(words.size(), -1);
  while (static_cast<int64_t>(token_bytes.size()) < target && !heap.empty()) {
    Candidate top = heap.top();
    heap.pop();
    auto pc = pair_count.find(top.pair);
    const int64_t current = pc == pair_count.end() ? 0 : pc->second;
    if (current != top.count) {  // stale entry: re-queue with the true count
      if (current > 0) heap.push({current, top.pair});
      continue;
    }
    if (top.count < options_.min_frequency) break;
    if (!merged_pairs.insert(top.pair).second) continue;
    const int32_t a = pair_left(top.pair), b = pair_right(top.pair);
    std::string merged_bytes = token_bytes[a] + token_bytes[b];
    auto [it, fresh] = token_index.emplace(merged_bytes, static_cast<int32_t>(token_bytes.size()));
    if (fresh) token_bytes.push_back(merged_bytes);
    const int32_t id = it->second;
    merges.emplace_back(a, b);

    std::vector<uint64_t> touched;
    const int32_t step = static_cast<int32_t>(merges.size());
    std::vector<int32_t> affected = std::move(where[top.pair]);
    where.erase(top.pair);
    for (int32_t w : affected) {
      if (stamp[w] == step) continue;
      stamp[w] = step;
      auto& syms = words[w];
      const int64_t c = counts[w];
      bool present = false;
      for (size_t i = 0; i + 1 < syms.size() && !present; ++i) present = syms[i] == a && syms[i + 1] == b;
      if (!present) continue;
      for (size_t i = 0; i + 1 < syms.size(); ++i) pair_count[pair_key(syms[i], syms[i + 1])] -= c;
      std::vector<int32_t> next;
      next.reserve(syms.size());
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == a && syms[i + 1] == b) {
          next.push_back(id);
          ++i;
        } else {
          next.push_back(syms[i]);
        }
      }
      syms.swap(next);
      for (size_t i = 0; i + 1 < syms.size(); ++i) {
        uint64_t k = pair_key(syms[i], syms[i + 1]);
        pair_count[k] += c;
        if (syms[i] == id || syms[i + 1] == id) {
          auto& list = where[k];
          if (list.empty() || list.back() != w) list.push_back(w);
          touched.push_back(k);
        }
      }
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (uint64_t k : touched)
      if (pair_count[k] > 0 && !merged_pairs.count(k)) heap.push({pair_count[k], k});
  }

  json vocab = json::object();
  for (size_t id = 0; id < token_bytes.size(); ++id) vocab[bytes_to_byte_level(token_bytes[id])] = id;
  json merge_list = json::array();
  for (const auto& [a, b] : merges)
    merge_list.push_back(json::array({bytes_to_byte_level(token_bytes[a]), bytes_to_byte_level(token_bytes[b])}));
  json added = json::array();
  for (size_t k = 0; k < specials_.size(); ++k)
    added.push_back({{"id", token_bytes.size() + k}, {"content", specials_[k].content}, {"single_word", false},
                     {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", true}});
  json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  return json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", std::move(added)},
              {"normalizer", {{"type", "NFC"}}},
              {"pre_tokenizer", qwen2_pre_tokenizer_config()},
              {"post_processor", byte_level},
              {"decoder", byte_level},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", ""},
                {"end_of_word_suffix", ""},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", std::move(vocab)},
                {"merges", std::move(merge_list)}}}};
}

}  // namespace vlsi::text
