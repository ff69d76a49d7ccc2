#include "vlsi/text/bpe_model.h"

#include <climits>
#include <functional>
#include <mutex>
#include <queue>

#include "vlsi/io/error.h"
#include "vlsi/io/json_util.h"
#include "vlsi/text/byte_level.h"

namespace vlsi::text {

using nlohmann::json;

// Open-addressing map (left symbol, right symbol) -> (rank, merged symbol):
// the innermost lookup of encoding, so it avoids std::unordered_map's nodes.
struct BpeModel::MergeTable {
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  std::vector<uint64_t> keys;
  std::vector<int32_t> rank, result;
  uint64_t mask = 0;

  explicit MergeTable(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    keys.assign(cap, kEmpty);
    rank.assign(cap, 0);
    result.assign(cap, 0);
    mask = cap - 1;
  }
  static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }
  size_t slot(uint64_t k) const {
    size_t i = mix(k) & mask;
    while (keys[i] != kEmpty && keys[i] != k) i = (i + 1) & mask;
    return i;
  }
  // Later duplicates overwrite earlier ones, like the reference's Map.
  void insert(int32_t a, int32_t b, int32_t r, int32_t res) {
    size_t i = slot(key(a, b));
    keys[i] = key(a, b);
    rank[i] = r;
    result[i] = res;
  }
  // Rank of the pair (INT_MAX when it never merges) and the merged symbol.
  int32_t find(int32_t a, int32_t b, int32_t& res) const {
    size_t i = slot(key(a, b));
    if (keys[i] == kEmpty) return INT_MAX;
    res = result[i];
    return rank[i];
  }
};

struct BpeModel::Cache {
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxPerShard = 1 << 14;
  static constexpr size_t kMaxWordBytes = 256;  // long words are rare: not worth keeping
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int64_t>> map;
  };
  std::array<Shard, kShards> shards;
};

BpeModel::BpeModel() : cache_(std::make_unique<Cache>()) {}
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;
BpeModel::~BpeModel() = default;

int32_t BpeModel::symbol(const std::string& s) {
  auto [it, inserted] = sym_index_.emplace(s, static_cast<int32_t>(sym_str_.size()));
  if (inserted) {
    sym_str_.push_back(s);
    sym_out_.push_back(-1);
  }
  return it->second;
}

