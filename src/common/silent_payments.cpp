#include "common/silent_payments.h"

#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>

#include <algorithm>
#include <cstring>

#include "common/bech32.h"
#include "consensus/serialize.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::sp {

namespace {

// BIP341's NUMS point H: x-only internal key of taproot outputs without a key path.
constexpr uint8_t kNumsH[32] = {0x50, 0x92, 0x9b, 0x74, 0xc1, 0xa0, 0x49, 0x54, 0xb7, 0x8b, 0x4b,
                                0x60, 0x35, 0xe9, 0x7a, 0x5e, 0x07, 0x8a, 0x5a, 0x0f, 0x28, 0xec,
                                0x96, 0xd5, 0x47, 0xbf, 0xee, 0x9a, 0xce, 0x80, 0x3a, 0xc0};

const secp256k1_context* ctx() { return secp256k1_context_static; }

std::optional<secp256k1_pubkey> parse(const PubKey& p) {
    secp256k1_pubkey out;
    if (!secp256k1_ec_pubkey_parse(ctx(), &out, p.data(), p.size())) return std::nullopt;
    return out;
}

PubKey serialize(const secp256k1_pubkey& p) {
    PubKey out{};
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(ctx(), out.data(), &len, &p, SECP256K1_EC_COMPRESSED);
    return out;
}

XOnlyPubkey xonly(const PubKey& p) {
    XOnlyPubkey x;
    std::copy(p.begin() + 1, p.end(), x.begin());
    return x;
}

PubKey even(const XOnlyPubkey& x) {
    PubKey p;
    p[0] = 0x02;
    std::copy(x.begin(), x.end(), p.begin() + 1);
    return p;
}

bool valid_scalar(const uint256& v) { return secp256k1_ec_seckey_verify(ctx(), v.data()) == 1; }

// The ECDH hash function that keeps the whole point (compressed), as BIP352 needs it.
int keep_point(unsigned char* out, const unsigned char* x32, const unsigned char* y32, void*) {
    out[0] = uint8_t(0x02 | (y32[31] & 1));
    std::memcpy(out + 1, x32, 32);
    return 1;
}

Bytes outpoint_bytes(const OutPoint& o) {
    Bytes b(o.txid.begin(), o.txid.end());
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(o.index >> (8 * i)));
    return b;
}

uint256 input_hash(const OutPoint& smallest, const PubKey& a_sum) {
    Bytes msg = outpoint_bytes(smallest);
    msg.insert(msg.end(), a_sum.begin(), a_sum.end());
    return tagged_hash("BIP0352/Inputs", msg);
}

uint256 shared_secret_tweak(const PubKey& shared, uint32_t k) {
    Bytes msg(shared.begin(), shared.end());
    for (int i = 3; i >= 0; --i) msg.push_back(uint8_t(k >> (8 * i)));
    return tagged_hash("BIP0352/SharedSecret", msg);
}

// B_spend + t·G.
std::optional<secp256k1_pubkey> add_tweak(const PubKey& base, const uint256& t) {
    auto p = parse(base);
    if (!p || !secp256k1_ec_pubkey_tweak_add(ctx(), &*p, t.data())) return std::nullopt;
    return p;
}

bool is_p2tr(const Script& s) { return s.size() == 34 && s[0] == OP_1 && s[1] == 32; }
bool is_p2wpkh(const Script& s) { return s.size() == 22 && s[0] == OP_0 && s[1] == 20; }
bool is_p2pkh(const Script& s) {
    return s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 && s[23] == OP_EQUALVERIFY &&
           s[24] == OP_CHECKSIG;
}

