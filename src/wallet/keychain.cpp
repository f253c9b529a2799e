#include "wallet/keychain.h"

#include <openssl/crypto.h>

#include "common/address.h"
#include "common/bip32.h"
#include "util/hex.h"

namespace minicash::wallet {

namespace {

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

std::string fingerprint_hex(const Fingerprint& fp) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : fp) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// Parses and wipes `text` (it may hold a private key).
std::optional<Descriptor> parse_secret(std::string& text, const ChainParams& params, std::string* error) {
    auto d = Descriptor::parse(text, params, error);
    wipe(text);
    return d;
}

}  // namespace

std::optional<AddressType> infer_address_type(const Descriptor& desc) {
    auto expanded = desc.expand(0);
    if (!expanded || expanded->size() != 1) return std::nullopt;
    const ExpandedScript& e = expanded->front();
    auto dest = extract_destination(e.script_pubkey);
    if (!dest) return std::nullopt;
    if (std::holds_alternative<PKHashDest>(*dest)) return AddressType::LEGACY;
    if (std::holds_alternative<WitnessV0KeyHashDest>(*dest) || std::holds_alternative<WitnessV0ScriptHashDest>(*dest))
        return AddressType::BECH32;
    if (std::holds_alternative<WitnessV1TaprootDest>(*dest)) return AddressType::BECH32M;
    if (std::holds_alternative<ScriptHashDest>(*dest)) {
        int v = 0;
        Bytes prog;
        if (e.redeem_script && e.redeem_script->is_witness_program(v, prog)) return AddressType::P2SH_SEGWIT;
    }
    return std::nullopt;
}

std::optional<std::vector<DescriptorSpec>> descriptors_from_seed(ByteView seed, const ChainParams& params,
                                                                 std::string* error) {
    auto master = ExtPrivKey::from_seed(seed);
    if (!master) {
        if (error) *error = "the seed does not give a valid master key";
        return std::nullopt;
    }
    const uint32_t coin = params.network == Network::MAIN ? 0 : 1;
    const std::string fp = fingerprint_hex(master->fingerprint());
    struct Kind {
        uint32_t purpose;
        const char* open;
        const char* close;
        AddressType type;
    };
    // wpkh first: it is the default type.
    const Kind kinds[] = {{84, "wpkh(", ")", AddressType::BECH32},
                          {86, "tr(", ")", AddressType::BECH32M},
                          {49, "sh(wpkh(", "))", AddressType::P2SH_SEGWIT},
                          {44, "pkh(", ")", AddressType::LEGACY}};
    std::vector<DescriptorSpec> out;
    for (const Kind& k : kinds) {
        const std::vector<uint32_t> path = {k.purpose | kHardenedBit, coin | kHardenedBit, kHardenedBit};
        auto account = master->derive_path(path);
        if (!account) {
            if (error) *error = "key derivation failed";
            return std::nullopt;
        }
        std::string xprv = account->to_string(params);
        for (int chain = 0; chain < 2; ++chain) {
            std::string text = std::string(k.open) + "[" + fp + format_path_suffix(path, 'h') + "]" + xprv + "/" +
                               std::to_string(chain) + "/*" + k.close;
            auto d = parse_secret(text, params, error);
            if (!d) {
                wipe(xprv);
                return std::nullopt;
            }
            out.push_back(DescriptorSpec{std::move(*d), chain == 1, k.type});
        }
        wipe(xprv);
    }
    return out;
}

std::optional<std::vector<uint32_t>> multisig_account_path(AddressType type, Network network) {
    const uint32_t coin = (network == Network::MAIN ? 0 : 1) | kHardenedBit;
    switch (type) {
    case AddressType::BECH32: return std::vector<uint32_t>{48 | kHardenedBit, coin, kHardenedBit, 2 | kHardenedBit};
    case AddressType::P2SH_SEGWIT:
        return std::vector<uint32_t>{48 | kHardenedBit, coin, kHardenedBit, 1 | kHardenedBit};
    case AddressType::BECH32M: return std::vector<uint32_t>{87 | kHardenedBit, coin, kHardenedBit};
    case AddressType::LEGACY: return std::nullopt;
    }
    return std::nullopt;
}

