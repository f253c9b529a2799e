// Building taproot outputs (BIP341): a script tree given as leaves with their depths in
// depth-first order, its merkle root, the tweaked output key and one control block per
// leaf. Used by descriptors (tr()), PSBT and the signer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/script.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

using XOnlyPubkey = std::array<uint8_t, 32>;

// Everything needed to spend a taproot output by key path or by any of its leaves.
struct TaprootSpendData {
    XOnlyPubkey internal_key{};
    std::optional<uint256> merkle_root;  // nullopt: no script tree
    XOnlyPubkey output_key{};
    bool output_parity = false;  // parity of the output key's Y coordinate

    struct Leaf {
        Script script;
        uint8_t leaf_version = 0xc0;
        int depth = 0;
        uint256 leaf_hash;
        Bytes control_block;  // (leaf_version | parity) || internal key || merkle path
    };
    std::vector<Leaf> leaves;  // depth-first order

    // OP_1 <output key>.
    Script script_pubkey() const;
};

// The BIP341 tweak: TapTweak(internal_key || merkle_root), or TapTweak(internal_key)
// without a tree.
uint256 taproot_tweak(const XOnlyPubkey& internal_key, const std::optional<uint256>& merkle_root);

// Collects leaves in depth-first order and builds the tree. Depths must describe a full
// binary tree: e.g. {1,1}, {1,2,2}, {2,2,1}; a single leaf has depth 0.
class TaprootBuilder {
public:
    // REQUIRES: leaf_version is even (its low bit is the parity slot in control blocks).
    TaprootBuilder& add_leaf(int depth, Script script, uint8_t leaf_version = 0xc0);

    // True when the depths so far can still be completed into a tree (no depth above 128,
    // no leaf that could never get a sibling).
    bool valid() const { return valid_; }
    // True when the leaves form a complete tree (or there are none).
    bool complete() const;

    // Builds the output for `internal_key`. nullopt (with `*error`) when the tree is
    // incomplete or the internal key is not a valid x-only key.
    [[nodiscard]] std::optional<TaprootSpendData> finalize(const XOnlyPubkey& internal_key,
                                                           std::string* error = nullptr) const;

private:
    struct Pending {
        int depth;
        Script script;
        uint8_t leaf_version;
    };
    std::vector<Pending> leaves_;
    // Depths of the subtrees not yet combined, as they would be on a stack.
    std::vector<int> open_;
    bool valid_ = true;
};

}  // namespace minicash
