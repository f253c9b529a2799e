// Block headers and blocks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consensus/transaction.h"

namespace minicash {

inline constexpr size_t kBlockHeaderSize = 80;
inline constexpr size_t kMaxBlockWeight = 4000000;
inline constexpr int kWitnessScaleFactor = 4;
inline constexpr int64_t kMaxBlockSigopsCost = 80000;

struct BlockHeader {
    int32_t version = 0;
    uint256 prev_block;
    uint256 merkle_root;
    uint32_t time = 0;
    uint32_t bits = 0;
    uint32_t nonce = 0;

    static BlockHeader read(Reader& r);
    [[nodiscard]] static std::optional<BlockHeader> decode(ByteView bytes, std::string* error = nullptr);
    void write(Writer& w) const;
    Bytes serialize() const;
    uint256 hash() const;  // double SHA-256 of the 80 bytes

    friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Block {
    BlockHeader header;
    std::vector<Transaction> txs;

    static Block read(Reader& r);
    // Decodes exactly the bytes given (trailing data is an error).
    [[nodiscard]] static std::optional<Block> decode(ByteView bytes, std::string* error = nullptr);
    void write(Writer& w, bool with_witness = true) const;
    Bytes serialize(bool with_witness = true) const;
    uint256 hash() const { return header.hash(); }
    size_t weight() const;
};

}  // namespace minicash
