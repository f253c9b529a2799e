// PSBT parsing, serialization, combining, finalizing and extraction (BIP174, BIP371).
//
// Records are written in a fixed order per map (the order Bitcoin Core uses), with
// proprietary and unknown records last, so that PSBTs made by Core round-trip byte for
// byte.
#include "common/psbt.h"

#include <algorithm>
#include <memory>

#include "common/base64.h"
#include "common/descriptor.h"
#include "common/key.h"
#include "common/miniscript_from_script.h"
#include "common/miniscript_satisfier.h"
#include "consensus/interpreter.h"
#include "consensus/pubkey.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "util/hash.h"

namespace minicash {
namespace {

constexpr uint8_t kMagic[5] = {0x70, 0x73, 0x62, 0x74, 0xff};

// ---------------------------------------------------------------------------------------
// Small (de)serialization helpers

struct Record {
    uint64_t type;
    Bytes key;      // full key: compact type || key data
    ByteView data;  // key data (points into `key`)
    Bytes value;
};

// Reads one map; false on malformed input or a duplicate key.
bool read_map(Reader& r, std::vector<Record>& out, std::string& error, const char* what) {
    std::set<Bytes> seen;
    while (true) {
        const uint64_t keylen = r.compact_size();
        if (!r.ok()) {
            error = std::string("truncated or malformed ") + what + " map";
            return false;
        }
        if (keylen == 0) return true;
        Record rec;
        rec.key = r.bytes(size_t(keylen));
        rec.value = r.var_bytes();
        if (!r.ok()) {
            error = std::string("truncated or malformed record in ") + what + " map";
            return false;
        }
        Reader kr(rec.key);
        rec.type = kr.compact_size(false);
        if (!kr.ok()) {
            error = std::string("malformed key type in ") + what + " map";
            return false;
        }
        if (!seen.insert(rec.key).second) {
            error = std::string("duplicate key in ") + what + " map";
            return false;
        }
        out.push_back(std::move(rec));
        out.back().data = ByteView(out.back().key).subspan(out.back().key.size() - kr.remaining());
    }
}

void write_record(Writer& w, uint8_t type, ByteView keydata, ByteView value) {
    Bytes key{type};
    append(key, keydata);
    w.var_bytes(key);
    w.var_bytes(value);
}

Bytes serialize_origin(const KeyOriginInfo& o) {
    Bytes out(o.fingerprint.begin(), o.fingerprint.end());
    for (uint32_t i : o.path) {
        uint8_t b[4];
        write_le32(b, i);
        out.insert(out.end(), b, b + 4);
    }
    return out;
}

std::optional<KeyOriginInfo> parse_origin(ByteView v) {
    if (v.size() < 4 || v.size() % 4 != 0) return std::nullopt;
    KeyOriginInfo o;
    std::copy(v.begin(), v.begin() + 4, o.fingerprint.begin());
    for (size_t i = 4; i < v.size(); i += 4) o.path.push_back(read_le32(v.data() + i));
    return o;
}

Bytes serialize_tap_origin(const TapKeyOrigin& t) {
    Bytes out;
    Writer w(out);
    w.compact_size(t.leaf_hashes.size());
    for (const uint256& h : t.leaf_hashes) w.hash(h);
    append(out, serialize_origin(t.origin));
    return out;
}

std::optional<TapKeyOrigin> parse_tap_origin(ByteView v) {
    Reader r(v);
    const uint64_t n = r.count(32);
    if (!r.ok()) return std::nullopt;
    TapKeyOrigin t;
    for (uint64_t i = 0; i < n; ++i) t.leaf_hashes.insert(r.hash());
    if (!r.ok()) return std::nullopt;
    std::optional<KeyOriginInfo> o = parse_origin(r.view(r.remaining()));
    if (!o) return std::nullopt;
    t.origin = std::move(*o);
    return t;
}

Bytes serialize_txout(const TxOut& o) {
    Bytes out;
    Writer w(out);
    w.i64(o.value);
    w.var_bytes(o.script_pubkey.bytes());
    return out;
}

Bytes serialize_witness(const Witness& wit) {
    Bytes out;
    Writer w(out);
    write_witness(w, wit);
    return out;
}

template <size_t N>
std::array<uint8_t, N> to_array(ByteView v) {
    std::array<uint8_t, N> a{};
    std::copy(v.begin(), v.end(), a.begin());
    return a;
}

// Writes proprietary records first, then the other unknown ones (Core's order).
void write_unknown(Writer& w, const std::map<Bytes, Bytes>& unknown) {
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& [k, v] : unknown) {
            const bool proprietary = !k.empty() && k[0] == PSBT_PROPRIETARY;
            if (proprietary != (pass == 0)) continue;
            w.var_bytes(k);
            w.var_bytes(v);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parsing the three kinds of map

class MapParser {
public:
    explicit MapParser(std::string& error) : error_(error) {}

    bool fail(const std::string& msg) {
        error_ = msg;
        return false;
    }
    bool no_keydata(const Record& r, const char* name) {
        if (!r.data.empty()) return fail(std::string(name) + " key must be the type byte only");
        return true;
    }
    // A script record (redeemScript, witnessScript) named `name` in messages.
    bool script_record(Record& r, const std::string& name, std::optional<Script>& into) {
        if (!no_keydata(r, name.c_str())) return false;
        into = Script(std::move(r.value));
        return true;
    }
    // A BIP32 derivation record (key: public key, value: origin) of an input or output map.
    bool bip32_derivation_record(Record& r, const std::string& side, std::map<Bytes, KeyOriginInfo>& into) {
        if (!is_fully_valid_non_hybrid_pubkey(r.data))
            return fail(side + " BIP32 derivation key is not a valid public key");
        std::optional<KeyOriginInfo> o = parse_origin(r.value);
        if (!o) return fail(side + " BIP32 derivation value is malformed");
        into[Bytes(r.data.begin(), r.data.end())] = std::move(*o);
        return true;
    }

    bool global(std::vector<Record>& recs, Psbt& psbt) {
        bool have_tx = false;
        for (Record& r : recs) {
            switch (r.type) {
            case PSBT_GLOBAL_UNSIGNED_TX: {
                if (!no_keydata(r, "global unsigned transaction")) return false;
                std::string err;
                std::optional<Transaction> tx = Transaction::decode(r.value, &err, /*allow_witness=*/false);
                if (!tx)
                    return fail("unsigned transaction does not parse (it must use the legacy serialization): " + err);
                for (const TxIn& in : tx->vin) {
                    if (!in.script_sig.empty() || !in.witness.empty()) {
                        return fail("unsigned transaction has a non-empty scriptSig or witness");
                    }
                }
                psbt.tx = std::move(*tx);
                have_tx = true;
                break;
            }
            case PSBT_GLOBAL_XPUB: {
                if (r.data.size() != kExtKeySize)
                    return fail("global xpub key must hold a 78-byte extended public key");
                const uint8_t depth = r.data[4];
                if (!is_compressed_pubkey(r.data.subspan(45)) ||
                    !is_fully_valid_non_hybrid_pubkey(r.data.subspan(45))) {
                    return fail("global xpub holds an invalid public key");
                }
                std::optional<KeyOriginInfo> o = parse_origin(r.value);
                if (!o) return fail("global xpub value must be a fingerprint and 4-byte path elements");
                if (o->path.size() != depth) return fail("global xpub path length does not match the key's depth");
                psbt.xpubs[Bytes(r.data.begin(), r.data.end())] = std::move(*o);
                break;
            }
            case PSBT_GLOBAL_VERSION: {
                if (!no_keydata(r, "global version")) return false;
                if (r.value.size() != 4) return fail("global version value must be 4 bytes");
                const uint32_t v = read_le32(r.value.data());
                if (v != 0)
                    return fail("unsupported PSBT version " + std::to_string(v) + " (only version 0 is supported)");
                psbt.version = v;
                break;
            }
            default: psbt.unknown[r.key] = std::move(r.value);
            }
        }
        if (!have_tx) return fail("no unsigned transaction in the global map");
        return true;
    }

    bool input(std::vector<Record>& recs, PsbtInput& in, const TxIn& txin) {
        for (Record& r : recs) {
            switch (r.type) {
            case PSBT_IN_NON_WITNESS_UTXO: {
                if (!no_keydata(r, "input non-witness UTXO")) return false;
                std::string err;
                std::optional<Transaction> tx = Transaction::decode(r.value, &err);
                if (!tx) return fail("input non-witness UTXO does not parse: " + err);
                if (tx->txid() != txin.prevout.txid)
                    return fail("input non-witness UTXO does not match the spent txid");
                if (txin.prevout.index >= tx->vout.size()) return fail("input non-witness UTXO lacks the spent output");
                in.non_witness_utxo = std::move(*tx);
                break;
            }
            case PSBT_IN_WITNESS_UTXO: {
                if (!no_keydata(r, "input witness UTXO")) return false;
                Reader vr(r.value);
                TxOut o;
                o.value = vr.i64();
                o.script_pubkey = Script(vr.var_bytes());
                if (!vr.ok() || !vr.empty()) return fail("input witness UTXO is not a serialized output");
                in.witness_utxo = std::move(o);
                break;
            }
            case PSBT_IN_PARTIAL_SIG:
                if (!is_fully_valid_non_hybrid_pubkey(r.data)) {
                    return fail("input partial signature key is not a valid public key");
                }
                in.partial_sigs[Bytes(r.data.begin(), r.data.end())] = std::move(r.value);
                break;
            case PSBT_IN_SIGHASH:
                if (!no_keydata(r, "input sighash type")) return false;
                if (r.value.size() != 4) return fail("input sighash type value must be 4 bytes");
                in.sighash_type = read_le32(r.value.data());
                break;
            case PSBT_IN_REDEEMSCRIPT:
                if (!script_record(r, "input redeemScript", in.redeem_script)) return false;
                break;
            case PSBT_IN_WITNESSSCRIPT:
                if (!script_record(r, "input witnessScript", in.witness_script)) return false;
                break;
            case PSBT_IN_BIP32_DERIVATION:
                if (!bip32_derivation_record(r, "input", in.bip32_derivs)) return false;
                break;
            case PSBT_IN_SCRIPTSIG:
                if (!no_keydata(r, "input final scriptSig")) return false;
                in.final_script_sig = Script(std::move(r.value));
                break;
            case PSBT_IN_SCRIPTWITNESS: {
                if (!no_keydata(r, "input final scriptWitness")) return false;
                Reader vr(r.value);
                Witness w;
                read_witness(vr, w);
                if (!vr.ok() || !vr.empty()) return fail("input final scriptWitness is malformed");
                in.final_script_witness = std::move(w);
                break;
            }
            case PSBT_IN_RIPEMD160:
            case PSBT_IN_SHA256:
            case PSBT_IN_HASH160:
            case PSBT_IN_HASH256: {
                const bool short_hash = r.type == PSBT_IN_RIPEMD160 || r.type == PSBT_IN_HASH160;
                if (r.data.size() != (short_hash ? 20u : 32u))
                    return fail("input preimage key has the wrong hash size");
                Bytes h;
                switch (r.type) {
                case PSBT_IN_RIPEMD160: {
                    const Hash160 x = ripemd160(r.value);
                    h.assign(x.begin(), x.end());
                    break;
                }
                case PSBT_IN_HASH160: {
                    const Hash160 x = hash160(r.value);
                    h.assign(x.begin(), x.end());
                    break;
                }
                case PSBT_IN_SHA256: {
                    const uint256 x = sha256(r.value);
                    h.assign(x.begin(), x.end());
                    break;
                }
                default: {
                    const uint256 x = sha256d(r.value);
                    h.assign(x.begin(), x.end());
                    break;
                }
                }
                if (!std::equal(h.begin(), h.end(), r.data.begin(), r.data.end())) {
                    return fail("input preimage does not match its hash");
                }
                auto& m = r.type == PSBT_IN_RIPEMD160 ? in.ripemd160_preimages
                          : r.type == PSBT_IN_SHA256  ? in.sha256_preimages
                          : r.type == PSBT_IN_HASH160 ? in.hash160_preimages
                                                      : in.hash256_preimages;
                m[Bytes(r.data.begin(), r.data.end())] = std::move(r.value);
                break;
            }
            case PSBT_IN_TAP_KEY_SIG:
                if (!no_keydata(r, "input taproot key signature")) return false;
                if (r.value.size() != 64 && r.value.size() != 65) {
                    return fail("input taproot key path signature must be 64 or 65 bytes");
                }
                in.tap_key_sig = std::move(r.value);
                break;
            case PSBT_IN_TAP_SCRIPT_SIG: {
                if (r.data.size() != 64)
                    return fail("input taproot script signature key must be x-only key || leaf hash");
                if (r.value.size() != 64 && r.value.size() != 65) {
                    return fail("input taproot script path signature must be 64 or 65 bytes");
                }
                const XOnlyPubkey xk = to_array<32>(r.data.subspan(0, 32));
                in.tap_script_sigs[{xk, uint256(r.data.subspan(32, 32))}] = std::move(r.value);
                break;
            }
            case PSBT_IN_TAP_LEAF_SCRIPT: {
                const size_t n = r.data.size();
                if (n < kTaprootControlBaseSize || n > kTaprootControlMaxSize ||
                    (n - kTaprootControlBaseSize) % kTaprootControlNodeSize != 0) {
                    return fail("input taproot leaf script has a control block of invalid size");
                }
                if (r.value.empty()) return fail("input taproot leaf script value lacks the leaf version");
                const uint8_t leaf_version = r.value.back();
                r.value.pop_back();
                in.tap_scripts[{Script(std::move(r.value)), leaf_version}].insert(Bytes(r.data.begin(), r.data.end()));
                break;
            }
            case PSBT_IN_TAP_BIP32_DERIVATION: {
                if (r.data.size() != 32) return fail("input taproot BIP32 derivation key must be a 32-byte x-only key");
                std::optional<TapKeyOrigin> t = parse_tap_origin(r.value);
                if (!t) return fail("input taproot BIP32 derivation value is malformed");
                in.tap_bip32_derivs[to_array<32>(r.data)] = std::move(*t);
                break;
            }
            case PSBT_IN_TAP_INTERNAL_KEY:
                if (!no_keydata(r, "input taproot internal key")) return false;
                if (r.value.size() != 32) return fail("input taproot internal key must be 32 bytes");
                in.tap_internal_key = to_array<32>(r.value);
                break;
            case PSBT_IN_TAP_MERKLE_ROOT:
                if (!no_keydata(r, "input taproot merkle root")) return false;
                if (r.value.size() != 32) return fail("input taproot merkle root must be 32 bytes");
                in.tap_merkle_root = uint256(r.value);
                break;
            default: in.unknown[r.key] = std::move(r.value);
            }
        }
        return true;
    }

    bool output(std::vector<Record>& recs, PsbtOutput& out) {
        for (Record& r : recs) {
            switch (r.type) {
            case PSBT_OUT_REDEEMSCRIPT:
                if (!script_record(r, "output redeemScript", out.redeem_script)) return false;
                break;
            case PSBT_OUT_WITNESSSCRIPT:
                if (!script_record(r, "output witnessScript", out.witness_script)) return false;
                break;
            case PSBT_OUT_BIP32_DERIVATION:
                if (!bip32_derivation_record(r, "output", out.bip32_derivs)) return false;
                break;
            case PSBT_OUT_TAP_INTERNAL_KEY:
                if (!no_keydata(r, "output taproot internal key")) return false;
                if (r.value.size() != 32) return fail("output taproot internal key must be 32 bytes");
                out.tap_internal_key = to_array<32>(r.value);
                break;
            case PSBT_OUT_TAP_TREE: {
                if (!no_keydata(r, "output taproot tree")) return false;
                Reader vr(r.value);
                TaprootBuilder builder;
                while (vr.ok() && !vr.empty()) {
                    TapTreeLeaf leaf;
                    leaf.depth = vr.u8();
                    leaf.leaf_version = vr.u8();
                    leaf.script = Script(vr.var_bytes());
                    if (!vr.ok()) break;
                    if (leaf.depth > kTaprootControlMaxNodeCount) return fail("output taproot tree is deeper than 128");
                    if (leaf.leaf_version & ~kTaprootLeafMask)
                        return fail("output taproot tree has an invalid leaf version");
                    builder.add_leaf(leaf.depth, leaf.script, leaf.leaf_version);
                    out.tap_tree.push_back(std::move(leaf));
                }
                if (!vr.ok() || out.tap_tree.empty() || !builder.complete()) {
                    return fail("output taproot tree is malformed");
                }
                break;
            }
            case PSBT_OUT_TAP_BIP32_DERIVATION: {
                if (r.data.size() != 32)
                    return fail("output taproot BIP32 derivation key must be a 32-byte x-only key");
                std::optional<TapKeyOrigin> t = parse_tap_origin(r.value);
                if (!t) return fail("output taproot BIP32 derivation value is malformed");
                out.tap_bip32_derivs[to_array<32>(r.data)] = std::move(*t);
                break;
            }
            default: out.unknown[r.key] = std::move(r.value);
            }
        }
        return true;
    }

private:
    std::string& error_;
};

// ---------------------------------------------------------------------------------------
// Finalizing

Script push_all(const std::vector<Bytes>& items) {
    Script s;
    for (const Bytes& b : items) s.push_data(b);
    return s;
}

// True when the hash type at the end of `sig` is acceptable for the input.
bool ecdsa_sighash_ok(const PsbtInput& in, const Bytes& sig) {
    if (sig.empty()) return false;
    return !in.sighash_type || *in.sighash_type == sig.back();
}

bool schnorr_sighash_ok(const PsbtInput& in, const Bytes& sig) {
    const uint32_t type = sig.size() == 65 ? uint32_t(sig.back()) : uint32_t(SIGHASH_DEFAULT);
    return !in.sighash_type || *in.sighash_type == type;
}

class Satisfier {
public:
    explicit Satisfier(const PsbtInput& in) : in_(in) {}

    std::optional<Bytes> sig(ByteView pubkey) const {
        auto it = in_.partial_sigs.find(Bytes(pubkey.begin(), pubkey.end()));
        if (it == in_.partial_sigs.end() || !ecdsa_sighash_ok(in_, it->second)) return std::nullopt;
        return it->second;
    }

    // A public key with a signature whose HASH160 is `h`.
    std::optional<Bytes> key_for_hash(ByteView h) const {
        for (const auto& [pk, s] : in_.partial_sigs) {
            const Hash160 kh = hash160(pk);
            if (std::equal(kh.begin(), kh.end(), h.begin(), h.end())) return pk;
        }
        return std::nullopt;
    }

    // Stack (bottom first) satisfying a P2PK, P2PKH or multisig script.
    std::optional<std::vector<Bytes>> satisfy(const Script& s) const {
        const Bytes& b = s.bytes();
        // <pk> CHECKSIG
        if ((b.size() == 35 || b.size() == 67) && b[0] == b.size() - 2 && b.back() == OP_CHECKSIG) {
            auto sg = sig(ByteView(b).subspan(1, b[0]));
            if (!sg) return std::nullopt;
            return std::vector<Bytes>{*sg};
        }
        // DUP HASH160 <20> EQUALVERIFY CHECKSIG
        if (b.size() == 25 && b[0] == OP_DUP && b[1] == OP_HASH160 && b[2] == 20 && b[23] == OP_EQUALVERIFY &&
            b[24] == OP_CHECKSIG) {
            auto pk = key_for_hash(ByteView(b).subspan(3, 20));
            if (!pk) return std::nullopt;
            auto sg = sig(*pk);
            if (!sg) return std::nullopt;
            return std::vector<Bytes>{*sg, *pk};
        }
        // m <pk>... n CHECKMULTISIG
        if (b.size() >= 3 && b.back() == OP_CHECKMULTISIG) {
            size_t pc = 0;
            Opcode op;
            ByteView push;
            std::vector<ByteView> keys;
            int m = -1, n = -1;
            if (!s.get_op(pc, op) || op < OP_1 || op > OP_16) return std::nullopt;
            m = op - OP_1 + 1;
            while (pc < b.size()) {
                if (!s.get_op(pc, op, &push)) return std::nullopt;
                if (op >= OP_1 && op <= OP_16) {
                    n = op - OP_1 + 1;
                    break;
                }
                if (push.size() != 33 && push.size() != 65) return std::nullopt;
                keys.push_back(push);
            }
            if (n != static_cast<int>(keys.size()) || pc + 1 != b.size()) return std::nullopt;
            std::vector<Bytes> stack{Bytes{}};  // the CHECKMULTISIG dummy
            for (ByteView k : keys) {
                if (static_cast<int>(stack.size()) - 1 == m) break;
                if (auto sg = sig(k)) stack.push_back(*sg);
            }
            if (static_cast<int>(stack.size()) - 1 < m) return std::nullopt;
            return stack;
        }
        return std::nullopt;
    }

    // Witness for a P2WSH script.
    std::optional<Witness> p2wsh(const Script& ws) const {
        auto st = satisfy(ws);
        if (!st) return std::nullopt;
        st->push_back(ws.bytes());
        return *st;
    }

    // Witness for a P2WPKH program (hash160 of the key).
    std::optional<Witness> p2wpkh(ByteView program) const {
        auto pk = key_for_hash(program);
        if (!pk || pk->size() != 33) return std::nullopt;
        auto sg = sig(*pk);
        if (!sg) return std::nullopt;
        return Witness{*sg, *pk};
    }

    // The signature by x-only key `x` for the leaf `leaf_hash`.
    std::optional<Bytes> tap_sig(ByteView x, const uint256& leaf_hash) const {
        if (x.size() != 32) return std::nullopt;
        auto it = in_.tap_script_sigs.find({to_array<32>(x), leaf_hash});
        if (it == in_.tap_script_sigs.end() || !schnorr_sighash_ok(in_, it->second)) return std::nullopt;
        return it->second;
    }

    // Stack for a Miniscript script spent by input `i` of `tx`; `sig` gives the signature
    // by a key as the script uses it.
    std::optional<std::vector<Bytes>> miniscript(const MiniscriptScript& ms, miniscript::Context ctx,
                                                 const Transaction& tx, size_t i,
                                                 const std::function<std::optional<Bytes>(ByteView)>& sig) const {
        miniscript::SatisfierInputs inputs;
        inputs.signature = [&](size_t k) { return k < ms.keys.size() ? sig(ms.keys[k]) : std::nullopt; };
        inputs.key = [&](size_t k) { return k < ms.keys.size() ? ms.keys[k] : Bytes{}; };
        inputs.preimage = [&](miniscript::Fragment f, const Bytes& hash) -> std::optional<Bytes> {
            const std::map<Bytes, Bytes>& known = f == miniscript::Fragment::SHA256      ? in_.sha256_preimages
                                                  : f == miniscript::Fragment::HASH256   ? in_.hash256_preimages
                                                  : f == miniscript::Fragment::RIPEMD160 ? in_.ripemd160_preimages
                                                                                         : in_.hash160_preimages;
            auto it = known.find(hash);
            if (it == known.end()) return std::nullopt;
            return it->second;
        };
        inputs.older = [&](uint32_t n) { return miniscript::tx_meets_older(tx, i, n); };
        inputs.after = [&](uint32_t n) { return miniscript::tx_meets_after(tx, i, n); };
        auto sat = miniscript::satisfy(*ms.node, ctx, inputs);
        if (!sat) return std::nullopt;
        return std::move(sat->stack);
    }

    // Stack for a tapscript leaf: `<x> CHECKSIG` or multi_a.
    std::optional<std::vector<Bytes>> tapleaf(const Script& s, const uint256& leaf_hash) const {
        auto tsig = [&](ByteView x) { return tap_sig(x, leaf_hash); };
        const Bytes& b = s.bytes();
        if (b.size() == 34 && b[0] == 32 && b[33] == OP_CHECKSIG) {
            auto sg = tsig(ByteView(b).subspan(1, 32));
            if (!sg) return std::nullopt;
            return std::vector<Bytes>{*sg};
        }
        // <x1> CHECKSIG <x2> CHECKSIGADD ... <k> NUMEQUAL
        std::vector<ByteView> keys;
        size_t pc = 0;
        Opcode op;
        ByteView push;
        while (pc < b.size()) {
            if (!s.get_op(pc, op, &push)) return std::nullopt;
            if (push.size() == 32 && op == 32) {
                Opcode next;
                if (!s.get_op(pc, next)) return std::nullopt;
                if (next != (keys.empty() ? OP_CHECKSIG : OP_CHECKSIGADD)) return std::nullopt;
                keys.push_back(push);
                continue;
            }
            // threshold then NUMEQUAL at the end
            if (keys.empty()) return std::nullopt;
            int64_t k;
            if (op >= OP_1 && op <= OP_16) {
                k = op - OP_1 + 1;
            } else if (!push.empty() && push.size() <= 4) {
                try {
                    k = ScriptNum(push, true).value();
                } catch (const ScriptNum::Error&) { return std::nullopt; }
            } else {
                return std::nullopt;
            }
            Opcode last;
            if (!s.get_op(pc, last) || last != OP_NUMEQUAL || pc != b.size()) return std::nullopt;
            if (k < 1 || k > static_cast<int64_t>(keys.size())) return std::nullopt;
            // Stack bottom first: signature for the last key first; empty for unused keys.
            std::vector<Bytes> stack(keys.size());
            int64_t have = 0;
            for (size_t i = 0; i < keys.size() && have < k; ++i) {
                if (auto sg = tsig(keys[i])) {
                    stack[keys.size() - 1 - i] = *sg;
                    ++have;
                }
            }
            if (have < k) return std::nullopt;
            return stack;
        }
        return std::nullopt;
    }

private:
    const PsbtInput& in_;
};

size_t witness_size(const Witness& w) {
    size_t n = 0;
    for (const Bytes& b : w) n += b.size() + 1;
    return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Merging

void PsbtInput::merge(const PsbtInput& o) {
    if (!non_witness_utxo && o.non_witness_utxo) non_witness_utxo = o.non_witness_utxo;
    if (!witness_utxo && o.witness_utxo) witness_utxo = o.witness_utxo;
    partial_sigs.insert(o.partial_sigs.begin(), o.partial_sigs.end());
    if (!sighash_type && o.sighash_type) sighash_type = o.sighash_type;
    if (!redeem_script && o.redeem_script) redeem_script = o.redeem_script;
    if (!witness_script && o.witness_script) witness_script = o.witness_script;
    bip32_derivs.insert(o.bip32_derivs.begin(), o.bip32_derivs.end());
    if (!final_script_sig && o.final_script_sig) final_script_sig = o.final_script_sig;
    if (!final_script_witness && o.final_script_witness) final_script_witness = o.final_script_witness;
    ripemd160_preimages.insert(o.ripemd160_preimages.begin(), o.ripemd160_preimages.end());
    sha256_preimages.insert(o.sha256_preimages.begin(), o.sha256_preimages.end());
    hash160_preimages.insert(o.hash160_preimages.begin(), o.hash160_preimages.end());
    hash256_preimages.insert(o.hash256_preimages.begin(), o.hash256_preimages.end());
    if (!tap_key_sig && o.tap_key_sig) tap_key_sig = o.tap_key_sig;
    tap_script_sigs.insert(o.tap_script_sigs.begin(), o.tap_script_sigs.end());
    for (const auto& [leaf, cbs] : o.tap_scripts) tap_scripts[leaf].insert(cbs.begin(), cbs.end());
    for (const auto& [k, t] : o.tap_bip32_derivs) {
        auto [it, inserted] = tap_bip32_derivs.insert({k, t});
        if (!inserted) it->second.leaf_hashes.insert(t.leaf_hashes.begin(), t.leaf_hashes.end());
    }
    if (!tap_internal_key && o.tap_internal_key) tap_internal_key = o.tap_internal_key;
    if (!tap_merkle_root && o.tap_merkle_root) tap_merkle_root = o.tap_merkle_root;
    unknown.insert(o.unknown.begin(), o.unknown.end());
}

void PsbtOutput::merge(const PsbtOutput& o) {
    if (!redeem_script && o.redeem_script) redeem_script = o.redeem_script;
    if (!witness_script && o.witness_script) witness_script = o.witness_script;
    bip32_derivs.insert(o.bip32_derivs.begin(), o.bip32_derivs.end());
    if (!tap_internal_key && o.tap_internal_key) tap_internal_key = o.tap_internal_key;
    if (tap_tree.empty()) tap_tree = o.tap_tree;
    for (const auto& [k, t] : o.tap_bip32_derivs) {
        auto [it, inserted] = tap_bip32_derivs.insert({k, t});
        if (!inserted) it->second.leaf_hashes.insert(t.leaf_hashes.begin(), t.leaf_hashes.end());
    }
    unknown.insert(o.unknown.begin(), o.unknown.end());
}

// ---------------------------------------------------------------------------------------
// Psbt

Psbt Psbt::from_transaction(Transaction tx) {
    Psbt p;
    for (TxIn& in : tx.vin) {
        in.script_sig = Script();
        in.witness.clear();
    }
    p.inputs.resize(tx.vin.size());
    p.outputs.resize(tx.vout.size());
    p.tx = std::move(tx);
    return p;
}

std::optional<Psbt> Psbt::decode(ByteView data, std::string* error) {
    std::string err;
    auto fail = [&](const std::string& msg) -> std::optional<Psbt> {
        if (error) *error = msg;
        return std::nullopt;
    };
    if (data.size() < 5 || !std::equal(kMagic, kMagic + 5, data.begin())) { return fail("Invalid PSBT magic bytes"); }
    Reader r(data.subspan(5));
    Psbt psbt;
    MapParser mp(err);
    std::vector<Record> recs;
    if (!read_map(r, recs, err, "global") || !mp.global(recs, psbt)) return fail(err);
    psbt.inputs.resize(psbt.tx.vin.size());
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        recs.clear();
        if (r.empty()) return fail("PSBT has fewer input maps than the transaction has inputs");
        if (!read_map(r, recs, err, "input") || !mp.input(recs, psbt.inputs[i], psbt.tx.vin[i])) {
            return fail("input " + std::to_string(i) + ": " + err);
        }
    }
    psbt.outputs.resize(psbt.tx.vout.size());
    for (size_t i = 0; i < psbt.outputs.size(); ++i) {
        recs.clear();
        if (r.empty()) return fail("PSBT has fewer output maps than the transaction has outputs");
        if (!read_map(r, recs, err, "output") || !mp.output(recs, psbt.outputs[i])) {
            return fail("output " + std::to_string(i) + ": " + err);
        }
    }
    if (!r.empty()) return fail("extra data after PSBT");
    return psbt;
}

std::optional<Psbt> Psbt::decode_base64(std::string_view text, std::string* error) {
    std::optional<Bytes> raw = base64_decode(text);
    if (!raw) {
        if (error) *error = "invalid base64";
        return std::nullopt;
    }
    return decode(*raw, error);
}

Bytes Psbt::serialize() const {
    Bytes out(kMagic, kMagic + 5);
    Writer w(out);
    // Global map.
    write_record(w, PSBT_GLOBAL_UNSIGNED_TX, {}, tx.serialize(/*with_witness=*/false));
    std::vector<std::pair<const KeyOriginInfo*, const Bytes*>> xp;
    for (const auto& [k, o] : xpubs) xp.emplace_back(&o, &k);
    std::sort(xp.begin(), xp.end(), [](const auto& a, const auto& b) {
        return *a.first != *b.first ? *a.first < *b.first : *a.second < *b.second;
    });
    for (const auto& [o, k] : xp) write_record(w, PSBT_GLOBAL_XPUB, *k, serialize_origin(*o));
    if (version) {
        uint8_t v[4];
        write_le32(v, *version);
        write_record(w, PSBT_GLOBAL_VERSION, {}, ByteView(v, 4));
    }
    write_unknown(w, unknown);
    w.u8(0);

    for (const PsbtInput& in : inputs) {
        if (in.non_witness_utxo) write_record(w, PSBT_IN_NON_WITNESS_UTXO, {}, in.non_witness_utxo->serialize());
        if (in.witness_utxo) write_record(w, PSBT_IN_WITNESS_UTXO, {}, serialize_txout(*in.witness_utxo));
        // Ordered by the keys' HASH160, as Bitcoin Core keys them.
        std::vector<std::pair<Hash160, const std::pair<const Bytes, Bytes>*>> sigs;
        for (const auto& e : in.partial_sigs) sigs.emplace_back(hash160(e.first), &e);
        std::sort(sigs.begin(), sigs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [h, e] : sigs) write_record(w, PSBT_IN_PARTIAL_SIG, e->first, e->second);
        if (in.sighash_type) {
            uint8_t v[4];
            write_le32(v, *in.sighash_type);
            write_record(w, PSBT_IN_SIGHASH, {}, ByteView(v, 4));
        }
        if (in.redeem_script) write_record(w, PSBT_IN_REDEEMSCRIPT, {}, in.redeem_script->bytes());
        if (in.witness_script) write_record(w, PSBT_IN_WITNESSSCRIPT, {}, in.witness_script->bytes());
        for (const auto& [pk, o] : in.bip32_derivs) write_record(w, PSBT_IN_BIP32_DERIVATION, pk, serialize_origin(o));
        for (const auto& [h, p] : in.ripemd160_preimages) write_record(w, PSBT_IN_RIPEMD160, h, p);
        for (const auto& [h, p] : in.sha256_preimages) write_record(w, PSBT_IN_SHA256, h, p);
        for (const auto& [h, p] : in.hash160_preimages) write_record(w, PSBT_IN_HASH160, h, p);
        for (const auto& [h, p] : in.hash256_preimages) write_record(w, PSBT_IN_HASH256, h, p);
        if (in.tap_key_sig) write_record(w, PSBT_IN_TAP_KEY_SIG, {}, *in.tap_key_sig);
        for (const auto& [kl, sig] : in.tap_script_sigs) {
            Bytes key(kl.first.begin(), kl.first.end());
            append(key, kl.second.view());
            write_record(w, PSBT_IN_TAP_SCRIPT_SIG, key, sig);
        }
        for (const auto& [leaf, cbs] : in.tap_scripts) {
            Bytes value = leaf.first.bytes();
            value.push_back(leaf.second);
            for (const Bytes& cb : cbs) write_record(w, PSBT_IN_TAP_LEAF_SCRIPT, cb, value);
        }
        for (const auto& [k, t] : in.tap_bip32_derivs) {
            write_record(w, PSBT_IN_TAP_BIP32_DERIVATION, k, serialize_tap_origin(t));
        }
        if (in.tap_internal_key) write_record(w, PSBT_IN_TAP_INTERNAL_KEY, {}, *in.tap_internal_key);
        if (in.tap_merkle_root) write_record(w, PSBT_IN_TAP_MERKLE_ROOT, {}, in.tap_merkle_root->view());
        if (in.final_script_sig) write_record(w, PSBT_IN_SCRIPTSIG, {}, in.final_script_sig->bytes());
        if (in.final_script_witness)
            write_record(w, PSBT_IN_SCRIPTWITNESS, {}, serialize_witness(*in.final_script_witness));
        write_unknown(w, in.unknown);
        w.u8(0);
    }
    for (const PsbtOutput& o : outputs) {
        if (o.redeem_script) write_record(w, PSBT_OUT_REDEEMSCRIPT, {}, o.redeem_script->bytes());
        if (o.witness_script) write_record(w, PSBT_OUT_WITNESSSCRIPT, {}, o.witness_script->bytes());
        for (const auto& [pk, org] : o.bip32_derivs)
            write_record(w, PSBT_OUT_BIP32_DERIVATION, pk, serialize_origin(org));
        if (o.tap_internal_key) write_record(w, PSBT_OUT_TAP_INTERNAL_KEY, {}, *o.tap_internal_key);
        if (!o.tap_tree.empty()) {
            Bytes value;
            Writer vw(value);
            for (const TapTreeLeaf& l : o.tap_tree) {
                vw.u8(l.depth);
                vw.u8(l.leaf_version);
                vw.var_bytes(l.script.bytes());
            }
            write_record(w, PSBT_OUT_TAP_TREE, {}, value);
        }
        for (const auto& [k, t] : o.tap_bip32_derivs) {
            write_record(w, PSBT_OUT_TAP_BIP32_DERIVATION, k, serialize_tap_origin(t));
        }
        write_unknown(w, o.unknown);
        w.u8(0);
    }
    return out;
}

std::string Psbt::to_base64() const { return base64_encode(serialize()); }

std::optional<TxOut> Psbt::spent_output(size_t i) const {
    if (i >= inputs.size()) return std::nullopt;
    const PsbtInput& in = inputs[i];
    if (in.witness_utxo) return in.witness_utxo;
    if (in.non_witness_utxo) {
        const uint32_t n = tx.vin[i].prevout.index;
        if (n < in.non_witness_utxo->vout.size()) return in.non_witness_utxo->vout[n];
    }
    return std::nullopt;
}

std::optional<TxOut> Psbt::input_utxo(size_t i) const {
    if (i >= inputs.size()) return std::nullopt;
    const PsbtInput& in = inputs[i];
    const OutPoint& prev = tx.vin[i].prevout;
    if (in.non_witness_utxo) {
        if (prev.index >= in.non_witness_utxo->vout.size() || in.non_witness_utxo->txid() != prev.txid)
            return std::nullopt;
        return in.non_witness_utxo->vout[prev.index];
    }
    return in.witness_utxo;
}

std::optional<Psbt> combine_psbts(const std::vector<Psbt>& psbts, std::string* error) {
    if (psbts.empty()) {
        if (error) *error = "nothing to combine";
        return std::nullopt;
    }
    Psbt out = psbts[0];
    for (size_t k = 1; k < psbts.size(); ++k) {
        const Psbt& p = psbts[k];
        if (p.tx.txid() != out.tx.txid() || !(p.tx == out.tx)) {
            if (error) *error = "PSBTs are for different transactions";
            return std::nullopt;
        }
        for (const auto& [x, o] : p.xpubs) out.xpubs.insert({x, o});
        if (p.version && (!out.version || *p.version > *out.version)) out.version = p.version;
        out.unknown.insert(p.unknown.begin(), p.unknown.end());
        for (size_t i = 0; i < out.inputs.size(); ++i) out.inputs[i].merge(p.inputs[i]);
        for (size_t i = 0; i < out.outputs.size(); ++i) out.outputs[i].merge(p.outputs[i]);
    }
    return out;
}

bool finalize_input(Psbt& psbt, size_t i, const MiniscriptLookup& miniscripts) {
    if (i >= psbt.inputs.size()) return false;
    PsbtInput& in = psbt.inputs[i];
    if (in.is_final()) return true;
    const std::optional<TxOut> utxo = psbt.spent_output(i);
    if (!utxo) return false;
    const Script& spk = utxo->script_pubkey;
    const Satisfier sat(in);
    // The expression of a script: from the caller, else recognized in the script itself
    // (pk_h keys found among the input's signatures and derivations).
    std::vector<std::unique_ptr<MiniscriptScript>> decoded;
    const auto known_miniscript = [&](const Script& s, miniscript::Context ctx) -> const MiniscriptScript* {
        if (const MiniscriptScript* ms = miniscripts ? miniscripts(s) : nullptr) return ms;
        const miniscript::KeyForHash key_for_hash = [&](ByteView h) -> std::optional<Bytes> {
            std::vector<Bytes> candidates;
            if (ctx == miniscript::Context::P2WSH) {
                for (const auto& [pk, sig] : in.partial_sigs) candidates.push_back(pk);
                for (const auto& [pk, origin] : in.bip32_derivs) candidates.push_back(pk);
            } else {
                for (const auto& [key, sig] : in.tap_script_sigs)
                    candidates.emplace_back(key.first.begin(), key.first.end());
                for (const auto& [x, origin] : in.tap_bip32_derivs) candidates.emplace_back(x.begin(), x.end());
            }
            for (const Bytes& c : candidates) {
                const Hash160 kh = hash160(c);
                if (std::equal(kh.begin(), kh.end(), h.begin(), h.end())) return c;
            }
            return std::nullopt;
        };
        auto d = miniscript::from_script(s, ctx, key_for_hash);
        if (!d) return nullptr;
        decoded.push_back(
            std::make_unique<MiniscriptScript>(MiniscriptScript{s, std::move(d->node), std::move(d->keys)}));
        return decoded.back().get();
    };
    // A P2WSH witness: a pk/pkh/multisig script, else a known Miniscript one.
    const auto p2wsh = [&](const Script& ws) -> std::optional<Witness> {
        if (auto w = sat.p2wsh(ws)) return w;
        const MiniscriptScript* ms = known_miniscript(ws, miniscript::Context::P2WSH);
        if (!ms) return std::nullopt;
        auto st = sat.miniscript(*ms, miniscript::Context::P2WSH, psbt.tx, i, [&](ByteView k) { return sat.sig(k); });
        if (!st) return std::nullopt;
        st->push_back(ws.bytes());
        return *st;
    };

    std::optional<Script> script_sig = Script();
    std::optional<Witness> witness = Witness();
    int version = 0;
    Bytes program;
    if (spk.is_p2sh()) {
        if (!in.redeem_script ||
            hash160(in.redeem_script->bytes()) != to_array<20>(ByteView(spk.bytes()).subspan(2, 20))) {
            return false;
        }
        const Script& rs = *in.redeem_script;
        if (rs.is_witness_program(version, program) && version == 0) {
            if (program.size() == 20) {
                witness = sat.p2wpkh(program);
            } else if (program.size() == 32 && in.witness_script &&
                       sha256(in.witness_script->bytes()) == uint256(program)) {
                witness = p2wsh(*in.witness_script);
            } else {
                return false;
            }
            if (!witness) return false;
            script_sig = Script().push_data(rs.bytes());
        } else {
            auto st = sat.satisfy(rs);
            if (!st) return false;
            st->push_back(rs.bytes());
            script_sig = push_all(*st);
        }
    } else if (spk.is_witness_program(version, program)) {
        if (version == 0 && program.size() == 20) {
            witness = sat.p2wpkh(program);
        } else if (version == 0 && program.size() == 32) {
            if (!in.witness_script || sha256(in.witness_script->bytes()) != uint256(program)) return false;
            witness = p2wsh(*in.witness_script);
        } else if (version == 1 && program.size() == 32) {
            witness.reset();
            if (in.tap_key_sig && schnorr_sighash_ok(in, *in.tap_key_sig)) {
                witness = Witness{*in.tap_key_sig};
            } else {
                for (const auto& [leaf, cbs] : in.tap_scripts) {
                    if (leaf.second != kTaprootLeafTapscript || cbs.empty()) continue;
                    const uint256 lh = tapleaf_hash(leaf.second, leaf.first);
                    auto st = sat.tapleaf(leaf.first, lh);
                    if (const MiniscriptScript* ms =
                            st ? nullptr : known_miniscript(leaf.first, miniscript::Context::TAPSCRIPT)) {
                        st = sat.miniscript(*ms, miniscript::Context::TAPSCRIPT, psbt.tx, i,
                                            [&](ByteView x) { return sat.tap_sig(x, lh); });
                    }
                    if (!st) continue;
                    // The shortest control block (shallowest path) makes the smallest witness.
                    const Bytes& cb = *std::min_element(
                        cbs.begin(), cbs.end(), [](const Bytes& a, const Bytes& b) { return a.size() < b.size(); });
                    Witness cand = *st;
                    cand.push_back(leaf.first.bytes());
                    cand.push_back(cb);
                    if (!witness || witness_size(cand) < witness_size(*witness)) witness = std::move(cand);
                }
            }
        } else {
            return false;
        }
        if (!witness) return false;
    } else {
        auto st = sat.satisfy(spk);
        if (!st) return false;
        script_sig = push_all(*st);
    }

    // Check the result with the interpreter before storing it. Taproot signature hashes
    // need every spent output; without them a taproot input cannot be checked (or finalized).
    Transaction tx = psbt.tx;
    tx.vin[i].script_sig = *script_sig;
    tx.vin[i].witness = *witness;
    std::vector<TxOut> spent;
    for (size_t k = 0; k < psbt.inputs.size(); ++k) {
        std::optional<TxOut> o = psbt.spent_output(k);
        if (!o) {
            spent.clear();
            break;
        }
        spent.push_back(std::move(*o));
    }
    const PrecomputedTxData txdata(tx, spent);
    const TransactionSignatureChecker checker(tx, static_cast<unsigned>(i), utxo->value, &txdata);
    ScriptError serr;
    if (!verify_script(*script_sig, spk, &*witness, kStandardScriptFlags, checker, &serr)) return false;

    PsbtInput done;
    done.non_witness_utxo = std::move(in.non_witness_utxo);
    done.witness_utxo = std::move(in.witness_utxo);
    done.unknown = std::move(in.unknown);
    if (!script_sig->empty()) done.final_script_sig = std::move(*script_sig);
    if (!witness->empty()) done.final_script_witness = std::move(*witness);
    in = std::move(done);
    return true;
}

bool finalize_psbt(Psbt& psbt, const MiniscriptLookup& miniscripts) {
    bool all = true;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) all = finalize_input(psbt, i, miniscripts) && all;
    return all;
}

std::optional<Transaction> extract_transaction(const Psbt& psbt, std::string* error) {
    Transaction tx = psbt.tx;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        if (!in.is_final()) {
            if (error) *error = "input " + std::to_string(i) + " is not finalized";
            return std::nullopt;
        }
        tx.vin[i].script_sig = in.final_script_sig.value_or(Script());
        tx.vin[i].witness = in.final_script_witness.value_or(Witness());
    }
    return tx;
}

namespace {
bool pays_to_taproot(const Script& spk) {
    int version = 0;
    Bytes program;
    return spk.is_witness_program(version, program) && version == 1 && program.size() == 32;
}
}  // namespace

std::optional<int> psbt_input_sighash(const PsbtInput& in, const Script& script_pubkey, std::optional<int> requested) {
    const int sighash = requested.value_or(pays_to_taproot(script_pubkey) ? SIGHASH_DEFAULT : SIGHASH_ALL);
    if (in.sighash_type && *in.sighash_type != uint32_t(sighash)) return std::nullopt;
    if (sighash == SIGHASH_DEFAULT) {
        if (in.tap_key_sig && in.tap_key_sig->size() != 64) return std::nullopt;
        for (const auto& [k, sig] : in.tap_script_sigs)
            if (sig.size() != 64) return std::nullopt;
    } else {
        if (in.tap_key_sig && (in.tap_key_sig->size() != 65 || in.tap_key_sig->back() != sighash)) return std::nullopt;
        for (const auto& [k, sig] : in.tap_script_sigs)
            if (sig.size() != 65 || sig.back() != sighash) return std::nullopt;
        for (const auto& [k, sig] : in.partial_sigs)
            if (sig.empty() || sig.back() != sighash) return std::nullopt;
    }
    return sighash;
}

bool psbt_records_sighash(const Script& script_pubkey, int hash_type) {
    return pays_to_taproot(script_pubkey) ? hash_type != SIGHASH_DEFAULT
                                          : hash_type != SIGHASH_DEFAULT && hash_type != SIGHASH_ALL;
}

const char* psbt_role_name(PsbtRole role) {
    switch (role) {
    case PsbtRole::CREATOR: return "creator";
    case PsbtRole::UPDATER: return "updater";
    case PsbtRole::SIGNER: return "signer";
    case PsbtRole::FINALIZER: return "finalizer";
    case PsbtRole::EXTRACTOR: return "extractor";
    }
    return "unknown";
}

PsbtAnalysis analyze_psbt(const Psbt& psbt) {
    PsbtAnalysis a;
    a.next = PsbtRole::EXTRACTOR;
    Amount in_total = 0;
    bool all_amounts = true;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        PsbtInputAnalysis ia;
        const std::optional<TxOut> utxo = psbt.spent_output(i);
        ia.has_utxo = utxo.has_value();
        ia.is_final = psbt.inputs[i].is_final();
        if (utxo) {
            ia.amount = utxo->value;
            if (utxo->value < 0 || utxo->value > kMaxMoney || in_total + utxo->value > kMaxMoney) {
                a.error = "input " + std::to_string(i) + " spends an output with an invalid amount";
                all_amounts = false;
            } else {
                in_total += utxo->value;
            }
        } else {
            all_amounts = false;
        }
        if (ia.is_final) {
            ia.next = PsbtRole::EXTRACTOR;
        } else if (!ia.has_utxo) {
            ia.next = PsbtRole::UPDATER;
        } else {
            Psbt copy = psbt;
            ia.next = finalize_input(copy, i) ? PsbtRole::FINALIZER : PsbtRole::SIGNER;
        }
        a.next = std::min(a.next, ia.next);
        a.inputs.push_back(ia);
    }
    if (all_amounts) {
        Amount out_total = 0;
        bool ok = true;
        for (const TxOut& o : psbt.tx.vout) {
            if (o.value < 0 || o.value > kMaxMoney || out_total + o.value > kMaxMoney) {
                ok = false;
                break;
            }
            out_total += o.value;
        }
        if (!ok) {
            a.error = "an output amount is invalid";
        } else if (out_total > in_total) {
            a.error = "outputs are worth more than the inputs";
        } else {
            a.fee = in_total - out_total;
        }
    }
    return a;
}

}  // namespace minicash
