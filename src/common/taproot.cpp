#include "common/taproot.h"

#include "consensus/interpreter.h"
#include "consensus/pubkey.h"
#include "util/hash.h"

namespace minicash {

Script TaprootSpendData::script_pubkey() const {
    Script s;
    s.push_op(OP_1).push_data(output_key);
    return s;
}

uint256 taproot_tweak(const XOnlyPubkey& internal_key, const std::optional<uint256>& merkle_root) {
    HashWriter w = HashWriter::tagged("TapTweak");
    w.write(internal_key);
    if (merkle_root) w.write_hash(*merkle_root);
    return w.sha256();
}

TaprootBuilder& TaprootBuilder::add_leaf(int depth, Script script, uint8_t leaf_version) {
    if (depth < 0 || depth > static_cast<int>(kTaprootControlMaxNodeCount) || (leaf_version & 1) != 0) {
        valid_ = false;
    }
    // A tree already complete cannot take more leaves.
    if (!open_.empty() && open_.size() == 1 && open_[0] == 0) valid_ = false;
    if (valid_) {
        // Merge equal-depth neighbours, as a finished left sibling waits for its right one.
        int d = depth;
        while (!open_.empty() && open_.back() == d) {
            if (d == 0) {
                valid_ = false;
                break;
            }
            open_.pop_back();
            --d;
        }
        // Open subtrees must get deeper from left to right: a subtree shallower than the
        // one on its left could never become that one's sibling.
        if (valid_ && !open_.empty() && open_.back() > d) valid_ = false;
        if (valid_) open_.push_back(d);
    }
    leaves_.push_back({depth, std::move(script), leaf_version});
    return *this;
}

bool TaprootBuilder::complete() const { return valid_ && (leaves_.empty() || (open_.size() == 1 && open_[0] == 0)); }

std::optional<TaprootSpendData> TaprootBuilder::finalize(const XOnlyPubkey& internal_key, std::string* error) const {
    auto fail = [&](const std::string& msg) -> std::optional<TaprootSpendData> {
        if (error) *error = msg;
        return std::nullopt;
    };
    if (!complete()) return fail("taproot script tree is incomplete or malformed (leaf depths do not form a tree)");
    TaprootSpendData out;
    out.internal_key = internal_key;

    // Combine nodes bottom-up with a stack; each node remembers the leaves below it so
    // the sibling hash can be appended to their merkle paths.
    struct Node {
        uint256 hash;
        int depth;
        std::vector<size_t> leaves;
    };
    std::vector<Node> stack;
    std::vector<Bytes> paths(leaves_.size());
    for (size_t i = 0; i < leaves_.size(); ++i) {
        const Pending& p = leaves_[i];
        Node n{tapleaf_hash(p.leaf_version, p.script), p.depth, {i}};
        while (!stack.empty() && stack.back().depth == n.depth) {
            Node left = std::move(stack.back());
            stack.pop_back();
            for (size_t l : left.leaves) append(paths[l], n.hash.view());
            for (size_t l : n.leaves) append(paths[l], left.hash.view());
            Node parent{tapbranch_hash(left.hash, n.hash), n.depth - 1, std::move(left.leaves)};
            parent.leaves.insert(parent.leaves.end(), n.leaves.begin(), n.leaves.end());
            n = std::move(parent);
        }
        stack.push_back(std::move(n));
    }
    if (!leaves_.empty()) out.merkle_root = stack.front().hash;

    const uint256 tweak = taproot_tweak(internal_key, out.merkle_root);
    const auto tweaked = taproot_tweak_pubkey(internal_key, tweak);
    if (!tweaked) return fail("invalid taproot internal key");
    std::copy(tweaked->first.begin(), tweaked->first.end(), out.output_key.begin());
    out.output_parity = tweaked->second;

    for (size_t i = 0; i < leaves_.size(); ++i) {
        TaprootSpendData::Leaf leaf;
        leaf.script = leaves_[i].script;
        leaf.leaf_version = leaves_[i].leaf_version;
        leaf.depth = leaves_[i].depth;
        leaf.leaf_hash = tapleaf_hash(leaf.leaf_version, leaf.script);
        leaf.control_block.push_back(static_cast<uint8_t>(leaf.leaf_version | (out.output_parity ? 1 : 0)));
        append(leaf.control_block, internal_key);
        append(leaf.control_block, paths[i]);
        out.leaves.push_back(std::move(leaf));
    }
    return out;
}

}  // namespace minicash
