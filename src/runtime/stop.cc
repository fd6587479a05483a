// StopMatcher: search the held-back text plus the new piece for the first completed stop string,
// else hold back the longest tail that is a proper prefix of some stop string.
#include "runtime/stop.h"

#include <algorithm>
#include <utility>

namespace edgellm {

namespace {

// Bytes a sequence announced by lead byte `c` occupies; 0 for a continuation or invalid byte.
size_t utf8_sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

size_t utf8_complete_prefix(std::string_view text) {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  const size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const unsigned char c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t len = utf8_sequence_length(c);
    // A lead byte whose sequence needs more bytes than are there: hold it and its continuations.
    return (len > back) ? n - back : n;
  }
  return n;  // ASCII end, or stray continuation bytes that nothing can complete
}

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

void StopMatcher::reset() {
  held_.clear();
  stopped_ = false;
}

StopMatcher::Step StopMatcher::feed(std::string_view piece) {
  Step step;
  if (stopped_) {
    step.stopped = true;
    return step;
  }
  held_.append(piece);
  const std::string_view text = held_;

  // The first stop string to complete. held_ never contains a complete stop string before this
  // call, so every match ends inside the new piece.
  size_t best_end = std::string_view::npos;
  size_t best_start = 0;
  int best = -1;
  for (size_t s = 0; s < stops_.size(); ++s) {
    const std::string& stop = stops_[s];
    if (stop.empty()) continue;
    const size_t pos = text.find(stop);
    if (pos == std::string_view::npos) continue;
    const size_t end = pos + stop.size();
    if (best < 0 || end < best_end || (end == best_end && pos < best_start)) {
      best = static_cast<int>(s);
      best_end = end;
      best_start = pos;
    }
  }
  if (best >= 0) {
    step.text.assign(text.substr(0, best_start));
    step.stopped = true;
    step.stop_index = best;
    stopped_ = true;
    held_.clear();
    return step;
  }

  // Hold back the longest tail that some stop string starts with (a proper prefix: a full match
  // was ruled out above). Checking every length, not just the longest candidate, matters for
  // self-overlapping stops such as "aab" after "aaa".
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    const size_t max_len = std::min(stop.size() - (stop.empty() ? 0 : 1), text.size());
    for (size_t len = max_len; len > hold; --len) {
      if (text.substr(text.size() - len) == std::string_view(stop).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  const size_t emit = utf8_complete_prefix(text.substr(0, text.size() - hold));
  step.text.assign(text.substr(0, emit));
  held_.erase(0, emit);
  return step;
}

std::string StopMatcher::flush() {
  std::string out;
  out.swap(held_);
  return out;
}

}  // namespace edgellm
