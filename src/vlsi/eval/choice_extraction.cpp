#include "vlsi/eval/choice_extraction.h"

#include <algorithm>
#include <cctype>

namespace vlsi::eval {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Unicode code points, as Python's len() counts a str.
size_t code_points(const std::string& s) {
  return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_option(const std::vector<ChoiceOption>& options, char letter) {
  return std::any_of(options.begin(), options.end(), [&](const ChoiceOption& o) { return o.letter == letter; });
}

// _VERBOSE_ANSWER_RE, (?i)(?:correct\s+)?answer\s+is\s+\**([ABCD])\** searched
// anywhere: the letter after "answer <spaces> is <spaces> <asterisks>".
char verbose_answer_letter(const std::string& answer) {
  const std::string low = lower(answer);
  auto space = [&](size_t i) { return i < low.size() && std::isspace(static_cast<unsigned char>(low[i])); };
  for (size_t at = low.find("answer"); at != std::string::npos; at = low.find("answer", at + 1)) {
    size_t i = at + 6;
    if (!space(i)) continue;
    while (space(i)) ++i;
    if (low.compare(i, 2, "is") != 0) continue;
    i += 2;
    if (!space(i)) continue;
    while (space(i)) ++i;
    while (i < low.size() && low[i] == '*') ++i;
    if (i < low.size() && low[i] >= 'a' && low[i] <= 'd') return char(std::toupper(low[i]));
  }
  return 0;
}

}  // namespace

std::string infer_option_letter(const std::string& answer, const std::vector<ChoiceOption>& options) {
  if (contains(answer, "Failed to obtain answer via API")) return "";
  for (const char* refusal : {"Sorry, I can't help with images of people yet.", "I can't process this file.",
                              "I'm sorry, but without the image provided", "Cannot determine the answer"})
    if (contains(answer, refusal)) return "Z";
  std::string cleaned = answer;
  for (char& c : cleaned)
    if (std::string(".()[],:;!*#{}").find(c) != std::string::npos) c = ' ';
  const std::vector<std::string> words = split_words(cleaned);
  auto position = [&](const std::string& w) { return std::find(words.begin(), words.end(), w) - words.begin(); };
  auto present = [&](const std::string& w) { return size_t(position(w)) < words.size(); };
  size_t named = 0;
  for (const auto& o : options) named += present(std::string(1, o.letter));
  if (named == 1) {
    // The one letter counts only near the end: "B is wrong because ..." names no answer.
    for (const auto& o : options) {
      const std::string l(1, o.letter);
      if (present(l) && int64_t(position(l)) > int64_t(words.size()) - 5) return l;
    }
  } else if (named == 0 && present("Z")) {
    return "Z";
  }
  const char verbose = verbose_answer_letter(answer);
  if (verbose && has_option(options, verbose)) return std::string(1, verbose);
  return "";
}

std::string infer_option_text(const std::string& answer, const std::vector<ChoiceOption>& options) {
  const std::string low = lower(answer);
  size_t total = 0;
  for (const auto& o : options) total += code_points(o.text);
  if (code_points(low) > 2 * total) return "";
  std::string found;
  size_t hits = 0;
  for (const auto& o : options)
    if (contains(low, lower(o.text))) {
      found = std::string(1, o.letter);
      ++hits;
    }
  return hits == 1 ? found : "";
}

std::string extract_choice(const std::string& answer, const std::vector<ChoiceOption>& options) {
  std::string letter = infer_option_letter(answer, options);
  return letter.empty() ? infer_option_text(answer, options) : letter;
}

std::string strip_vqa_punctuation(const std::string& text) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool digit_comma_digit = false;
  for (size_t i = 1; i + 1 < text.size(); ++i)
    digit_comma_digit |= text[i] == ',' && digit(text[i - 1]) && digit(text[i + 1]);
  std::string out = text;
  for (char p : std::string(";/[]\"{}()=+\\_-><@`,?!")) {
    // Tested on the original text, applied to the running result, as process_punctuation does.
    const bool spaced = contains(text, std::string(1, p) + " ") || contains(text, " " + std::string(1, p));
    std::string next;
    for (char c : out) {
      if (c != p) next += c;
      else if (!(spaced || digit_comma_digit)) next += ' ';
    }
    out = std::move(next);
  }
  // periodStrip.sub('', outText, re.UNICODE) passes re.UNICODE (32) as the
  // count: at most 32 periods that are not next to a digit are removed.
  std::string result;
  int removed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const bool lone = out[i] == '.' && !(i > 0 && digit(out[i - 1])) && !(i + 1 < out.size() && digit(out[i + 1]));
    if (lone && removed < 32) {
      ++removed;
      continue;
    }
    result += out[i];
  }
  return result;
}

std::string extract_yes_no(const std::string& answer) {
  const std::vector<std::string> words = split_words(strip_vqa_punctuation(lower(answer)));
  const bool yes = std::find(words.begin(), words.end(), "yes") != words.end();
  const bool no = std::find(words.begin(), words.end(), "no") != words.end();
  if (yes && !no) return "Yes";
  if (no && !yes) return "No";
  return "Unknown";
}

}  // namespace vlsi::eval
