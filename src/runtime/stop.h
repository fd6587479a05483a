// Streaming detection of user stop strings in generated text: emits what can no longer be part of
// a stop string, holds back what might still become one, and never splits a UTF-8 code point.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace edgellm {

// Feed decoded text pieces in generation order. Not thread-safe; one matcher per sequence.
//
// A stop string "completes" at the byte where its last byte arrives. When several could complete
// within one piece, the one whose last byte comes first wins (what byte-by-byte feeding would see);
// among those ending at the same byte, the one starting first (so the least text is emitted).
class StopMatcher {
 public:
  // Empty stop strings are ignored. With no stop strings the matcher only holds back incomplete
  // UTF-8 sequences.
  explicit StopMatcher(std::vector<std::string> stops);

  struct Step {
    std::string text;      // safe to emit now (after a stop: everything before the stop string)
    bool stopped = false;  // a stop string completed; generation should end
    int stop_index = -1;   // which of the constructor's strings, when stopped
  };

  // Appends `piece` to the held-back text and returns what may be emitted. After a stop, further
  // calls return an empty, stopped Step.
  Step feed(std::string_view piece);

  // End of generation without a stop: returns the held-back text (possibly an incomplete UTF-8
  // sequence, emitted as is so no byte is lost). Empty after a stop.
  std::string flush();

  void reset();  // forget held-back text and the stopped state

  bool stopped() const { return stopped_; }
  std::string_view held() const { return held_; }
  const std::vector<std::string>& stops() const { return stops_; }

 private:
  std::vector<std::string> stops_;  // constructor's list; empty entries never match
  std::string held_;
  bool stopped_ = false;
};

// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence that the
// following bytes could still complete: text.size() unless the text ends with a lead byte
// followed by fewer continuation bytes than it announces.
size_t utf8_complete_prefix(std::string_view text);

}  // namespace edgellm
