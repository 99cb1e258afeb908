// The LZF block format Redis uses for compressed strings in RDB files.
//
// A compressed block is a sequence of runs, each introduced by a control byte:
//   000lllll                      l+1 literal bytes follow
//   LLLooooo oooooooo             back-reference of L+2 bytes (L in 1..6)
//   111ooooo LLLLLLLL oooooooo    back-reference of L+9 bytes
// where the 13-bit o is the distance back from the current output position
// minus one. The compressor is Baton's own (a hash of 3-byte prefixes); any
// conforming decoder (Redis's lzf_decompress) reads its output.
#pragma once

#include <cstddef>
#include <cstdint>

namespace baton::persistence {

// Compresses `in` into `out` (capacity `out_cap`). Returns the compressed
// size, or 0 when the result would not fit in `out_cap` bytes.
size_t LzfCompress(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap);

// Decompresses `in` into `out` (capacity `out_cap`). Returns the number of
// bytes produced, or 0 when the input is malformed or the output would not
// fit. Never reads or writes out of bounds.
size_t LzfDecompress(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_cap);

}  // namespace baton::persistence
