// A synthetic vocabulary of exactly a preset's n_vocab tokens, of the preset's tokenizer kind, so
// that a random-weight model loads and tokenizes like the real one (same vocabulary size, same
// special token ids, same tokenizer algorithm), though the pieces themselves are made up:
//
//   - SPM ("llama"): the special tokens at their real ids, the 256 <0xNN> byte tokens, U+2581,
//     then lowercase pieces "a", "\u2581a", "aa", ... scored so that longer pieces merge.
//   - BPE ("gpt2"): the 256 byte-level symbols, then lowercase words "Ġa", "ab", "Ġab", ... each
//     built by one merge from a shorter token, and the special tokens at their real ids.
//
// Deterministic (no seed): the same preset always gives the same vocabulary.
#pragma once

#include "gguf/writer.h"
#include "synth/presets.h"

namespace edgellm::synth {

// Sets the tokenizer.ggml.* keys (model, pre, tokens, scores, token_type, merges, special ids and
// add_bos / add_eos flags) on `writer`.
void add_synthetic_vocab(const Preset& preset, gguf::Writer& writer);

}  // namespace edgellm::synth
