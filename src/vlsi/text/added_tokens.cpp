#include "vlsi/text/added_tokens.h"

namespace vlsi::text {

AddedTokenSplitter::AddedTokenSplitter(const std::vector<AddedToken>& tokens, const std::vector<bool>& use)
    : tokens_(&tokens), nodes_(1) {
  for (size_t t = 0; t < tokens.size(); ++t) {
    const std::string& s = tokens[t].content;
    if (!use[t] || s.empty()) continue;
    int32_t node = 0;
    for (char ch : s) {
      auto c = static_cast<unsigned char>(ch);
      int32_t next = child(node, c);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_[node].children.emplace_back(c, next);
        nodes_.emplace_back();
      }
      node = next;
    }
    nodes_[node].token = static_cast<int32_t>(t);  // a later duplicate wins, like the reference's map
    first_byte_[static_cast<unsigned char>(s[0])] = true;
  }
}

int32_t AddedTokenSplitter::child(int32_t node, unsigned char c) const {
  for (const auto& [ch, next] : nodes_[node].children)
    if (ch == c) return next;
  return -1;
}

void AddedTokenSplitter::split(std::string_view text, bool parse_special, std::vector<std::string_view>& out) const {
  out.clear();
  size_t start = 0, i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    size_t match_len = 0;
    int32_t node = 0;
    for (size_t j = i; j < n; ++j) {
      node = child(node, static_cast<unsigned char>(text[j]));
      if (node < 0) break;
      int32_t t = nodes_[node].token;
      if (t >= 0 && (parse_special || !(*tokens_)[t].special)) match_len = j + 1 - i;
    }
    if (match_len == 0) {
      ++i;
      continue;
    }
    if (i > start) out.push_back(text.substr(start, i - start));
    out.push_back(text.substr(i, match_len));
    i += match_len;
    start = i;
  }
  if (start < n) out.push_back(text.substr(start));
}

}  // namespace vlsi::text
