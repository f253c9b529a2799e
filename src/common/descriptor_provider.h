// What a set of expanded output descriptors knows about the scripts it produces (Bitcoin
// Core's FlatSigningProvider filled from descriptors): per output script, its redeem and
// witness scripts, taproot spend data and the origins of its keys; and, when asked, the
// descriptors' private keys. It is the BIP174 Updater of utxoupdatepsbt and
// descriptorprocesspsbt, and the key store they sign with.
#pragma once

#include <map>

#include "common/descriptor.h"
#include "common/psbt.h"
#include "common/signer.h"

namespace minicash {

class DescriptorProvider {
public:
    // Adds what `desc` gives at `index`; with `include_private`, its private keys as well.
    // Returns false (with `*error`) when the descriptor cannot be expanded at `index`.
    [[nodiscard]] bool add(const Descriptor& desc, uint32_t index, bool include_private, std::string* error = nullptr);

    // The expansion that produces `script_pubkey`, or nullptr.
    const ExpandedScript* find(const Script& script_pubkey) const;
    // Core's IsSegWitOutput: a witness program, or P2SH of a known witness program.
    bool is_segwit_output(const Script& script_pubkey) const;
    // True when a spend of `utxo` (with what `in` and the provider know) is a witness
    // spend, the case where Core's signer records the witness UTXO: P2WPKH, P2WSH with a
    // known witness script, either inside a known P2SH, or P2TR.
    bool witness_spend(const PsbtInput& in, const Script& script_pubkey) const;

    // Fills input `in`, which spends `utxo`: redeem and witness scripts, taproot internal
    // key, merkle root and leaf scripts with their control blocks, and (with
    // `include_origins`) the BIP32 derivations of the keys involved.
    void update_input(PsbtInput& in, const Script& script_pubkey, bool include_origins) const;
    // Fills output `out` paying `script_pubkey`: redeem and witness scripts, taproot
    // internal key and tree, and (with `include_origins`) key derivations.
    void update_output(PsbtOutput& out, const Script& script_pubkey, bool include_origins) const;

    // The private keys (when asked) and the Miniscript expressions of the descriptors.
    const KeyStore& keys() const { return keys_; }
    bool has_private_keys() const { return has_private_; }

private:
    std::map<Script, ExpandedScript> by_script_;
    KeyStore keys_;
    bool has_private_ = false;
};

}  // namespace minicash
