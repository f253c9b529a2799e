// SipHash-2-4 with a 128-bit key and 64-bit output (BIP152 short ids, BIP158 filters),
// computed by OpenSSL's SIPHASH MAC.
#pragma once

#include <cstdint>

#include "util/bytes.h"

namespace minicash {

// k0 and k1 are the two little-endian halves of the 16-byte key.
uint64_t siphash24(uint64_t k0, uint64_t k1, ByteView data);

}  // namespace minicash
