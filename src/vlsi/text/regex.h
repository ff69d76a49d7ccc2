#pragma once
// A compiled PCRE2 pattern (UTF + UCP, JIT when available) that finds all
// matches the way a JavaScript /gu regex iterates them. Immutable after
// construction and safe to share between threads.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vlsi::text {

class Regex {
 public:
  // `where` names the file/field for the one-line error on a bad pattern.
  Regex(const std::string& pcre2_pattern, const std::string& where);

  struct Span {
    size_t begin, end;
  };
  // All matches, left to right. After an empty match the search resumes one
  // code point later (JS lastIndex semantics). `text` must be valid UTF-8.
  void find_all(std::string_view text, std::vector<Span>& out) const;
  // True when the whole of `text` matches.
  bool full_match(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
  std::string where_;
};

}  // namespace vlsi::text
