// BIP158 compact block filters: the "basic" filter type (Golomb-coded set, P=19,
// M=784931), its element set, filter hashes and the filter header chain.
//
// A filter is an ordered set of N 64-bit values, each an element's SipHash-2-4 (key =
// the first 16 bytes of the block hash in internal byte order) mapped into [0, N*M).
// It is serialized as CompactSize(N) followed by the Golomb-Rice coded deltas of the
// sorted values, written most significant bit first and zero-padded to a whole byte.
// A match is certain for members; a non-member matches with probability about 1/M.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/block.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

// Filter type numbers as in BIP157 messages (only "basic" is defined).
inline constexpr uint8_t kBasicFilterType = 0;

class BasicBlockFilter {
public:
    static constexpr int kP = 19;
    static constexpr uint64_t kM = 784931;

    BasicBlockFilter() = default;  // the empty filter of a null block hash

    // Builds from the element set (duplicates and empty elements are dropped).
    static BasicBlockFilter build(const uint256& block_hash, const std::vector<Bytes>& elements);
    // Parses a serialized filter (CompactSize N + Golomb-Rice bits). nullopt when
    // malformed: bad CompactSize, N >= 2^32, bits running out before N values, or a
    // whole byte left over after them (padding bits are not checked, as in Core).
    [[nodiscard]] static std::optional<BasicBlockFilter> decode(const uint256& block_hash, ByteView encoded);

    const uint256& block_hash() const { return block_hash_; }
    const Bytes& encoded() const { return encoded_; }
    uint32_t element_count() const { return n_; }
    uint256 filter_hash() const;                       // SHA256d(encoded)
    uint256 header(const uint256& prev_header) const;  // SHA256d(filter_hash || prev_header)

    bool match(ByteView element) const;
    // True when any element matches; hashes and sorts the query once, then walks the
    // filter in one merge pass.
    bool match_any(const std::vector<Bytes>& elements) const;

private:
    uint64_t hash_to_range(ByteView element) const;  // REQUIRES: n_ > 0
    bool match_sorted(const std::vector<uint64_t>& sorted_queries) const;

    uint256 block_hash_;
    uint32_t n_ = 0;
    uint64_t k0_ = 0, k1_ = 0;  // SipHash key halves
    Bytes encoded_{0x00};       // CompactSize(0): the empty filter
};

// BIP158 basic element set: every output scriptPubKey of the block except empty ones and
// OP_RETURN ones, plus the scriptPubKey of every output spent by the block's non-coinbase
// inputs (`spent` in input order, as block undo data holds them), empty ones excluded.
// Duplicates are left in (build() drops them).
std::vector<Bytes> basic_filter_elements(const Block& block, const std::vector<TxOut>& spent);

}  // namespace minicash
