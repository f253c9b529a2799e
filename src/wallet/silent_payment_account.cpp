#include "wallet/silent_payment_account.h"

#include "common/bip32.h"
#include "util/hex.h"

namespace minicash::wallet {

namespace json = boost::json;

namespace {

std::optional<SecretKey> derive(const ExtPrivKey& master, uint32_t coin, uint32_t branch) {
    const std::vector<uint32_t> path = {352 | kHardenedBit, coin | kHardenedBit, kHardenedBit, branch | kHardenedBit,
                                        0};
    auto k = master.derive_path(path);
    if (!k) return std::nullopt;
    return k->secret;
}

sp::PubKey compressed(const SecretKey& k) { return k.compressed_pubkey(); }

std::string secret_hex(const SecretKey& k) { return hex_encode(ByteView(k.data(), 32)); }

std::optional<SecretKey> secret_from_hex(const json::value& v) {
    auto b = hex_decode(std::string(v.as_string()));
    if (!b || b->size() != 32) return std::nullopt;
    SecretKey k(std::span<const uint8_t, 32>(b->data(), 32));
    std::fill(b->begin(), b->end(), 0);
    if (!k.valid()) return std::nullopt;
    return k;
}

}  // namespace

std::optional<SilentPaymentAccount> SilentPaymentAccount::from_seed(ByteView seed, Network network) {
    auto master = ExtPrivKey::from_seed(seed);
    if (!master) return std::nullopt;
    const uint32_t coin = network == Network::MAIN ? 0 : 1;
    auto scan = derive(*master, coin, 1);
    auto spend = derive(*master, coin, 0);
    if (!scan || !spend) return std::nullopt;
    SilentPaymentAccount a;
    a.scan = *scan;
    a.spend = *spend;
    return a;
}

sp::PubKey SilentPaymentAccount::scan_pubkey() const { return compressed(scan); }
sp::PubKey SilentPaymentAccount::spend_pubkey() const { return compressed(spend); }

sp::Address SilentPaymentAccount::address(std::optional<uint32_t> label) const {
    sp::Address a;
    a.scan = scan_pubkey();
    a.spend = spend_pubkey();
    if (label)
        if (auto b_m = sp::labelled_spend_key(a.spend, scan, *label)) a.spend = *b_m;
    return a;
}

sp::LabelPoints SilentPaymentAccount::label_points() const {
    sp::LabelPoints l;
    for (uint32_t m = 0; m < next_label; ++m) sp::add_label(l, scan, m);
    return l;
}

std::vector<sp::FoundOutput> SilentPaymentAccount::find(const Transaction& tx, const sp::PubKey& tweak) const {
    std::vector<XOnlyPubkey> keys;
    for (const TxOut& o : tx.vout) {
        const Bytes& s = o.script_pubkey.bytes();
        if (s.size() != 34 || s[0] != OP_1 || s[1] != 32) continue;
        XOnlyPubkey x;
        std::copy(s.begin() + 2, s.end(), x.begin());
        keys.push_back(x);
    }
    if (keys.empty()) return {};
    auto shared = sp::shared_secret(scan, tweak);
    if (!shared) return {};
    return sp::scan_outputs(*shared, spend_pubkey(), keys, label_points());
}

std::vector<Script> SilentPaymentAccount::candidate_scripts(const sp::PubKey& tweak) const {
    auto shared = sp::shared_secret(scan, tweak);
    if (!shared) return {};
    return sp::first_output_scripts(*shared, spend_pubkey(), label_points());
}

Script SilentPaymentAccount::output_script(const XOnlyPubkey& key) {
    Script s;
    s.push_op(OP_1).push_data(ByteView(key.data(), key.size()));
    return s;
}

std::optional<SilentPaymentOutput> SilentPaymentAccount::to_record(const sp::FoundOutput& f) const {
    auto t = sp::output_tweak(f, scan);
    if (!t) return std::nullopt;
    return SilentPaymentOutput{*t, f.label};
}

std::optional<SecretKey> SilentPaymentAccount::key_for(const Script& script) const {
    auto it = outputs.find(script);
    if (it == outputs.end()) return std::nullopt;
    return sp::output_secret(spend, it->second.tweak);
}

json::object SilentPaymentAccount::to_json() const {
    json::object o;
    o["scan_key"] = secret_hex(scan);
    o["spend_key"] = secret_hex(spend);
    o["next_label"] = next_label;
    o["active"] = active;
    o["scan_from"] = scan_from;
    json::array outs;
    for (const auto& [script, out] : outputs) {
        json::object j;
        j["script"] = hex_encode(script.bytes());
        j["tweak"] = hex_encode(out.tweak.view());
        if (out.label) j["label"] = *out.label;
        outs.push_back(std::move(j));
    }
    o["outputs"] = std::move(outs);
    return o;
}

std::optional<SilentPaymentAccount> SilentPaymentAccount::from_json(const json::object& o, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<SilentPaymentAccount> {
        if (error) *error = why;
        return std::nullopt;
    };
    SilentPaymentAccount a;
    auto scan = secret_from_hex(o.at("scan_key"));
    auto spend = secret_from_hex(o.at("spend_key"));
    if (!scan || !spend) return fail("bad silent payment key");
    a.scan = *scan;
    a.spend = *spend;
    a.next_label = uint32_t(o.at("next_label").to_number<int64_t>());
    if (a.next_label < 1) return fail("bad silent payment label count");
    a.active = o.at("active").as_bool();
    a.scan_from = int(o.at("scan_from").to_number<int64_t>());
    for (const json::value& v : o.at("outputs").as_array()) {
        const json::object& j = v.as_object();
        auto script = hex_decode(std::string(j.at("script").as_string()));
        auto tweak = hex_decode(std::string(j.at("tweak").as_string()));
        if (!script || !tweak || tweak->size() != 32) return fail("bad silent payment output");
        SilentPaymentOutput out{uint256(*tweak), std::nullopt};
        if (const json::value* l = j.if_contains("label")) out.label = uint32_t(l->to_number<int64_t>());
        a.outputs[Script(*script)] = out;
    }
    return a;
}

}  // namespace minicash::wallet