SeedKeys keys_from_seed(ByteView seed, const ChainParams& params) {
    SeedKeys out;
    auto master = ExtPrivKey::from_seed(seed);
    if (!master) return out;
    for (AddressType t : {AddressType::BECH32, AddressType::P2SH_SEGWIT, AddressType::BECH32M}) {
        const std::vector<uint32_t> path = *multisig_account_path(t, params.network);
        if (auto k = master->derive_path(path))
            out.accounts.push_back(SigningAccount{{master->fingerprint(), path}, *k});
    }
    out.silent_payments = SilentPaymentAccount::from_seed(seed, params.network);
    return out;
}

std::optional<std::string> cosigner_key(const WalletState& state, AddressType type, std::string* error) {
    auto path = multisig_account_path(type, state.network);
    if (!path) {
        if (error) *error = "multisig keys exist for bech32, p2sh-segwit and bech32m only";
        return std::nullopt;
    }
    for (const SigningAccount& a : state.signing_accounts)
        if (a.origin.path == *path)
            return "[" + format_key_origin(a.origin) + "]" + a.key.neuter().to_string(state.params());
    if (error)
        *error = state.watch_only ? "a watch-only wallet has no keys to cosign with"
                                  : "this wallet has no multisig keys (it was made before they existed: restore it "
                                    "from its words to get them)";
    return std::nullopt;
}

std::optional<std::string> multisig_descriptor(int m, const std::vector<std::string>& keys, AddressType type,
                                               std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::string> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (keys.empty()) return fail("-cosigners lists no key");
    if (m < 1 || size_t(m) > keys.size())
        return fail("-multisig=" + std::to_string(m) + " needs between 1 and " + std::to_string(keys.size()) +
                    " (the number of keys)");
    const std::set<std::string> distinct(keys.begin(), keys.end());
    if (distinct.size() != keys.size()) return fail("a key appears twice in -cosigners");
    std::string list;
    for (const std::string& k : keys) {
        list += ",";
        list += k;
        if (k.find('*') == std::string::npos && k.find('<') == std::string::npos) list += "/<0;1>/*";
    }
    const std::string inner = "sortedmulti(" + std::to_string(m) + list + ")";
    switch (type) {
    case AddressType::BECH32: return "wsh(" + inner + ")";
    case AddressType::P2SH_SEGWIT: return "sh(wsh(" + inner + "))";
    case AddressType::BECH32M:
        return "tr(50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0,sortedmulti_a(" +
               std::to_string(m) + list + "))";
    case AddressType::LEGACY: break;
    }
    return fail("multisig wallets are bech32 (P2WSH), p2sh-segwit (P2SH-P2WSH) or bech32m (taproot)");
}

std::optional<std::vector<DescriptorSpec>> descriptors_from_watch(std::string_view text, const ChainParams& params,
                                                                  std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::vector<DescriptorSpec>> {
        if (error) *error = why;
        return std::nullopt;
    };
    std::vector<DescriptorSpec> out;
    if (text.find('(') == std::string_view::npos) {
        // An extended public key.
        const ExtKeyVersions accepted[] = {ext_key_versions(params), kZpubVersions, kYpubVersions, kVpubVersions,
                                           kUpubVersions};
        std::string why;
        auto key = decode_ext_key(text, accepted, &why);
        if (!key) return fail("invalid extended public key: " + why);
        if (key->is_private()) return fail("a watch-only wallet takes a public key, not a private one");
        const ExtPubKey& pub = std::get<ExtPubKey>(key->key);
        const bool nested = key->versions == kYpubVersions || key->versions == kUpubVersions;
        const std::string xpub = pub.to_string(params);
        for (int chain = 0; chain < 2; ++chain) {
            std::string d = nested ? "sh(wpkh(" + xpub + "/" + std::to_string(chain) + "/*))"
                                   : "wpkh(" + xpub + "/" + std::to_string(chain) + "/*)";
            auto parsed = Descriptor::parse(d, params, &why);
            if (!parsed) return fail("invalid descriptor: " + why);
            out.push_back(DescriptorSpec{*parsed, chain == 1, nested ? AddressType::P2SH_SEGWIT : AddressType::BECH32});
        }
        return out;
    }
    std::string why;
    auto desc = Descriptor::parse(text, params, &why);
    if (!desc) return fail("invalid descriptor: " + why);
    if (desc->has_private_keys()) return fail("a watch-only wallet takes a public descriptor (without private keys)");
    std::vector<Descriptor> parts = desc->split_multipath();
    if (parts.size() > 2) return fail("a multipath descriptor may have two paths (receive;change)");
    for (size_t i = 0; i < parts.size(); ++i) {
        auto type = infer_address_type(parts[i]);
        out.push_back(DescriptorSpec{parts[i], i == 1, type});
    }
    return out;
}

