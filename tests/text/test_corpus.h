#pragma once
// A deterministic corpus (fixed seed) of strings that stress every stage of
// the tokenizer: hand-picked edge cases plus random mixtures of fragments,
// random code points from long-assigned blocks, and invalid UTF-8 bytes.
// Code points are drawn only from blocks fully assigned by Unicode 14, the
// newest our PCRE2 10.42 tables know (Node's ICU knows later versions).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace vlsi::text::testing {

inline std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

inline std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

inline std::vector<std::string> edge_cases() {
  using std::string;
  std::vector<string> v = {
      "", " ", "  ", "\t", "\n", "\r\n", "\n\n\n", " \n", "\n ", "a\n\n b", "x \t\n  \r\n\t y", "\t\tindented\n\t\ttwice",
      "trailing spaces   ", "   leading", "a  b   c    d", "line1\r\nline2\rline3\n", " \u00a0nbsp\u00a0 ", "\u3000ideographic\u3000space",
      "I'm you're he's she'd we'll they've it's", "I'M YOU'RE HE'S SHE'D WE'LL THEY'VE", "Don'T wOn'T CaN'T", "'s 't 're 've 'm 'll 'd",
      "o'clock rock'n'roll", "'S'T'RE", "\u017f's 'K 'k \u212a", "'\u017f", "it\u2019s curly",
      "0", "42", "3.14159", "1,234,567.89", "12345678901234567890", "-0.0001e+10", "v1.2.3-rc4", "0x1F 0b1010 0o777", "2024-01-31T23:59:59Z",
      "\u0661\u0662\u0663 \u0968\u096f \uff11\uff12\uff13 \u00b2\u00b3\u00b9 \u2460\u2461 \u216b",
      "Hello, world! How are you?", "...!!!???", "--- *** ### @@@", "(parens) [brackets] {braces} <angles>", "a.b,c;d:e!f?g",
      "\"quoted\" 'single' `back`", "~!@#$%^&*()_+-=[]\\{}|;':\",./<>?", "\u00bfQu\u00e9 tal? \u00a1Bien!",
      "def f(x):\n    return x ** 2  # square\n", "int main() { return 0; }\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
      "const f = (a, b) => a?.b ?? c;", "SELECT * FROM t WHERE id = 1;", "<div class=\"x\">&amp;</div>", "{\"key\": [1, 2, {\"n\": null}]}",
      "https://example.com/path?q=1&r=two#frag", "mailto:someone@example.org", "C:\\Users\\name\\file.txt", "/usr/local/bin/python3 -m venv .venv",
      "\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u5427\u3002", "\u4e2d\u6587English\u6df7\u5408123",
      "\u3053\u3093\u306b\u3061\u306f\u3001\u4e16\u754c\uff01\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a",
      "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4.", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u0644\u063a\u0629 \u062c\u0645\u064a\u0644\u0629",
      "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
      "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
      "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
      "e\u0301 a\u0300 o\u0302 n\u0303 u\u0308", "Cafe\u0301 vs Caf\u00e9", "A\u030angstro\u0308m \u212b", "\u1100\u1161\u11a8 \u1112\u1161\u11ab",
      "Vie\u0323\u0302t", "q\u0307\u0323 s\u0323\u0307", "\u0041\u0301\u0301\u0301", "\u0915\u093c \u095b", "\u2126 \u212a \u00c5",
      "\U0001F600\U0001F601\U0001F602", "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 family",
      "\U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8\U0001F1E9\U0001F1EA flags", "\U0001F44D\U0001F3FD thumbs", "\u2764\uFE0F \u263A\uFE0E",
      "\U0001F3F3\uFE0F\u200D\U0001F308", "\U0001F9D1\u200D\U0001F4BB coding", "#\uFE0F\u20E3 1\uFE0F\u20E3",
      "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi!<|im_end|>", "<|im_start|><|im_start|><|im_end|>",
      "text<|endoftext|>more", "<|im_sta", "<|im_start", "|im_start|>", "<<|im_start|>>", "<|im_start|>system", " <|im_end|> ",
      "<think>\nreasoning\n</think>\n\nanswer", "<tool_call>{\"name\": \"f\"}</tool_call>", "<|vision_start|><|image_pad|><|vision_end|>",
      "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<image> describe <image>", "\u00e9<|im_end|>\u0301",
      "\u200b zero\u200bwidth \u200c\u200d", "\ufeffBOM start", "mid\ufeffBOM", "\u0085NEL\u0085", "\u2028line\u2029para",
      "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", "\u180e mongolian", "\x7f\x01\x02 ctrl", "\x1b[31mred\x1b[0m",
      string("nul\0inside", 10), string("\0", 1), "\uFFFD replacement \uFFFD", "\uE000 private use \uF8FF",
      "\U00020000\U0002A6D6 ext-b", "\U0001D400\U0001D41A math bold", "\u2160\u2161 roman", "\u00bd \u2153 \u215e fractions",
      "A\u0308\u0301 stacked", "\u0627\u064e\u0644\u0652 harakat", "\u0d15\u0d4d\u0d37 malayalam", "\u1e9b\u0323",
  };
  // Very long words and runs.
  v.push_back(repeat("a", 5000));
  v.push_back(repeat("ab", 3000));
  v.push_back(repeat("9", 1200));
  v.push_back(repeat(" ", 1000) + "x");
  v.push_back(repeat("\n", 500));
  v.push_back(repeat(" \t", 300));
  v.push_back(repeat("\u4e2d", 2000));
  v.push_back(repeat("\U0001F600", 400));
  v.push_back(repeat("e\u0301", 300));
  v.push_back(repeat("Supercalifragilisticexpialidocious", 40));
  v.push_back(repeat("!?", 700));
  v.push_back(repeat("<|im_start|>", 50));
  // Invalid UTF-8: stray continuation bytes, truncated sequences, overlongs,
  // surrogates, code points past U+10FFFF, bytes that never appear.
  v.push_back("\x80");
  v.push_back("\xff");
  v.push_back("abc\xc3");
  v.push_back("\xc3(");
  v.push_back("\xe2\x82");
  v.push_back("\xe2\x82x");
  v.push_back("\xf0\x9f\x98");
  v.push_back("\xc0\xaf overlong");
  v.push_back("\xe0\x80\xaf");
  v.push_back("\xed\xa0\x80 surrogate");
  v.push_back("\xf4\x90\x80\x80 too big");
  v.push_back("\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff");
  v.push_back("ok \xa0\xa1 then \xe4\xb8 \xe4\xb8\xad");
  v.push_back("<|im_start|>\xff<|im_end|>");
  return v;
}

