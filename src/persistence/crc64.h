// CRC-64/Jones (reflected polynomial 0xad93d23594c935a9, init 0, no final
// xor): the checksum Redis appends to RDB files and DUMP payloads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace baton::persistence {

// Continues a checksum over `len` more bytes (start with crc = 0).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace baton::persistence