void add_keys_for_scripts(const WalletState& state, const std::vector<Script>& spent, KeyStore& keys) {
    for (const Script& s : spent)
        if (const ScriptOwner* o = state.owner_of(s)) {
            if (o->is_silent_payment()) {
                if (auto k = state.silent_payments->key_for(s)) keys.add_key(*k);
                continue;
            }
            const Descriptor& d = state.descriptors[o->descriptor].desc;
            if (d.has_private_keys()) {
                keys.add_descriptor(d, o->index);
            } else if (auto expanded = d.expand(o->index)) {
                // A cosigner's signatures may complete a Miniscript spend: the finalizer needs the expression.
                for (const ExpandedScript& e : *expanded)
                    for (const MiniscriptScript& ms : e.miniscripts) keys.add_miniscript(ms);
            }
        }
}

namespace {
// The index at which `desc` derives a key with `origin`, judged by the origin of its key
// at index 0 (same fingerprint and path except the last step).
std::optional<uint32_t> index_for_origin(const Descriptor& desc, const KeyOriginInfo& origin) {
    if (origin.path.empty() || (origin.path.back() & kHardenedBit)) return std::nullopt;
    auto expanded = desc.expand(0);
    if (!expanded) return std::nullopt;
    for (const ExpandedScript& e : *expanded)
        for (const DerivedPubkey& p : e.pubkeys) {
            if (p.origin.fingerprint != origin.fingerprint || p.origin.path.size() != origin.path.size()) continue;
            if (std::equal(p.origin.path.begin(), p.origin.path.end() - 1, origin.path.begin()))
                return origin.path.back();
        }
    return std::nullopt;
}
}  // namespace

namespace {

// The key of `account` at `origin`, when origin's fingerprint is the account's and its
// path continues the account's path.
std::optional<ExtPrivKey> account_key_for(const SigningAccount& account, const KeyOriginInfo& origin) {
    const std::vector<uint32_t>& base = account.origin.path;
    if (origin.fingerprint != account.origin.fingerprint || origin.path.size() < base.size() ||
        !std::equal(base.begin(), base.end(), origin.path.begin()))
        return std::nullopt;
    return account.key.derive_path(
        std::vector<uint32_t>(origin.path.begin() + ptrdiff_t(base.size()), origin.path.end()));
}

// Every (public key as listed, origin) of the PSBT's inputs.
std::vector<std::pair<Bytes, KeyOriginInfo>> psbt_derivations(const Psbt& psbt) {
    std::vector<std::pair<Bytes, KeyOriginInfo>> out;
    for (const PsbtInput& in : psbt.inputs) {
        for (const auto& [pub, origin] : in.bip32_derivs) out.emplace_back(pub, origin);
        for (const auto& [x, tap] : in.tap_bip32_derivs) out.emplace_back(Bytes(x.begin(), x.end()), tap.origin);
    }
    return out;
}

bool same_key(const Bytes& listed, const SecretKey& key) {
    if (listed.size() == 32) {
        const auto x = key.xonly_pubkey();
        return std::equal(x.begin(), x.end(), listed.begin());
    }
    return key.pubkey(listed.size() == 33) == listed;
}

}  // namespace

