// Output script descriptors (BIP380-386, multipath key expressions of BIP389).
//
// Supported script expressions and where they may appear:
//   pk(KEY)                       anywhere (x-only key inside tr())
//   pkh(KEY)                      top, sh(), wsh()
//   wpkh(KEY)                     top, sh()              compressed keys only
//   sh(SCRIPT)                    top
//   wsh(SCRIPT)                   top, sh()              compressed keys only below
//   multi / sortedmulti(k,KEY,..) top (<= 3 keys), sh() (script <= 520 bytes), wsh() (<= 20 keys)
//   multi_a / sortedmulti_a       tr() leaves (<= 999 keys)
//   combo(KEY)                    top: P2PK, P2PKH and, for compressed keys, P2WPKH, P2SH-P2WPKH
//   raw(HEX), addr(ADDR)          top
//   tr(KEY) / tr(KEY,TREE)        top; TREE = leaf script expression or {TREE,TREE}
//   MINISCRIPT                    wsh() and tr() leaves: any BIP379 expression (miniscript.h)
//                                 that is sane (type B, non-malleable, needs a signature, ...)
//
// KEY = ["[" fingerprint("/" step)* "]"] key, where key is a hex public key (66 chars
// compressed, 130 uncompressed, 64 x-only inside tr()), a WIF private key, or an
// xpub/xprv (the network's versions) followed by "/" steps, optionally one multipath
// step "<a;b;...>" and optionally a final "/*" or "/*'" (hardened wildcard, needs the
// private key). Hardened steps are written with ' or h.
//
// A descriptor may end in "#" and its 8-character BIP380 checksum.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bip32.h"
#include "common/key.h"
#include "common/miniscript.h"
#include "common/taproot.h"
#include "consensus/params.h"
#include "consensus/script.h"
#include "util/uint256.h"

namespace minicash {

// BIP380 checksum of `desc` (without any "#..." suffix): 8 characters, or "" when `desc`
// has a character outside the descriptor character set.
std::string descriptor_checksum(std::string_view desc);
// `desc` + "#" + checksum ("" when the checksum cannot be computed).
std::string add_descriptor_checksum(std::string_view desc);

// One public key used by an expanded descriptor, with where it comes from.
struct DerivedPubkey {
    Bytes pubkey;                      // as used in the script: 33, 65 or (under tr()) 32 bytes
    KeyOriginInfo origin;              // master fingerprint and full path (see expand())
    std::vector<uint256> leaf_hashes;  // tr(): leaves that use the key (empty for the internal key)
};

// A script written in Miniscript (a wsh() witness script or a tr() leaf), with its
// expression (for satisfaction sizes and the finalizer) and its keys.
struct MiniscriptScript {
    Script script;
    miniscript::NodeRef node;
    std::vector<Bytes> keys;  // key index -> the key as the script uses it (33, or 32 x-only)
};

// The output of a descriptor at one index.
struct ExpandedScript {
    Script script_pubkey;
    std::optional<Script> redeem_script;   // sh(): the P2SH redeem script
    std::optional<Script> witness_script;  // wsh(): the witness script
    std::optional<TaprootSpendData> taproot;
    std::vector<DerivedPubkey> pubkeys;         // every key, in descriptor order (deduplicated)
    std::vector<MiniscriptScript> miniscripts;  // the Miniscript witness script / leaves
};

namespace descriptor_detail {
struct Node;
}

class Descriptor {
public:
    // Parses `text` for network `params` (which fixes the WIF/xpub/address versions). On
    // failure returns nullopt and sets `*error` to an explanation naming the offending
    // expression. With `require_checksum`, a missing "#checksum" is an error; a present
    // one is always verified.
    [[nodiscard]] static std::optional<Descriptor> parse(std::string_view text, const ChainParams& params,
                                                         std::string* error = nullptr, bool require_checksum = false);

    // True when some key ends in /* (the descriptor describes a range of scripts).
    bool is_range() const;
    // True when the descriptor produces scripts with known spending conditions (not
    // raw() or addr()).
    bool is_solvable() const;
    // True when at least one key is private (WIF or xprv).
    bool has_private_keys() const;
    // Number of descriptors a multipath descriptor stands for (1 if it is not multipath).
    size_t multipath_count() const;
    bool is_multipath() const { return multipath_count() > 1; }
    // The single-path descriptors, one per multipath alternative (just *this if none).
    std::vector<Descriptor> split_multipath() const;

    // The canonical text with its checksum. Without `include_private`, private keys are
    // replaced by their public counterparts (WIF -> hex pubkey, xprv -> xpub, same path);
    // with it, they are kept (keys that are public stay public).
    std::string to_string(bool include_private = false) const;

    // The scripts at `index` (ignored for non-range descriptors; combo() gives up to 4).
    // Key origins: with "[fp/path]" the origin is fp and path + the steps after the key;
    // without, the fingerprint is that of the key itself (the extended key, or the hex
    // key's HASH160) and the path holds only the steps after it.
    // Fails (nullopt, `*error`) for a multipath descriptor, an index >= 2^31, hardened
    // derivation without the private key, or (probability 2^-127) an invalid child.
    [[nodiscard]] std::optional<std::vector<ExpandedScript>> expand(uint32_t index, std::string* error = nullptr) const;

    // The private keys usable for the scripts at `index`, each with its compressed (33 bytes;
    // 65 for uncompressed WIF keys) public key. Empty when the descriptor has none.
    std::vector<std::pair<Bytes, SecretKey>> private_keys(uint32_t index) const;

private:
    std::shared_ptr<const descriptor_detail::Node> root_;
};

}  // namespace minicash