BpeModel BpeModel::from_json(const json& model, const std::string& where) {
  const std::string w = where + ": field 'model'";
  check(model.is_object(), w, ": expected an object, got ", io::json_type_name(model));
  std::string type = io::get_or<std::string>(model, "type", "BPE", w);
  check(type == "BPE", where, ": field 'model.type': unsupported \"", type, "\" (supported: BPE)");
  auto must_be_empty = [&](const char* key) {
    if (!model.contains(key) || model[key].is_null()) return;
    check(model[key].is_string() && model[key].get<std::string>().empty(), where, ": field 'model.", key,
          "': unsupported value ", model[key].dump(), " (byte-level BPE uses \"\" or null)");
  };
  must_be_empty("continuing_subword_prefix");
  must_be_empty("end_of_word_suffix");
  check(!model.contains("dropout") || model["dropout"].is_null() || (model["dropout"].is_number() && model["dropout"].get<double>() == 0.0),
        where, ": field 'model.dropout': unsupported value ", model.value("dropout", json()).dump(), " (only null)");
  check(!io::get_or<bool>(model, "byte_fallback", false, w), where, ": field 'model.byte_fallback': unsupported true");
  check(!io::get_or<bool>(model, "fuse_unk", false, w), where, ": field 'model.fuse_unk': unsupported true");

  BpeModel m;
  m.ignore_merges_ = io::get_or<bool>(model, "ignore_merges", false, w);
  const json& vocab = io::get_field<json>(model, "vocab", w);
  check(vocab.is_object(), where, ": field 'model.vocab': expected an object of token -> id, got ", io::json_type_name(vocab));
  m.vocab_.reserve(vocab.size());
  m.sym_str_.reserve(vocab.size() + 512);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    check(it->is_number_integer() && it->get<int64_t>() >= 0, where, ": field 'model.vocab': token ", json(it.key()).dump(),
          " has id ", it->dump(), ", expected a non-negative integer");
    int64_t id = it->get<int64_t>();
    m.vocab_.emplace_back(it.key(), id);
    m.sym_out_[m.symbol(it.key())] = id;
  }
  for (int b = 0; b < 256; ++b) m.byte_sym_[b] = m.symbol(byte_symbol(static_cast<uint8_t>(b)));

  if (model.contains("unk_token") && !model["unk_token"].is_null()) {
    m.unk_token_ = io::get_field<std::string>(model, "unk_token", w);
    auto it = m.sym_index_.find(m.unk_token_);
    check(it != m.sym_index_.end() && m.sym_out_[it->second] >= 0, where, ": field 'model.unk_token': \"", m.unk_token_,
          "\" is not in model.vocab");
    m.unk_id_ = m.sym_out_[it->second];
  }

  const json& merges = io::get_field<json>(model, "merges", w);
  check(merges.is_array(), where, ": field 'model.merges': expected an array, got ", io::json_type_name(merges));
  m.merges_.reserve(merges.size());
  m.table_ = std::make_unique<MergeTable>(merges.size());
  for (size_t r = 0; r < merges.size(); ++r) {
    const json& e = merges[r];
    std::string a, b;
    if (e.is_string()) {
      const std::string& s = e.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      check(sp != std::string::npos && sp > 0 && sp + 1 < s.size() && s.find(' ', sp + 1) == std::string::npos, where,
            ": field 'model.merges[", r, "]': expected \"left right\", got ", e.dump());
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else {
      check(e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string(), where, ": field 'model.merges[", r,
            "]': expected \"left right\" or [left, right], got ", e.dump());
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    }
    int32_t ia = m.symbol(a), ib = m.symbol(b), ires = m.symbol(a + b);
    // As the reference (MergeTokenOutOfVocabulary): a merge outside the
    // vocabulary would make encoding drop the characters it covers.
    auto require_in_vocab = [&](int32_t sym, const char* role, const std::string& token) {
      check(m.sym_out_[size_t(sym)] >= 0, where, ": field 'model.merges[", r, "]': ", role, " ", json(token).dump(),
            " of merge ", json(a + " " + b).dump(), " is not in model.vocab");
    };
    require_in_vocab(ia, "token", a);
    require_in_vocab(ib, "token", b);
    require_in_vocab(ires, "merged token", a + b);
    m.merges_.emplace_back(ia, ib);
    m.table_->insert(ia, ib, static_cast<int32_t>(r), ires);
  }
  return m;
}

void BpeModel::set_token_id(const std::string& content, int64_t id) { sym_out_[symbol(content)] = id; }

int64_t BpeModel::token_id(const std::string& token) const {
  auto it = sym_index_.find(token);
  return it == sym_index_.end() ? -1 : sym_out_[it->second];
}

void BpeModel::merge_word(std::vector<int32_t>& syms) const {
  constexpr size_t kSmall = 64;
  size_t n = syms.size();
  if (n < 2) return;
  if (n > kSmall) return merge_word_heap(syms);
  // Short words: keep the rank of every adjacent pair, merge the lowest
  // (leftmost on ties), and re-rank only the two pairs that changed.
  int32_t rank[kSmall], res[kSmall];
  for (size_t i = 0; i + 1 < n; ++i) rank[i] = table_->find(syms[i], syms[i + 1], res[i]);
  while (n > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i)
      if (rank[i] < rank[best]) best = i;
    if (rank[best] == INT_MAX) break;
    syms[best] = res[best];
    for (size_t i = best + 1; i + 1 < n; ++i) syms[i] = syms[i + 1];
    for (size_t i = best; i + 2 < n; ++i) {
      rank[i] = rank[i + 1];
      res[i] = res[i + 1];
    }
    --n;
    if (best > 0) rank[best - 1] = table_->find(syms[best - 1], syms[best], res[best - 1]);
    if (best + 1 < n) rank[best] = table_->find(syms[best], syms[best + 1], res[best]);
  }
  syms.resize(n);
}