void add_keys_for_psbt(const WalletState& state, const Psbt& psbt, KeyStore& keys) {
    std::vector<Script> spent;
    for (size_t i = 0; i < psbt.inputs.size(); ++i)
        if (auto out = psbt.spent_output(i)) spent.push_back(out->script_pubkey);
    add_keys_for_scripts(state, spent, keys);
    const auto derivations = psbt_derivations(psbt);
    for (const WalletDescriptor& d : state.descriptors) {
        if (!d.desc.has_private_keys()) continue;
        std::set<uint32_t> done;
        for (const auto& [pub, origin] : derivations)
            if (auto index = index_for_origin(d.desc, origin); index && done.insert(*index).second)
                keys.add_descriptor(d.desc, *index);
    }
    for (const auto& [pub, origin] : derivations)
        for (const SigningAccount& a : state.signing_accounts)
            if (auto k = account_key_for(a, origin); k && same_key(pub, k->secret)) keys.add_key(k->secret);
}

std::set<Fingerprint> wallet_fingerprints(const WalletState& state) {
    std::set<Fingerprint> out;
    for (const SigningAccount& a : state.signing_accounts) out.insert(a.origin.fingerprint);
    for (const WalletDescriptor& d : state.descriptors) {
        if (!d.desc.has_private_keys()) continue;
        auto e = d.desc.expand(0);
        if (!e) continue;
        for (const ExpandedScript& x : *e)
            for (const DerivedPubkey& p : x.pubkeys) out.insert(p.origin.fingerprint);
    }
    return out;
}

std::vector<std::string> psbt_origin_mismatches(const WalletState& state, const Psbt& psbt) {
    std::vector<std::string> out;
    const std::set<Fingerprint> mine = wallet_fingerprints(state);
    for (const auto& [pub, origin] : psbt_derivations(psbt)) {
        if (!mine.count(origin.fingerprint)) continue;
        bool derivable = false, matches = false;
        for (const SigningAccount& a : state.signing_accounts)
            if (auto k = account_key_for(a, origin)) {
                derivable = true;
                matches = matches || same_key(pub, k->secret);
            }
        for (const WalletDescriptor& d : state.descriptors) {
            if (!d.desc.has_private_keys()) continue;
            if (auto index = index_for_origin(d.desc, origin)) {
                derivable = true;
                for (const auto& [dpub, key] : d.desc.private_keys(*index)) matches = matches || same_key(pub, key);
            }
        }
        if (matches) continue;
        const std::string where = "[" + format_key_origin(origin) + "]";
        out.push_back(derivable
                          ? "key origin " + where + " gives another key than the PSBT's " + hex_encode(pub) +
                                " (a PSBT of another wallet, or a wrong fingerprint)"
                          : "key origin " + where + " has this wallet's fingerprint but a path it has no key for");
    }
    return out;
}

namespace {
const ExpandedScript* find_expansion(const std::vector<ExpandedScript>& expanded, const Script& spk) {
    for (const ExpandedScript& e : expanded)
        if (e.script_pubkey == spk) return &e;
    return nullptr;
}
}  // namespace

