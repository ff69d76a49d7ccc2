#include "vlsi/eval/answer_match.h"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "vlsi/io/error.h"

namespace vlsi::eval {

AnswerType parse_answer_type(const std::string& s, const std::string& where) {
  if (s == "mc") return AnswerType::MultipleChoice;
  if (s == "yesno") return AnswerType::YesNo;
  if (s == "number") return AnswerType::Number;
  if (s == "text") return AnswerType::Text;
  fail(where, ": field 'answer_type': expected one of mc|yesno|number|text, got '", s, "'");
}

std::string answer_type_name(AnswerType t) {
  switch (t) {
    case AnswerType::MultipleChoice: return "mc";
    case AnswerType::YesNo: return "yesno";
    case AnswerType::Number: return "number";
    default: return "text";
  }
}

namespace {

// Lower-cases ASCII and turns punctuation into spaces, then splits into words.
std::vector<std::string> words_of(const std::string& text) {
  std::string clean;
  clean.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80 || c == '-') clean.push_back(static_cast<char>(std::tolower(c)));
    else clean.push_back(' ');
  }
  std::istringstream in(clean);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string normalize_mc(const std::string& text) {
  // A standalone letter A-E (any case only when it is the whole answer).
  std::string trimmed;
  for (char c : text) if (!std::isspace(static_cast<unsigned char>(c))) trimmed.push_back(c);
  if (trimmed.size() == 1 && std::isalpha(static_cast<unsigned char>(trimmed[0])))
    return std::string(1, static_cast<char>(std::toupper(trimmed[0])));
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c < 'A' || c > 'E') continue;
    bool left_ok = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    bool right_ok = i + 1 == text.size() || !std::isalnum(static_cast<unsigned char>(text[i + 1]));
    if (left_ok && right_ok) return std::string(1, c);
  }
  return "";
}

std::string normalize_yesno(const std::string& text) {
  for (const auto& w : words_of(text)) {
    if (w == "yes" || w == "true") return "yes";
    if (w == "no" || w == "false") return "no";
  }
  return "";
}

// An integer word's canonical form (no leading zeros, "-0" is "0"), at any
// length: std::stoll threw std::out_of_range on a 20-digit model answer.
std::string canonical_integer(const std::string& w) {
  const bool negative = w[0] == '-';
  size_t first = negative ? 1 : 0;
  while (first + 1 < w.size() && w[first] == '0') ++first;
  const std::string digits = w.substr(first);
  return negative && digits != "0" ? "-" + digits : digits;
}

std::string normalize_number(const std::string& text) {
  static const std::map<std::string, int> kWords = {
      {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6},
      {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12},
      {"none", 0}};
  for (const auto& w : words_of(text)) {
    bool digits = !w.empty();
    size_t start = (w[0] == '-' && w.size() > 1) ? 1 : 0;
    for (size_t i = start; i < w.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(w[i]));
    if (digits) return canonical_integer(w);
    auto it = kWords.find(w);
    if (it != kWords.end()) return std::to_string(it->second);
  }
  return "";
}

std::string normalize_text(const std::string& text) {
  std::string out;
  for (const auto& w : words_of(text)) {
    if (w == "a" || w == "an" || w == "the") continue;
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

}  // namespace

std::string normalize_answer(const std::string& text, AnswerType type) {
  switch (type) {
    case AnswerType::MultipleChoice: return normalize_mc(text);
    case AnswerType::YesNo: return normalize_yesno(text);
    case AnswerType::Number: return normalize_number(text);
    default: return normalize_text(text);
  }
}

bool answers_match(const std::string& prediction, const std::string& reference, AnswerType type) {
  std::string p = normalize_answer(prediction, type);
  return !p.empty() && p == normalize_answer(reference, type);
}

}  // namespace vlsi::eval
