// An open-addressing hash index from strings to ids, for the tokenizers' hot lookups (is this
// text a token? which id does this merge part have?). The strings themselves live elsewhere; the
// index keeps views into them, so their storage must outlive it and never move.
//
// Lookups are read-only and safe from many threads; inserting is not.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace edgellm::tokenizer {

class StringIndex {
 public:
  static uint64_t hash(std::string_view s) {
    // FNV-1a over the bytes, then a final mix so that the low bits (the slot) depend on all of
    // them. Token texts are short, so this beats a general-purpose hash.
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
  }

  // Sizes the table for about `n` entries (call before inserting).
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    entries_.reserve(n);
  }

  // Maps `key` to `id`, replacing the id if `key` is present. Returns true if it was new.
  bool insert_or_assign(std::string_view key, int32_t id) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const uint64_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.entry < 0) {
        s.entry = static_cast<int32_t>(entries_.size());
        s.hash32 = static_cast<uint32_t>(h >> 32);
        entries_.push_back(Entry{key, id});
        return true;
      }
      if (s.hash32 == static_cast<uint32_t>(h >> 32) && entries_[static_cast<size_t>(s.entry)].key == key) {
        entries_[static_cast<size_t>(s.entry)].id = id;
        return false;
      }
    }
  }

  // The id of `key`, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash(key);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry < 0) return -1;
      if (s.hash32 == tag) {
        const Entry& e = entries_[static_cast<size_t>(s.entry)];
        if (e.key == key) return e.id;
      }
    }
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Slot {
    int32_t entry = -1;
    uint32_t hash32 = 0;
  };
  struct Entry {
    std::string_view key;
    int32_t id;
  };

  void grow() {
    std::vector<Entry> entries = std::move(entries_);
    reserve(slots_.empty() ? 8 : slots_.size());
    for (const Entry& e : entries) insert_or_assign(e.key, e.id);
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
};

}  // namespace edgellm::tokenizer
