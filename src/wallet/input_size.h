// The size of an input once it is satisfied, computed from what a descriptor expands to
// (scriptPubKey, redeem script, witness script, taproot tree), so that fee rates hold for
// every script the descriptors express: pk, pkh, wpkh, sh(wpkh), multi / sortedmulti bare,
// under sh(), wsh() and sh(wsh()), pk/pkh under sh() and wsh(), tr() by key path or by
// a pk or multi_a / sortedmulti_a leaf, and Miniscript under wsh() and in tr() leaves
// (its largest satisfaction, miniscript::max_satisfaction; a Miniscript leaf counts as
// satisfiable by the wallet when it holds any of the leaf's keys).
//
// Sizes are the largest the wallet's signer produces: ECDSA signatures of 71 bytes with
// their hash type (low R, signer.h's default; 72 without), BIP340 signatures of 64 bytes
// (SIGHASH_DEFAULT). A multisig input carries exactly m signatures (the finalizer drops
// any extra ones), and a multi_a leaf n stack items of which m are signatures.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/descriptor.h"
#include "wallet/coin_selection.h"

namespace minicash::wallet {

struct SatisfactionOptions {
    bool low_r = true;
    // A taproot output is spent by its key path (one 64-byte signature) when true; by a
    // leaf when false: the smallest leaf that `held_keys` can satisfy (the finalizer's
    // choice when this wallet signs), else the largest leaf (another signer's choice is
    // unknown, so the fee covers any). See taproot_key_path_expected().
    bool taproot_key_path = true;
    std::vector<XOnlyPubkey> held_keys;
};

// The signed size of an input spending `e.script_pubkey`, or nullopt when a script in
// it has no known satisfaction (raw scripts, hash locks, unknown leaves).
std::optional<InputSize> satisfied_input_size(const ExpandedScript& e, const SatisfactionOptions& options = {});

// Whether the wallet expects to spend a taproot output by its key path: always without
// a script tree; with one, only when `desc` holds the internal key's private key (a tree
// whose internal key nobody in the wallet holds, e.g. the NUMS point of a multi_a
// policy, is spent by a leaf).
bool taproot_key_path_expected(const Descriptor& desc, uint32_t index, const ExpandedScript& e);

// satisfied_input_size for the script `desc` gives at `index` that equals `script_pubkey`
// (with the key path judged by taproot_key_path_expected); nullopt when there is none.
std::optional<InputSize> descriptor_input_size(const Descriptor& desc, uint32_t index, const Script& script_pubkey,
                                               bool low_r = true);

}  // namespace minicash::wallet