inline std::vector<std::string> fragment_pool() {
  return {
      "the", "The", "THE", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "don't", "WON'T", "we've", "It'S", "y'all",
      "hello", "world", "tokenizer", "vision", "language", "model", "distillation", "\u00fcber", "na\u00efve", "r\u00e9sum\u00e9",
      "0", "7", "42", "1000000", "3.5", "2e10", "v2", "x86_64", "utf-8", "e-mail", "C++", "F#", "node.js",
      " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\t\n", "\u00a0", "\u3000", "\u2003", "\u0085", "\ufeff",
      ".", ",", "!", "?", "...", ";", ":", "-", "--", "_", "/", "\\", "(", ")", "[", "]", "{", "}", "<", ">", "\"", "'", "`",
      "#", "@", "$", "%", "^", "&", "*", "+", "=", "|", "~", "\u2014", "\u201c", "\u201d", "\u00ab", "\u00bb", "\u3002", "\uff0c",
      "\u4e2d\u6587", "\u6c49\u5b57", "\u4f60\u597d", "\u65e5\u672c\u8a9e", "\u3072\u3089\u304c\u306a", "\u30ab\u30bf\u30ab\u30ca",
      "\ud55c\uad6d\uc5b4", "\uc548\ub155", "\u0627\u0644\u0633\u0644\u0627\u0645", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd",
      "\u0928\u092e\u0938\u094d\u0924\u0947", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35", "\u041f\u0440\u0438\u0432\u0435\u0442", "\u03ba\u03cc\u03c3\u03bc\u03bf\u03c2",
      "e\u0301", "a\u030a", "o\u0308", "n\u0303", "\u0301", "\u0308\u0301", "\u1100\u1161", "\u0915\u093c",
      "\U0001F600", "\U0001F44D\U0001F3FF", "\U0001F468\u200D\U0001F4BB", "\U0001F1EB\U0001F1F7", "\u2764\uFE0F", "\u200d", "\u200b",
      "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<|image_pad|>", "<image>", "<|im_", "|>", "<|",
      "http://a.b/c?d=e", "www.example.com", "user@host.org", "#include <vector>", "std::string", "if (x) {", "return;", "=>", "!=", "::",
      "'s", "'T", "'re", "'VE", "'m", "'LL", "'d", "\u017f", "\u212a", "\x01", "\x7f", "\uFFFD", "\U00020001", "\U0001D11E",
  };
}

// Ranges of long-assigned code points (start, length) for random strings.
inline std::vector<std::pair<char32_t, char32_t>> code_point_ranges() {
  return {{0x20, 95},     {0xA0, 96},     {0x100, 0x180}, {0x300, 0x70},  {0x391, 0x38},  {0x410, 0x60},
          {0x5D0, 27},    {0x620, 0x2B},  {0x660, 10},    {0x905, 0x35},  {0x966, 10},    {0xE01, 0x30},
          {0x1100, 0x60}, {0x1161, 0x40}, {0x1E00, 0x100}, {0x2000, 0x70}, {0x2190, 0x70}, {0x3000, 0x40},
          {0x3041, 0x56}, {0x30A1, 0x5A}, {0x4E00, 0x5000}, {0xAC00, 0x2BA4}, {0xFF01, 0x5E}, {0x1F300, 0x300},
          {0x1F900, 0x100}, {0x1D400, 0x50}};
}

inline std::vector<std::string> build_corpus(size_t random_cases = 2200, uint32_t seed = 20240531) {
  std::vector<std::string> corpus = edge_cases();
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const auto pool = fragment_pool();
  const auto ranges = code_point_ranges();
  for (size_t k = 0; k < random_cases; ++k) {
    std::string s;
    size_t kind = k % 10;
    if (kind < 6) {  // mixtures of fragments
      size_t n = 1 + pick(14);
      for (size_t i = 0; i < n; ++i) {
        s += pool[pick(pool.size())];
        if (pick(3) == 0) s += " ";
      }
    } else if (kind < 9) {  // random code points, sometimes with spaces
      size_t n = 1 + pick(40);
      for (size_t i = 0; i < n; ++i) {
        auto [start, len] = ranges[pick(ranges.size())];
        s += utf8(start + static_cast<char32_t>(pick(len)));
        if (pick(5) == 0) s += pick(2) ? " " : "\n";
      }
    } else {  // random bytes, mostly invalid UTF-8, around ASCII words
      size_t n = 1 + pick(24);
      for (size_t i = 0; i < n; ++i) {
        if (pick(3) == 0) s += pool[pick(pool.size())];
        else s += static_cast<char>(pick(256));
      }
    }
    corpus.push_back(s);
  }
  return corpus;
}

}  // namespace vlsi::text::testing
