#pragma once
// Added tokens (special or not) are cut out of the text before anything else
// sees it: at each position the longest token string wins, scanning left to
// right, which is the reference's dictionary splitter.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vlsi::text {

struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool single_word = false;  // read and written back; the reference ignores it, so do we
  bool lstrip = false;       // strip whitespace to the token's left
  bool rstrip = false;       // strip whitespace to the token's right
  bool normalized = false;   // matched after normalisation instead of on raw text
  bool special = false;      // skipped by decode(skip_special), not split when parse_special=false
};

class AddedTokenSplitter {
 public:
  AddedTokenSplitter() = default;
  // `tokens` must outlive the splitter; `use[i]` says whether tokens[i] takes part.
  AddedTokenSplitter(const std::vector<AddedToken>& tokens, const std::vector<bool>& use);

  // Cuts `text` into alternating plain sections and token strings. Special
  // tokens are only recognised when `parse_special`.
  void split(std::string_view text, bool parse_special, std::vector<std::string_view>& out) const;
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int32_t token = -1;  // index into the token list when a token ends here
  };
  int32_t child(int32_t node, unsigned char c) const;

  const std::vector<AddedToken>* tokens_ = nullptr;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

}  // namespace vlsi::text
