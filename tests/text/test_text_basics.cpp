// UTF-8 repair, the GPT-2 byte table and the Oniguruma -> PCRE2 translation.
#include <gtest/gtest.h>

#include <utf8proc.h>

#include <cstdlib>
#include <set>

#include "vlsi/io/error.h"
#include "vlsi/text/byte_level.h"
#include "vlsi/text/regex.h"
#include "vlsi/text/regex_translate.h"
#include "vlsi/text/split_patterns.h"
#include "vlsi/text/utf8.h"

namespace vlsi::text {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, RepairsLikeWhatwgDecoder) {
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_EQ(sanitize_utf8("ok"), "ok");
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98"), kFFFD);                    // truncated: one U+FFFD
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98x"), kFFFD + "x");             // maximal subpart, then x
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFFFD + kFFFD + kFFFD);    // surrogate: byte by byte
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFFFD + kFFFD);                // overlong
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);  // > U+10FFFF
  EXPECT_EQ(sanitize_utf8("\xE2\x82"), kFFFD);
  EXPECT_EQ(sanitize_utf8("a\x80" "b"), "a" + kFFFD + "b");
  EXPECT_EQ(sanitize_utf8(std::string("\0", 1)), std::string("\0", 1));
  for (const char* bad : {"\x80", "\xFF", "\xC3", "\xE0\x80\x80", "\xED\xBF\xBF", "\xF8\x88\x80\x80\x80"})
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
}

TEST(Utf8, NormalisesAndTrimsLikeTheReference) {
  EXPECT_EQ(normalize_unicode("Cafe\xCC\x81", NormalForm::NFC), "Caf\xC3\xA9");
  EXPECT_EQ(normalize_unicode("Caf\xC3\xA9", NormalForm::NFD), "Cafe\xCC\x81");
  EXPECT_EQ(normalize_unicode("\xEF\xAC\x81", NormalForm::NFKC), "fi");  // U+FB01 ligature
  EXPECT_EQ(normalize_unicode("\xE2\x84\xAB", NormalForm::NFC), "\xC3\x85");  // Angstrom sign -> Å
  EXPECT_EQ(trim_white_space_start(" \t\xE3\x80\x80x "), "x ");  // U+3000 is White_Space
  EXPECT_EQ(trim_white_space_start("\xEF\xBB\xBF x"), "\xEF\xBB\xBF x");  // the BOM is not (it is in JavaScript)
  EXPECT_EQ(trim_white_space_end(" x\xC2\x85"), " x");  // U+0085 is (not in JavaScript)
  EXPECT_EQ(trim_white_space_end("x \xE2\x80\xA8"), "x");
}

