#include <gtest/gtest.h>

#include "infer_fixture.h"
#include "vlsi/infer/text_stream.h"

using namespace vlsi;
using namespace vlsi::infer;
using vlsi::infer::testing::tokenizer;

namespace {

// Streams `text`'s tokens; returns the pieces.
std::vector<std::string> stream(const std::string& text, const std::vector<std::string>& stops, bool* stopped) {
  TextStream s(tokenizer(), stops);
  std::vector<std::string> pieces;
  for (int64_t id : tokenizer().encode(text)) {
    pieces.push_back(s.push(id));
    if (s.stopped()) break;
  }
  pieces.push_back(s.finish());
  *stopped = s.stopped();
  return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

}  // namespace

TEST(TextStream, StopStringIsNeverShownEvenInPart) {
  bool stopped = false;
  auto pieces = stream("red green blue yellow", {"blue"}, &stopped);
  EXPECT_TRUE(stopped);
  EXPECT_EQ(joined(pieces), "red green ");
  for (const auto& p : pieces) EXPECT_EQ(p.find('b'), std::string::npos) << p;
}

TEST(TextStream, HeldBackPrefixIsReleasedWhenItDoesNotMatch) {
  bool stopped = false;
  // "blue" is a prefix of the stop string "blue!" until the text goes on.
  auto pieces = stream("red blue green", {"blue!"}, &stopped);
  EXPECT_FALSE(stopped);
  EXPECT_EQ(joined(pieces), "red blue green");
  pieces = stream("red blue", {"blue!"}, &stopped);
  EXPECT_EQ(pieces.back(), "blue") << "a tail that may begin the stop string waits for finish()";
}

TEST(TextStream, MultiByteCharactersAreNeverSplit) {
  bool stopped = false;
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x99\x82!";  // café € 🙂!
  auto pieces = stream(text, {}, &stopped);
  EXPECT_EQ(joined(pieces), text);
  size_t non_empty = 0;
  for (const auto& p : pieces) {
    if (p.empty()) continue;
    ++non_empty;
    EXPECT_NE(static_cast<unsigned char>(p.front()) & 0xC0, 0x80) << "piece starts inside a character";
  }
  EXPECT_GT(non_empty, 2u);
  EXPECT_EQ(find_stop_string("abcabc", {"ca", "bc"}), 1u);
  EXPECT_EQ(find_stop_string("abc", {"x"}), std::string::npos);
}