void update_psbt(const WalletState& state, Psbt& psbt) {
    for (size_t i = 0; i < psbt.inputs.size() && i < psbt.tx.vin.size(); ++i) {
        PsbtInput& in = psbt.inputs[i];
        if (in.is_final()) continue;
        const OutPoint& prev = psbt.tx.vin[i].prevout;
        auto it = state.txs.find(prev.txid);
        if (it == state.txs.end() || prev.index >= it->second.tx.vout.size()) continue;
        const TxOut& out = it->second.tx.vout[prev.index];
        const ScriptOwner* owner = state.owner_of(out.script_pubkey);
        if (!owner) continue;
        if (owner->is_silent_payment()) {
            in.witness_utxo = out;  // a taproot output: the witness UTXO is enough
            continue;
        }
        auto expanded = state.descriptors[owner->descriptor].desc.expand(owner->index);
        if (!expanded) continue;
        const ExpandedScript* e = find_expansion(*expanded, out.script_pubkey);
        if (!e) continue;
        int version = 0;
        Bytes program;
        const bool segwit = out.script_pubkey.is_witness_program(version, program) ||
                            (e->redeem_script && e->redeem_script->is_witness_program(version, program));
        if (segwit) in.witness_utxo = out;
        if (!e->taproot) in.non_witness_utxo = it->second.tx;
        if (e->redeem_script) in.redeem_script = *e->redeem_script;
        if (e->witness_script) in.witness_script = *e->witness_script;
        if (e->taproot) {
            in.tap_internal_key = e->taproot->internal_key;
            if (e->taproot->merkle_root) in.tap_merkle_root = *e->taproot->merkle_root;
            // The leaves, so that a cosigner that only holds its key can sign a script path.
            for (const TaprootSpendData::Leaf& l : e->taproot->leaves)
                in.tap_scripts[{l.script, l.leaf_version}].insert(l.control_block);
            for (const DerivedPubkey& p : e->pubkeys) {
                if (p.pubkey.size() != 32) continue;
                XOnlyPubkey x{};
                std::copy(p.pubkey.begin(), p.pubkey.end(), x.begin());
                in.tap_bip32_derivs[x] =
                    TapKeyOrigin{std::set<uint256>(p.leaf_hashes.begin(), p.leaf_hashes.end()), p.origin};
            }
        } else {
            for (const DerivedPubkey& p : e->pubkeys) in.bip32_derivs[p.pubkey] = p.origin;
        }
    }
    for (size_t i = 0; i < psbt.outputs.size() && i < psbt.tx.vout.size(); ++i) {
        const Script& spk = psbt.tx.vout[i].script_pubkey;
        const ScriptOwner* owner = state.owner_of(spk);
        if (!owner || owner->is_silent_payment()) continue;
        auto expanded = state.descriptors[owner->descriptor].desc.expand(owner->index);
        if (!expanded) continue;
        const ExpandedScript* e = find_expansion(*expanded, spk);
        if (!e) continue;
        PsbtOutput& out = psbt.outputs[i];
        if (e->redeem_script) out.redeem_script = *e->redeem_script;
        if (e->witness_script) out.witness_script = *e->witness_script;
        if (e->taproot) {
            out.tap_internal_key = e->taproot->internal_key;
            for (const DerivedPubkey& p : e->pubkeys) {
                if (p.pubkey.size() != 32) continue;
                XOnlyPubkey x{};
                std::copy(p.pubkey.begin(), p.pubkey.end(), x.begin());
                out.tap_bip32_derivs[x] =
                    TapKeyOrigin{std::set<uint256>(p.leaf_hashes.begin(), p.leaf_hashes.end()), p.origin};
            }
        } else {
            for (const DerivedPubkey& p : e->pubkeys) out.bip32_derivs[p.pubkey] = p.origin;
        }
    }
}

std::optional<WalletState> new_wallet_state(Network network, int birthday, const std::vector<DescriptorSpec>& specs,
                                            bool watch_only, std::string* error) {
    WalletState s;
    s.network = network;
    s.birthday = birthday;
    s.synced_height = birthday - 1;
    s.watch_only = watch_only;
    for (const DescriptorSpec& spec : specs)
        if (!s.add_descriptor(spec.desc, spec.internal, spec.type, error)) return std::nullopt;
    return s;
}

std::optional<size_t> import_descriptor(WalletState& state, const Descriptor& desc, bool internal, std::string* error) {
    if (state.watch_only && desc.has_private_keys()) {
        if (error) *error = "this wallet is watch-only: import the public descriptor";
        return std::nullopt;
    }
    std::vector<Descriptor> parts = desc.split_multipath();
    if (parts.size() > 2) {
        if (error) *error = "a multipath descriptor may have two paths (receive;change)";
        return std::nullopt;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
        const bool is_internal = parts.size() == 2 ? i == 1 : internal;
        std::optional<AddressType> type = infer_address_type(parts[i]);
        // Only becomes the active one for its type when there is none yet.
        if (type) {
            for (const WalletDescriptor& d : state.descriptors)
                if (d.type == type && d.internal == is_internal) type.reset();
        }
        if (!state.add_descriptor(parts[i], is_internal, parts[i].is_range() ? type : std::nullopt, error))
            return std::nullopt;
    }
    // Past blocks may pay the new scripts: rescan from the birthday on the next sync.
    state.block_hashes.clear();
    return parts.size();
}

}  // namespace minicash::wallet