// The NFC fast path (skip text that cannot change) must agree with utf8proc
// doing the full work: on every single code point, and on the canonical
// decomposition of every composite (which exercises each composition pair).
TEST(Utf8, NfcFastPathAgreesWithFullNormalisation) {
  auto full_nfc = [](const std::string& s) {
    utf8proc_uint8_t* dst = nullptr;
    utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
                                      &dst, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    std::string out(reinterpret_cast<const char*>(dst), n < 0 ? 0 : static_cast<size_t>(n));
    std::free(dst);
    return out;
  };
  size_t composites = 0, mismatches = 0;
  for (char32_t cp = 0x80; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    std::string one;
    append_utf8(one, cp);
    std::string d = normalize_unicode(one, NormalForm::NFD);
    std::string with_neighbours = "a" + one + "b";
    mismatches += normalize_unicode(with_neighbours, NormalForm::NFC) != full_nfc(with_neighbours);
    if (d != one) {
      ++composites;
      mismatches += normalize_unicode(d, NormalForm::NFC) != full_nfc(d);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(composites, 13000u);  // ~2k composites + 11,172 Hangul syllables
}

TEST(ByteLevel, TableIsGpt2s) {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t c = byte_to_char(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(c).second);
    EXPECT_EQ(char_to_byte(c), b);
  }
  EXPECT_EQ(byte_to_char(' '), U'\u0120');   // Ġ
  EXPECT_EQ(byte_to_char('\n'), U'\u010A');  // Ċ
  EXPECT_EQ(byte_to_char('A'), U'A');
  EXPECT_EQ(byte_to_char(0xAD), U'\u0143');
  EXPECT_EQ(char_to_byte(U'\u0144'), -1);
  EXPECT_EQ(bytes_to_byte_level("Hi there\n"), "Hi\xC4\xA0there\xC4\x8A");
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(byte_level_to_bytes(bytes_to_byte_level(all)), all);
}

bool matches(const std::string& onig, const std::string& text) {
  return Regex(oniguruma_to_pcre2(onig, "test"), "test").full_match(text);
}

TEST(RegexTranslate, GivesTheReferenceSemantics) {
  // (?i:...) folds ASCII only: no long s, no Kelvin sign.
  EXPECT_TRUE(matches("(?i:'s|'ll)", "'S"));
  EXPECT_TRUE(matches("(?i:'s|'ll)", "'lL"));
  EXPECT_FALSE(matches("(?i:'s)", "'\xC5\xBF"));
  EXPECT_TRUE(matches("(?i:[a-c]x)", "BX"));
  EXPECT_FALSE(matches("(?i:[^a-c])", "B"));
  EXPECT_TRUE(matches("(?i:\\x41)", "a"));
  // \s is White_Space: U+0085 yes, U+FEFF no.
  EXPECT_TRUE(matches("\\s", "\xC2\x85"));
  EXPECT_FALSE(matches("\\s", "\xEF\xBB\xBF"));
  EXPECT_TRUE(matches("[^\\s\\p{L}]", "\xEF\xBB\xBF"));
  // Oniguruma \h is a hex digit (PCRE2's would be horizontal space).
  EXPECT_TRUE(matches("\\h+", "09afAF"));
  EXPECT_FALSE(matches("\\h", " "));
  EXPECT_TRUE(matches("\\d", "\xD9\xA3"));   // Arabic-Indic 3 (Nd)
  EXPECT_FALSE(matches("\\d", "\xC2\xB2"));  // superscript 2 (No)
  EXPECT_TRUE(matches("\\w", "\xC2\xB2"));   // ...but a word char outside classes
  EXPECT_TRUE(matches("a{2}+", "aaaa"));     // stacked, not possessive
  EXPECT_TRUE(matches("a++b", "aab"));
  EXPECT_TRUE(matches("(?>ab)c", "abc"));
  EXPECT_TRUE(matches(".", "\r"));
  EXPECT_FALSE(matches(".", "\n"));
  EXPECT_TRUE(matches("\\v\\f", "\x0B\x0C"));
  EXPECT_TRUE(matches("[\\]a-]+", "]a-"));
  EXPECT_TRUE(matches("\\{x\\}", "{x}"));
  EXPECT_TRUE(matches("[[:alpha:]]+", "abc\xC3\xA9"));
  EXPECT_TRUE(matches("\\p{Han}+", "\xE4\xB8\xAD\xE6\x96\x87"));
}

TEST(RegexTranslate, RejectsWhatTheReferenceCannotExpress) {
  for (const char* bad : {"[a&&b]", "(?x)a", "[[a]]", "\\R", "[\\W]", "(a", "a)", "[ab", "\\", "[]"}) {
    try {
      oniguruma_to_pcre2(bad, "tok.json: field 'pre_tokenizer.pattern.Regex'");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("tok.json: field 'pre_tokenizer.pattern.Regex'"), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
}

TEST(Regex, IteratesLikeJavaScript) {
  Regex re(oniguruma_to_pcre2("a*", "t"), "t");
  std::vector<Regex::Span> spans;
  re.find_all("baa\xC3\xA9", spans);  // empty matches advance one code point
  std::vector<std::pair<size_t, size_t>> got;
  for (auto s : spans) got.emplace_back(s.begin, s.end);
  std::vector<std::pair<size_t, size_t>> want = {{0, 0}, {1, 3}, {3, 3}, {5, 5}};
  EXPECT_EQ(got, want);
  Regex gpt2(byte_level_gpt2_pattern(), "gpt2");
  gpt2.find_all("I'm  fine\xEF\xBB\xBF!", spans);
  EXPECT_EQ(spans.size(), 5u);  // I | 'm | ' ' | ' fine' | U+FEFF! (not White_Space, so punctuation)
}

// Leaves 64 KiB of stack below the caller full of non-zero bytes, so a later
// call at the same depth that reads an unset stack buffer finds no NUL.
__attribute__((noinline)) void dirty_the_stack() {
  volatile char junk[64 * 1024];
  for (size_t i = 0; i < sizeof(junk); ++i) junk[i] = char(0xAB);
}

// Fuzzing finding: every successful match built the error message too
// (check() evaluates its arguments), asking PCRE2 for the text of the match
// count, an unknown code that leaves the buffer unset; strlen then ran off
// the stack buffer. Under make test-asan this failed with stack-buffer-overflow.
TEST(Regex, ASuccessfulMatchReadsNoErrorMessage) {
  Regex gpt2(byte_level_gpt2_pattern(), "gpt2");
  std::vector<Regex::Span> spans;
  for (int k = 0; k < 50; ++k) {
    dirty_the_stack();
    gpt2.find_all("Hello, world! 12 ...", spans);
    ASSERT_EQ(spans.size(), 6u);  // Hello | , | " world" | ! | " 12" | " ..."
    dirty_the_stack();
    ASSERT_TRUE(gpt2.full_match(" world"));
  }
}

}  // namespace
}  // namespace vlsi::text
