#include "common/descriptor_provider.h"

#include "common/script_solver.h"
#include "util/hash.h"

namespace minicash {
namespace {

XOnlyPubkey xonly_of(const Bytes& pubkey) {
    XOnlyPubkey x{};
    std::copy(pubkey.begin(), pubkey.end(), x.begin());
    return x;
}

}  // namespace

bool DescriptorProvider::add(const Descriptor& desc, uint32_t index, bool include_private, std::string* error) {
    auto expanded = desc.expand(index, error);
    if (!expanded) return false;
    for (ExpandedScript& e : *expanded) {
        for (const MiniscriptScript& ms : e.miniscripts) keys_.add_miniscript(ms);  // for the finalizer
        by_script_.emplace(e.script_pubkey, std::move(e));
    }
    if (include_private && desc.has_private_keys()) {
        keys_.add_descriptor(desc, index);
        has_private_ = true;
    }
    return true;
}

const ExpandedScript* DescriptorProvider::find(const Script& script_pubkey) const {
    auto it = by_script_.find(script_pubkey);
    return it == by_script_.end() ? nullptr : &it->second;
}

bool DescriptorProvider::is_segwit_output(const Script& script_pubkey) const {
    int version = 0;
    Bytes program;
    if (script_pubkey.is_witness_program(version, program)) return true;
    if (!script_pubkey.is_p2sh()) return false;
    const ExpandedScript* e = find(script_pubkey);
    return e && e->redeem_script && e->redeem_script->is_witness_program(version, program);
}

bool DescriptorProvider::witness_spend(const PsbtInput& in, const Script& script_pubkey) const {
    const ExpandedScript* e = find(script_pubkey);
    Script s = script_pubkey;
    if (script_pubkey.is_p2sh()) {
        const Hash160 h = hash160(in.redeem_script ? in.redeem_script->view() : ByteView());
        if (in.redeem_script && std::equal(h.begin(), h.end(), script_pubkey.bytes().begin() + 2)) {
            s = *in.redeem_script;
        } else if (e && e->redeem_script) {
            s = *e->redeem_script;
        } else {
            return false;
        }
    }
    std::vector<Bytes> sol;
    switch (solve(s, &sol)) {
    case TxoutType::WITNESS_V0_KEYHASH: return true;
    case TxoutType::WITNESS_V0_SCRIPTHASH:
        return (in.witness_script && sha256(in.witness_script->bytes()) == uint256(sol[0])) || (e && e->witness_script);
    case TxoutType::WITNESS_V1_TAPROOT: return !script_pubkey.is_p2sh();
    default: return false;
    }
}

void DescriptorProvider::update_input(PsbtInput& in, const Script& script_pubkey, bool include_origins) const {
    const ExpandedScript* e = find(script_pubkey);
    if (!e) return;
    if (e->redeem_script) in.redeem_script = e->redeem_script;
    if (e->witness_script) in.witness_script = e->witness_script;
    if (e->taproot) {
        in.tap_internal_key = e->taproot->internal_key;
        if (e->taproot->merkle_root) in.tap_merkle_root = e->taproot->merkle_root;
        for (const TaprootSpendData::Leaf& l : e->taproot->leaves)
            in.tap_scripts[{l.script, l.leaf_version}].insert(l.control_block);
    }
    if (!include_origins) return;
    for (const DerivedPubkey& k : e->pubkeys) {
        if (k.pubkey.size() == 32) {
            TapKeyOrigin& t = in.tap_bip32_derivs[xonly_of(k.pubkey)];
            t.origin = k.origin;
            t.leaf_hashes.insert(k.leaf_hashes.begin(), k.leaf_hashes.end());
        } else {
            in.bip32_derivs[k.pubkey] = k.origin;
        }
    }
}

void DescriptorProvider::update_output(PsbtOutput& out, const Script& script_pubkey, bool include_origins) const {
    const ExpandedScript* e = find(script_pubkey);
    if (!e) return;
    if (e->redeem_script) out.redeem_script = e->redeem_script;
    if (e->witness_script) out.witness_script = e->witness_script;
    if (e->taproot) {
        out.tap_internal_key = e->taproot->internal_key;
        if (!e->taproot->leaves.empty()) {
            out.tap_tree.clear();
            for (const TaprootSpendData::Leaf& l : e->taproot->leaves)
                out.tap_tree.push_back(TapTreeLeaf{uint8_t(l.depth), l.leaf_version, l.script});
        }
    }
    if (!include_origins) return;
    for (const DerivedPubkey& k : e->pubkeys) {
        if (k.pubkey.size() == 32) {
            TapKeyOrigin& t = out.tap_bip32_derivs[xonly_of(k.pubkey)];
            t.origin = k.origin;
            t.leaf_hashes.insert(k.leaf_hashes.begin(), k.leaf_hashes.end());
        } else {
            out.bip32_derivs[k.pubkey] = k.origin;
        }
    }
}

}  // namespace minicash
