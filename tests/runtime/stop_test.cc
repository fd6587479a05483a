// StopMatcher: stop strings split across pieces, overlapping stops, UTF-8 pieces, flush.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/stop.h"

namespace edgellm {
namespace {

// Feeds the pieces and returns everything emitted (plus the flush when no stop fired).
struct StopRun {
  std::string text;
  bool stopped = false;
  int stop_index = -1;
  std::vector<std::string> emitted;  // per piece
};

StopRun feed_all(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopMatcher m(std::move(stops));
  StopRun r;
  for (const std::string& piece : pieces) {
    StopMatcher::Step step = m.feed(piece);
    r.emitted.push_back(step.text);
    r.text += step.text;
    if (step.stopped) {
      r.stopped = true;
      r.stop_index = step.stop_index;
      break;
    }
  }
  if (!r.stopped) r.text += m.flush();
  return r;
}

TEST(StopMatcher, StopSplitAcrossPieces) {
  const StopRun r = feed_all({"\nUser:"}, {"Hel", "lo\nUs", "er:", " more"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.stop_index, 0);
  EXPECT_EQ(r.text, "Hello");
  ASSERT_EQ(r.emitted.size(), 3u);
  EXPECT_EQ(r.emitted[0], "Hel");
  EXPECT_EQ(r.emitted[1], "lo");  // "\nUs" held back
  EXPECT_EQ(r.emitted[2], "");
}

TEST(StopMatcher, HeldTextIsReleasedWhenTheStopDoesNotMaterialise) {
  StopMatcher m({"\nUser:"});
  EXPECT_EQ(m.feed("Hi\nUs").text, "Hi");
  EXPECT_EQ(m.held(), "\nUs");
  const StopMatcher::Step step = m.feed("ually");
  EXPECT_FALSE(step.stopped);
  EXPECT_EQ(step.text, "\nUsually");
  EXPECT_EQ(m.flush(), "");
  EXPECT_EQ(m.feed("end\n").text, "end");
  EXPECT_EQ(m.flush(), "\n");
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  const StopRun r = feed_all({}, {"a", "b\n", "c"});
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emitted, (std::vector<std::string>{"a", "b\n", "c"}));
  EXPECT_EQ(feed_all({"", ""}, {"x"}).text, "x");  // empty stop strings never match
}

TEST(StopMatcher, StopInsideOnePiece) {
  const StopRun r = feed_all({"###"}, {"answer: 4### trailing"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "answer: 4");
}

TEST(StopMatcher, SelfOverlappingStop) {
  // After "aa" is held, another "a" must release only one byte, then "b" completes "aab".
  const StopRun r = feed_all({"aab"}, {"x", "a", "a", "a", "b", "z"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "xa");
  EXPECT_EQ(r.emitted, (std::vector<std::string>{"x", "", "", "a", ""}));
}

TEST(StopMatcher, OverlappingStopsTheFirstToCompleteWins) {
  // "bc" completes at byte 3 of "abcd", before "abcd" does.
  StopRun r = feed_all({"abcd", "bc"}, {"abcd"});
  EXPECT_EQ(r.stop_index, 1);
  EXPECT_EQ(r.text, "a");
  // Fed byte by byte the result is the same.
  r = feed_all({"abcd", "bc"}, {"a", "b", "c", "d"});
  EXPECT_EQ(r.stop_index, 1);
  EXPECT_EQ(r.text, "a");
  // Same end: the one starting first wins, so less text is emitted.
  r = feed_all({"ab", "xab"}, {"1xab"});
  EXPECT_EQ(r.stop_index, 1);
  EXPECT_EQ(r.text, "1");
  // A prefix of one stop is held while another, overlapping one completes.
  r = feed_all({"<|end|>", "|>"}, {"x<|e", "nd", "|>"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.stop_index, 0);
  EXPECT_EQ(r.text, "x");
}

TEST(StopMatcher, HoldsTheLongestPossiblePrefixOfAnyStop) {
  StopMatcher m({"END", "\n\n"});
  EXPECT_EQ(m.feed("text\n").text, "text");
  EXPECT_EQ(m.feed("E").text, "\n");
  EXPECT_EQ(m.held(), "E");
  const StopMatcher::Step step = m.feed("ND");
  EXPECT_TRUE(step.stopped);
  EXPECT_EQ(step.stop_index, 0);
  EXPECT_EQ(step.text, "");
  // After a stop everything is swallowed.
  EXPECT_TRUE(m.feed("more").stopped);
  EXPECT_EQ(m.feed("more").text, "");
  EXPECT_EQ(m.flush(), "");
  m.reset();
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.feed("ok").text, "ok");
}

TEST(StopMatcher, NeverSplitsACodePoint) {
  // "é" = C3 A9, "中" = E4 B8 AD, "😀" = F0 9F 98 80, delivered one byte at a time.
  const std::string text = "caf\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80!";
  StopMatcher m({"STOP"});
  std::string all;
  for (char c : text) {
    const std::string out = m.feed(std::string(1, c)).text;
    EXPECT_EQ(utf8_complete_prefix(out), out.size()) << "emitted a partial code point";
    all += out;
  }
  all += m.flush();
  EXPECT_EQ(all, text);
}

TEST(StopMatcher, MultiByteStopStrings) {
  // Stop "。\n" (E3 80 82 0A) split inside its first code point.
  const StopRun r =
      feed_all({"\xE3\x80\x82\n"}, {"\xE4\xBD\xA0\xE5\xA5\xBD\xE3", "\x80", "\x82", "\n", "x"});
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "\xE4\xBD\xA0\xE5\xA5\xBD");  // 你好
  // The same bytes followed by something else are released whole.
  const StopRun r2 = feed_all({"\xE3\x80\x82\n"}, {"\xE3\x80", "\x82", "!"});
  EXPECT_FALSE(r2.stopped);
  EXPECT_EQ(r2.emitted[0], "");
  EXPECT_EQ(r2.emitted[1], "");
  EXPECT_EQ(r2.emitted[2], "\xE3\x80\x82!");
}

TEST(StopMatcher, FlushReturnsAnIncompleteSequenceAsIs) {
  StopMatcher m({});
  EXPECT_EQ(m.feed("a\xE4\xB8").text, "a");
  EXPECT_EQ(m.flush(), "\xE4\xB8");
}

TEST(Utf8CompletePrefix, Cases) {
  EXPECT_EQ(utf8_complete_prefix(""), 0u);
  EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3"), 1u);
  EXPECT_EQ(utf8_complete_prefix("a\xC3\xA9"), 3u);
  EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98\x80"), 4u);
  EXPECT_EQ(utf8_complete_prefix("\x80\x80\x80\x80"),
            4u);                                 // stray continuations: nothing to wait for
  EXPECT_EQ(utf8_complete_prefix("a\xFF"), 2u);  // invalid byte: not held
}

}  // namespace
}  // namespace edgellm
