#pragma once
// A template's text as Jinja sees it, and positions in it for error messages.
// Jinja first turns every "\r\n" and "\r" into "\n" and, without
// keep_trailing_newline (transformers leaves it off), drops one trailing
// newline; every offset below is into that normalised text.
#include <cstddef>
#include <string>
#include <vector>

namespace vlsi::text::jinja {

class SourceText {
 public:
  // `name` is what errors call the template (a file path, "chat_template", ...).
  SourceText(const std::string& raw, std::string name);

  const std::string& text() const { return text_; }
  const std::string& name() const { return name_; }
  // "name:line:col" (1-based; the column counts code points).
  std::string where(size_t offset) const;
  // "name:line:col: message", the form of every error about this template.
  std::string message(size_t offset, const std::string& what) const;

 private:
  std::string text_, name_;
  std::vector<size_t> line_starts_;
};

}  // namespace vlsi::text::jinja
