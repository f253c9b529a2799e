// A wallet's silent payment keys (BIP352) and what it found with them: the scan and
// spend keys derived from the seed as the BIP says (m/352'/coin'/0'/1'/0 and
// m/352'/coin'/0'/0'/0), the labels handed out (m = 0 is the change label, never given
// to anyone), and the outputs found, each with the tweak that makes its spending key.
//
// Scanning starts once the wallet hands out its first silent payment address (or on a
// restore asked to look for them): until then a sync costs nothing extra.
#pragma once

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/silent_payments.h"
#include "consensus/params.h"

namespace minicash::wallet {

// A found output: its spending key is b_spend + tweak.
struct SilentPaymentOutput {
    uint256 tweak;                  // t_k, plus the label's tweak for a labelled output
    std::optional<uint32_t> label;  // m
};

class SilentPaymentAccount {
public:
    SecretKey scan;
    SecretKey spend;
    uint32_t next_label = 1;  // labels 1 .. next_label - 1 have been handed out
    bool active = false;      // scanning is on
    int scan_from = 0;        // first block scanned
    std::map<Script, SilentPaymentOutput> outputs;

    // The keys of the BIP's derivation from a BIP32 seed. nullopt if derivation fails.
    static std::optional<SilentPaymentAccount> from_seed(ByteView seed, Network network);

    sp::PubKey scan_pubkey() const;
    sp::PubKey spend_pubkey() const;
    // The address, or the labelled one for label m.
    sp::Address address(std::optional<uint32_t> label = std::nullopt) const;
    // Every label in use, the change label included.
    sp::LabelPoints label_points() const;

    // The outputs of `tx` that pay this account, given the transaction's tweak data.
    std::vector<sp::FoundOutput> find(const Transaction& tx, const sp::PubKey& tweak) const;
    // The candidate P2TR scripts of k = 0 (with every label) for a tweak: what a block
    // filter is asked about.
    std::vector<Script> candidate_scripts(const sp::PubKey& tweak) const;
    // The output's script and what spends it.
    static Script output_script(const XOnlyPubkey& key);
    std::optional<SilentPaymentOutput> to_record(const sp::FoundOutput& f) const;
    // The private key spending `script`, if it is a found output.
    std::optional<SecretKey> key_for(const Script& script) const;

    boost::json::object to_json() const;
    static std::optional<SilentPaymentAccount> from_json(const boost::json::object& o, std::string* error);
};

}  // namespace minicash::wallet
