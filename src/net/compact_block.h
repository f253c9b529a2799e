// BIP152 compact blocks, version 2 (witness transactions, short ids of wtxids): the
// three messages (cmpctblock, getblocktxn, blocktxn), short transaction ids, and the
// reconstruction of a block from a compact block plus the transactions a node already
// has (its mempool and a small pool of extra transactions).
//
// Short id (BIP152): SipHash-2-4 keyed with the first two little-endian 64-bit words of
// SHA-256(block header || nonce), over the wtxid, truncated to its low 6 bytes.
//
// Decoders take untrusted bytes: counts are bounded by what the payload can hold (no
// allocation from a claimed length), and transaction indexes are differentially encoded
// and must stay within 16 bits, as Core checks. Reconstruction statuses follow Core's
// PartiallyDownloadedBlock: INVALID means the peer broke the protocol (punish), FAILED
// means reconstruction did not work out (short-id collision, merkle mismatch): fall back
// to the full block.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "consensus/block.h"
#include "consensus/transaction.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash::net {

inline constexpr uint64_t kCompactBlocksVersion = 2;  // CMPCTBLOCKS_VERSION (wtxid short ids)
inline constexpr size_t kShortIdSize = 6;
// Short ids + prefilled transactions a compact block may claim: one per minimal
// transaction in a block of maximum weight (MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT).
inline constexpr size_t kMaxCompactBlockTxs = kMaxBlockWeight / 40;

struct PrefilledTx {
    uint16_t index = 0;  // absolute position in the block (differential on the wire)
    Transaction tx;
};

struct CompactBlockMsg {
    BlockHeader header;
    uint64_t nonce = 0;
    std::vector<uint64_t> short_ids;  // 48-bit values
    std::vector<PrefilledTx> prefilled;

    uint256 hash() const { return header.hash(); }
    size_t tx_count() const { return short_ids.size() + prefilled.size(); }
};

struct BlockTxnRequest {  // getblocktxn
    uint256 block_hash;
    std::vector<uint16_t> indexes;  // absolute, strictly increasing
};

struct BlockTxnMsg {  // blocktxn
    uint256 block_hash;
    std::vector<Transaction> txs;
};

// The SipHash key of a compact block, and a transaction's short id under it.
struct ShortIdKey {
    uint64_t k0 = 0, k1 = 0;
};
ShortIdKey short_id_key(const BlockHeader& header, uint64_t nonce);
uint64_t short_id(const ShortIdKey& key, const uint256& wtxid);

// A compact block of `block`: the coinbase prefilled, every other transaction by short id.
CompactBlockMsg make_compact_block(const Block& block, uint64_t nonce);

std::optional<CompactBlockMsg> decode_cmpctblock(ByteView payload, std::string* error = nullptr);
std::optional<BlockTxnRequest> decode_getblocktxn(ByteView payload, std::string* error = nullptr);
std::optional<BlockTxnMsg> decode_blocktxn(ByteView payload, std::string* error = nullptr);
Bytes encode_cmpctblock(const CompactBlockMsg& m);
Bytes encode_getblocktxn(const BlockTxnRequest& m);  // REQUIRES: indexes strictly increasing
Bytes encode_blocktxn(const BlockTxnMsg& m);

// A block being rebuilt from a compact block.
class PartialBlock {
public:
    enum class Status { OK, INVALID, FAILED };
    using TxRef = std::shared_ptr<const Transaction>;

    // Places the prefilled transactions and the candidates (mempool first, then the extra
    // pool; each with its wtxid) whose short id matches. Two candidates matching one
    // short id leave that slot to be requested. INVALID: the compact block is malformed
    // (no transactions, too many, a prefilled index out of range); FAILED: two short ids
    // of the block are equal (Core then fetches the full block).
    Status init(const CompactBlockMsg& msg, const std::vector<std::pair<uint256, TxRef>>& mempool,
                const std::vector<std::pair<uint256, TxRef>>& extra);

    // Positions still missing (for getblocktxn), increasing.
    std::vector<uint16_t> missing() const;
    bool complete() const { return missing_count_ == 0; }

    // The block with `txs` filling the missing positions in order. INVALID: not exactly
    // as many transactions as were missing; FAILED: the merkle root does not match (a
    // short-id collision put a wrong transaction in), fetch the full block.
    Status fill(const std::vector<Transaction>& txs, Block& out) const;

    const uint256& hash() const { return hash_; }
    size_t prefilled_count() const { return prefilled_count_; }
    size_t mempool_count() const { return mempool_count_; }
    size_t extra_count() const { return extra_count_; }

private:
    uint256 hash_;
    BlockHeader header_;
    std::vector<TxRef> txs_;  // null where missing
    size_t missing_count_ = 0, prefilled_count_ = 0, mempool_count_ = 0, extra_count_ = 0;
};

}  // namespace minicash::net