std::optional<PubKey> compressed_key(ByteView b) {
    if (b.size() != 33 || (b[0] != 0x02 && b[0] != 0x03)) return std::nullopt;
    PubKey p;
    std::copy(b.begin(), b.end(), p.begin());
    if (!parse(p)) return std::nullopt;
    return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Addresses

const char* address_hrp(Network network) {
    switch (network) {
    case Network::MAIN: return "sp";
    case Network::TESTNET4:
    case Network::SIGNET: return "tsp";
    case Network::REGTEST: return "sprt";
    }
    return "sprt";
}

std::string encode_address(const Address& a, Network network) {
    Bytes payload(a.scan.begin(), a.scan.end());
    payload.insert(payload.end(), a.spend.begin(), a.spend.end());
    std::vector<uint8_t> values{a.version};
    auto five = bech32::convert_bits(payload, 8, 5, true);
    values.insert(values.end(), five->begin(), five->end());
    return bech32::encode(bech32::Encoding::BECH32M, address_hrp(network), values);
}

bool looks_like_address(std::string_view text) {
    const size_t sep = text.rfind('1');
    if (sep == std::string_view::npos) return false;
    std::string hrp(text.substr(0, sep));
    std::transform(hrp.begin(), hrp.end(), hrp.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return hrp == "sp" || hrp == "tsp" || hrp == "sprt";
}

std::optional<Address> decode_address(std::string_view text, Network network, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<Address> {
        if (error) *error = why;
        return std::nullopt;
    };
    const bech32::DecodeResult r = bech32::decode(text, kMaxAddressLength);
    if (!r) return fail(std::string("not a silent payment address: ") + bech32::error_string(r.error));
    const bech32::Decoded& d = *r.value;
    if (d.hrp != "sp" && d.hrp != "tsp" && d.hrp != "sprt")
        return fail("not a silent payment address (prefix \"" + d.hrp + "\")");
    if (d.hrp != address_hrp(network))
        return fail("silent payment address for another network (prefix \"" + d.hrp + "\", expected \"" +
                    address_hrp(network) + "\" on " + network_name(network) + ")");
    if (d.encoding != bech32::Encoding::BECH32M) return fail("silent payment addresses use bech32m, not bech32");
    if (d.data.empty()) return fail("silent payment address without a version");
    const uint8_t version = d.data[0];
    if (version == 31) return fail("silent payment address version 31 is reserved for incompatible upgrades");
    auto payload = bech32::convert_bits(std::span(d.data).subspan(1), 5, 8, false);
    if (!payload) return fail("silent payment address with invalid padding");
    if (version == 0 && payload->size() != 66)
        return fail("silent payment address version 0 must carry 66 bytes, not " + std::to_string(payload->size()));
    if (payload->size() < 66)
        return fail("silent payment address too short (" + std::to_string(payload->size()) + " bytes)");
    Address a;
    a.version = version;
    auto scan = compressed_key(ByteView(*payload).subspan(0, 33));
    auto spend = compressed_key(ByteView(*payload).subspan(33, 33));
    if (!scan) return fail("silent payment address with an invalid scan key");
    if (!spend) return fail("silent payment address with an invalid spend key");
    a.scan = *scan;
    a.spend = *spend;
    return a;
}

// ---------------------------------------------------------------------------------------
// Inputs and tweak data

std::optional<PubKey> input_public_key(const TxIn& in, const Script& spent) {
    if (is_p2tr(spent)) {
        Witness stack = in.witness;
        if (stack.empty()) return std::nullopt;
        if (stack.size() >= 2 && !stack.back().empty() && stack.back()[0] == 0x50) stack.pop_back();  // annex
        if (stack.size() > 1) {
            const Bytes& control = stack.back();
            if (control.size() >= 33 && std::equal(control.begin() + 1, control.begin() + 33, kNumsH))
                return std::nullopt;
        }
        XOnlyPubkey x;
        std::copy(spent.bytes().begin() + 2, spent.bytes().end(), x.begin());
        const PubKey p = even(x);
        if (!parse(p)) return std::nullopt;
        return p;
    }
    if (is_p2wpkh(spent)) {
        if (in.witness.empty()) return std::nullopt;
        return compressed_key(in.witness.back());
    }
    if (spent.is_p2sh()) {
        // Only P2SH-P2WPKH: the scriptSig pushes exactly a version 0, 20-byte program.
        const Script& ss = in.script_sig;
        if (ss.size() != 23 || ss[0] != 22 || ss[1] != OP_0 || ss[2] != 20 || in.witness.empty()) return std::nullopt;
        return compressed_key(in.witness.back());
    }
    if (is_p2pkh(spent)) {
        // The key may sit anywhere in a malleated scriptSig: the last 33 bytes whose
        // HASH160 is the one the script commits to.
        const Bytes& ss = in.script_sig.bytes();
        const ByteView want = ByteView(spent.bytes()).subspan(3, 20);
        for (size_t end = ss.size(); end >= 33; --end) {
            const ByteView cand = ByteView(ss).subspan(end - 33, 33);
            const Hash160 h = hash160(cand);
            if (std::equal(h.begin(), h.end(), want.begin())) return compressed_key(cand);
        }
        return std::nullopt;
    }
    return std::nullopt;
}

bool is_eligible(const Transaction& tx, std::span<const Script> spent) {
    if (tx.is_coinbase() || spent.size() != tx.vin.size()) return false;
    if (std::none_of(tx.vout.begin(), tx.vout.end(), [](const TxOut& o) { return is_p2tr(o.script_pubkey); }))
        return false;
    for (const Script& s : spent) {
        int version = 0;
        Bytes program;
        if (s.is_witness_program(version, program) && version > 1) return false;
    }
    return true;
}

OutPoint smallest_outpoint(const Transaction& tx) {
    OutPoint best = tx.vin.front().prevout;
    Bytes best_bytes = outpoint_bytes(best);
    for (const TxIn& in : tx.vin) {
        Bytes b = outpoint_bytes(in.prevout);
        if (b < best_bytes) {
            best = in.prevout;
            best_bytes = std::move(b);
        }
    }
    return best;
}

std::optional<PubKey> tweak_data(std::span<const PubKey> input_keys, const OutPoint& smallest) {
    if (input_keys.empty()) return std::nullopt;
    std::vector<secp256k1_pubkey> points;
    for (const PubKey& k : input_keys) {
        auto p = parse(k);
        if (!p) return std::nullopt;
        points.push_back(*p);
    }
    std::vector<const secp256k1_pubkey*> ptrs;
    for (const secp256k1_pubkey& p : points) ptrs.push_back(&p);
    secp256k1_pubkey sum;
    if (!secp256k1_ec_pubkey_combine(ctx(), &sum, ptrs.data(), ptrs.size())) return std::nullopt;  // infinity
    const uint256 h = input_hash(smallest, serialize(sum));
    if (!valid_scalar(h)) return std::nullopt;
    if (!secp256k1_ec_pubkey_tweak_mul(ctx(), &sum, h.data())) return std::nullopt;
    return serialize(sum);
}

std::optional<PubKey> tweak_data(const Transaction& tx, std::span<const Script> spent) {
    if (!is_eligible(tx, spent)) return std::nullopt;
    std::vector<PubKey> keys;
    for (size_t i = 0; i < tx.vin.size(); ++i)
        if (auto k = input_public_key(tx.vin[i], spent[i])) keys.push_back(*k);
    return tweak_data(keys, smallest_outpoint(tx));
}

// ---------------------------------------------------------------------------------------
// Sending

std::optional<std::vector<XOnlyPubkey>> sender_outputs(std::span<const SenderInput> inputs, const OutPoint& smallest,
                                                       std::span<const Address> recipients, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::vector<XOnlyPubkey>> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (inputs.empty()) return fail("no input can be used for silent payments (P2TR, P2WPKH, P2SH-P2WPKH or P2PKH)");
    // Groups by scan key, in order of first appearance.
    std::map<PubKey, uint32_t> group_size;
    for (const Address& r : recipients)
        if (++group_size[r.scan] > kMaxOutputsPerGroup)
            return fail("more than " + std::to_string(kMaxOutputsPerGroup) +
                        " outputs to one silent payment recipient (K_max)");
    // a = sum of the keys, each taproot key negated when its point has an odd Y.
    std::array<uint8_t, 32> a{};
    bool first = true;
    for (const SenderInput& in : inputs) {
        if (!in.key.valid()) return fail("invalid input key");
        std::array<uint8_t, 32> k = in.key.bytes();
        if (in.taproot && in.key.compressed_pubkey()[0] == 0x03 && !secp256k1_ec_seckey_negate(ctx(), k.data()))
            return fail("invalid input key");
        if (first) {
            a = k;
            first = false;
        } else if (!secp256k1_ec_seckey_tweak_add(ctx(), a.data(), k.data())) {
            // The running sum hit zero: restart it from the next key (it is only zero
            // for now; the final sum decides).
            a.fill(0);
            first = true;
        }
    }
    const SecretKey a_key(a);
    if (first || !a_key.valid()) return fail("the input keys sum to zero; no silent payment output can be made");
    const uint256 h = input_hash(smallest, a_key.compressed_pubkey());
    if (!valid_scalar(h)) return fail("invalid input hash");
    std::array<uint8_t, 32> scalar = a;
    if (!secp256k1_ec_seckey_tweak_mul(ctx(), scalar.data(), h.data())) return fail("invalid input hash");
    std::map<PubKey, PubKey> shared;  // scan key -> ecdh shared secret
    std::map<PubKey, uint32_t> next_k;
    std::vector<XOnlyPubkey> out;
    for (const Address& r : recipients) {
        if (!shared.count(r.scan)) {
            auto b_scan = parse(r.scan);
            PubKey s{};
            if (!b_scan || !secp256k1_ecdh(signing_context(), s.data(), &*b_scan, scalar.data(), keep_point, nullptr))
                return fail("ECDH failed");
            shared[r.scan] = s;
        }
        const uint32_t k = next_k[r.scan]++;
        const uint256 t = shared_secret_tweak(shared[r.scan], k);
        if (!valid_scalar(t)) return fail("invalid shared secret tweak");
        auto p = add_tweak(r.spend, t);
        if (!p) return fail("invalid output key");
        out.push_back(xonly(serialize(*p)));
    }
    std::fill(scalar.begin(), scalar.end(), 0);
    return out;
}

// ---------------------------------------------------------------------------------------
// Receiving

uint256 label_tweak(const SecretKey& scan, uint32_t m) {
    Bytes msg(scan.bytes().begin(), scan.bytes().end());
    for (int i = 3; i >= 0; --i) msg.push_back(uint8_t(m >> (8 * i)));
    const uint256 t = tagged_hash("BIP0352/Label", msg);
    std::fill(msg.begin(), msg.end(), 0);
    return t;
}

std::optional<PubKey> labelled_spend_key(const PubKey& spend, const SecretKey& scan, uint32_t m) {
    auto p = add_tweak(spend, label_tweak(scan, m));
    if (!p) return std::nullopt;
    return serialize(*p);
}

void add_label(LabelPoints& labels, const SecretKey& scan, uint32_t m) {
    SecretKey t(label_tweak(scan, m).view().first<32>());
    if (!t.valid()) return;
    const Bytes p = t.pubkey(true);
    PubKey key;
    std::copy(p.begin(), p.end(), key.begin());
    labels[key] = m;
}

std::optional<PubKey> shared_secret(const SecretKey& scan, const PubKey& tweak) {
    auto point = parse(tweak);
    PubKey out{};
    if (!point || !secp256k1_ecdh(signing_context(), out.data(), &*point, scan.data(), keep_point, nullptr))
        return std::nullopt;
    return out;
}

std::vector<FoundOutput> scan_outputs(const PubKey& shared, const PubKey& spend, std::span<const XOnlyPubkey> outputs,
                                      const LabelPoints& labels) {
    std::vector<FoundOutput> found;
    std::vector<XOnlyPubkey> left(outputs.begin(), outputs.end());
    for (uint32_t k = 0; k < kMaxOutputsPerGroup && !left.empty(); ++k) {
        const uint256 t = shared_secret_tweak(shared, k);
        if (!valid_scalar(t)) break;
        auto pk = add_tweak(spend, t);
        if (!pk) break;
        const PubKey p_k = serialize(*pk);
        secp256k1_pubkey neg_pk = *pk;
        if (!secp256k1_ec_pubkey_negate(ctx(), &neg_pk)) break;
        bool matched = false;
        for (size_t i = 0; i < left.size() && !matched; ++i) {
            if (left[i] == xonly(p_k)) {
                found.push_back(FoundOutput{left[i], t, std::nullopt});
                matched = true;
            } else if (!labels.empty()) {
                // output - P_k, for the output's point with either Y.
                for (bool negate : {false, true}) {
                    auto out_point = parse(even(left[i]));
                    if (!out_point) break;
                    if (negate && !secp256k1_ec_pubkey_negate(ctx(), &*out_point)) continue;
                    const secp256k1_pubkey* terms[2] = {&*out_point, &neg_pk};
                    secp256k1_pubkey diff;
                    if (!secp256k1_ec_pubkey_combine(ctx(), &diff, terms, 2)) continue;
                    auto it = labels.find(serialize(diff));
                    if (it == labels.end()) continue;
                    found.push_back(FoundOutput{left[i], t, it->second});
                    matched = true;
                    break;
                }
            }
            if (matched) left.erase(left.begin() + ptrdiff_t(i));
        }
        if (!matched) break;
    }
    return found;
}

std::vector<Script> first_output_scripts(const PubKey& shared, const PubKey& spend, const LabelPoints& labels) {
    std::vector<Script> out;
    const uint256 t = shared_secret_tweak(shared, 0);
    if (!valid_scalar(t)) return out;
    auto pk = add_tweak(spend, t);
    if (!pk) return out;
    auto script_of = [](const secp256k1_pubkey& p) {
        const XOnlyPubkey x = xonly(serialize(p));
        Script s;
        s.push_op(OP_1).push_data(ByteView(x.data(), x.size()));
        return s;
    };
    out.push_back(script_of(*pk));
    for (const auto& [point, m] : labels) {
        auto lp = parse(point);
        if (!lp) continue;
        const secp256k1_pubkey* terms[2] = {&*pk, &*lp};
        secp256k1_pubkey sum;
        if (secp256k1_ec_pubkey_combine(ctx(), &sum, terms, 2)) out.push_back(script_of(sum));
    }
    return out;
}

std::optional<uint256> output_tweak(const FoundOutput& found, const SecretKey& scan) {
    if (!found.label) return found.tweak;
    uint256 sum = found.tweak;
    const uint256 l = label_tweak(scan, *found.label);
    if (!secp256k1_ec_seckey_tweak_add(ctx(), sum.data(), l.data())) return std::nullopt;
    return sum;
}

std::optional<SecretKey> output_secret(const SecretKey& spend, const uint256& tweak) {
    SecretKey d = spend;
    if (!secp256k1_ec_seckey_tweak_add(ctx(), d.data(), tweak.data()) || !d.valid()) return std::nullopt;
    return d;
}

}  // namespace minicash::sp