void BpeModel::merge_word_heap(std::vector<int32_t>& syms) const {
  // Long words: a linked list of symbols and a heap of candidate pairs keyed
  // by (rank, original position). Entries go stale when either side changes;
  // symbols only grow, so comparing the stored pair detects that.
  const int32_t n = static_cast<int32_t>(syms.size());
  std::vector<int32_t> prev(n), next(n);
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Entry {
    int32_t rank, pos, left, right, merged;
    bool operator>(const Entry& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  auto push = [&](int32_t pos) {
    int32_t nx = next[pos], merged = 0;
    int32_t r = table_->find(syms[pos], syms[nx], merged);
    if (r != INT_MAX) heap.push({r, pos, syms[pos], syms[nx], merged});
  };
  for (int32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    Entry e = heap.top();
    heap.pop();
    int32_t nx = next[e.pos];
    if (syms[e.pos] != e.left || nx < 0 || syms[nx] != e.right) continue;
    syms[e.pos] = e.merged;
    syms[nx] = -1;
    next[e.pos] = next[nx];
    if (next[nx] >= 0) prev[next[nx]] = e.pos;
    if (prev[e.pos] >= 0) push(prev[e.pos]);
    if (next[e.pos] >= 0) push(e.pos);
  }
  size_t w = 0;
  for (int32_t i = 0; i >= 0; i = next[i]) syms[w++] = syms[i];
  syms.resize(w);
}

void BpeModel::encode_word(std::string_view bytes, std::vector<int64_t>& out) const {
  if (bytes.empty()) return;
  const bool cacheable = bytes.size() < Cache::kMaxWordBytes;
  thread_local std::string key;
  Cache::Shard* shard = nullptr;
  if (cacheable) {
    shard = &cache_->shards[std::hash<std::string_view>{}(bytes) % Cache::kShards];
    key.assign(bytes.data(), bytes.size());
    std::lock_guard<std::mutex> lock(shard->mutex);
    auto it = shard->map.find(key);
    if (it != shard->map.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out.size();
  bool done = false;
  if (ignore_merges_) {
    auto it = sym_index_.find(bytes_to_byte_level(bytes));
    if (it != sym_index_.end() && sym_out_[it->second] >= 0) {
      out.push_back(sym_out_[it->second]);
      done = true;
    }
  }
  if (!done) {
    thread_local std::vector<int32_t> syms;
    syms.clear();
    for (char c : bytes) syms.push_back(byte_sym_[static_cast<uint8_t>(c)]);
    merge_word(syms);
    for (int32_t s : syms) {
      // Symbols outside the vocabulary become unk, or vanish without one.
      if (sym_out_[s] >= 0) out.push_back(sym_out_[s]);
      else if (unk_id_ >= 0) out.push_back(unk_id_);
    }
  }
  if (cacheable) {
    std::lock_guard<std::mutex> lock(shard->mutex);
    if (shard->map.size() >= Cache::kMaxPerShard) shard->map.clear();
    shard->map.emplace(key, std::vector<int64_t>(out.begin() + static_cast<long>(first), out.end()));
  }
}

json BpeModel::to_json() const {
  json vocab = json::object();
  for (const auto& [tok, id] : vocab_) vocab[tok] = id;
  json merges = json::array();
  for (const auto& [a, b] : merges_) merges.push_back(json::array({sym_str_[a], sym_str_[b]}));
  return json{{"type", "BPE"},
              {"dropout", nullptr},
              {"unk_token", unk_id_ >= 0 ? json(unk_token_) : json(nullptr)},
              {"continuing_subword_prefix", ""},
              {"end_of_word_suffix", ""},
              {"fuse_unk", false},
              {"byte_fallback", false},
              {"ignore_merges", ignore_merges_},
              {"vocab", std::move(vocab)},
              {"merges", std::move(merges)}};
}

}  // namespace vlsi::text
