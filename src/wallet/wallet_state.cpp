#include "wallet/wallet_state.h"

#include <algorithm>

#include "util/hex.h"

namespace minicash::wallet {

namespace json = boost::json;

const char* address_type_name(AddressType t) {
    switch (t) {
    case AddressType::LEGACY: return "legacy";
    case AddressType::P2SH_SEGWIT: return "p2sh-segwit";
    case AddressType::BECH32: return "bech32";
    case AddressType::BECH32M: return "bech32m";
    }
    return "?";
}

std::optional<AddressType> parse_address_type(std::string_view name) {
    for (AddressType t : {AddressType::LEGACY, AddressType::P2SH_SEGWIT, AddressType::BECH32, AddressType::BECH32M})
        if (name == address_type_name(t)) return t;
    return std::nullopt;
}

std::optional<OutPoint> parse_outpoint(std::string_view text) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto txid = uint256::from_hex(text.substr(0, colon));
    const std::string_view n = text.substr(colon + 1);
    if (!txid || n.empty() || n.size() > 10 || n.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    const uint64_t index = std::stoull(std::string(n));
    if (index > 0xffffffffULL) return std::nullopt;
    return OutPoint{*txid, uint32_t(index)};
}

std::string format_outpoint(const OutPoint& op) { return op.txid.to_hex() + ":" + std::to_string(op.index); }

std::string format_key_origin(const KeyOriginInfo& origin) {
    return hex_encode(ByteView(origin.fingerprint.data(), origin.fingerprint.size())) +
           format_path_suffix(origin.path, 'h');
}

std::optional<KeyOriginInfo> parse_key_origin(std::string_view text) {
    if (text.size() < 8) return std::nullopt;
    auto fp = hex_decode(text.substr(0, 8));
    if (!fp || fp->size() != 4) return std::nullopt;
    KeyOriginInfo o;
    std::copy(fp->begin(), fp->end(), o.fingerprint.begin());
    std::string_view rest = text.substr(8);
    if (!rest.empty()) {
        if (rest[0] != '/') return std::nullopt;
        auto path = parse_derivation_path(rest.substr(1));
        if (!path) return std::nullopt;
        o.path = *path;
    }
    return o;
}

const char* tx_state_name(TxState s) {
    switch (s) {
    case TxState::CONFIRMED: return "confirmed";
    case TxState::MEMPOOL: return "mempool";
    case TxState::INACTIVE: return "inactive";
    case TxState::CONFLICTED: return "conflicted";
    }
    return "?";
}

namespace {
std::optional<TxState> parse_tx_state(std::string_view s) {
    for (TxState t : {TxState::CONFIRMED, TxState::MEMPOOL, TxState::INACTIVE, TxState::CONFLICTED})
        if (s == tx_state_name(t)) return t;
    return std::nullopt;
}
}  // namespace

uint32_t WalletDescriptor::range_end() const {
    if (!desc.is_range()) return 1;
    const uint64_t used_end = uint64_t(max_used + 1);
    return uint32_t(std::max<uint64_t>(next_index, used_end) + kGapLimit);
}

const ChainParams& WalletState::params() const {
    static const ChainParams main = make_chain_params(Network::MAIN);
    static const ChainParams testnet4 = make_chain_params(Network::TESTNET4);
    static const ChainParams signet = make_chain_params(Network::SIGNET);
    static const ChainParams regtest = make_chain_params(Network::REGTEST);
    switch (network) {
    case Network::MAIN: return main;
    case Network::TESTNET4: return testnet4;
    case Network::SIGNET: return signet;
    case Network::REGTEST: return regtest;
    }
    return regtest;
}

bool WalletState::add_descriptor(const Descriptor& desc, bool internal, std::optional<AddressType> type,
                                 std::string* error) {
    if (desc.is_multipath()) {
        if (error) *error = "multipath descriptors must be split before they are added";
        return false;
    }
    if (!desc.is_solvable()) {
        if (error) *error = "descriptor is not solvable (raw() and addr() cannot be spent by the wallet)";
        return false;
    }
    std::string why;
    if (!desc.expand(0, &why)) {
        if (error) *error = "cannot derive scripts from descriptor: " + why;
        return false;
    }
    const std::string text = desc.to_string(false);
    for (const WalletDescriptor& d : descriptors)
        if (d.desc.to_string(false) == text) {
            if (error) *error = "descriptor is already in the wallet";
            return false;
        }
    WalletDescriptor d;
    d.desc = desc;
    d.internal = internal;
    d.type = type;
    descriptors.push_back(std::move(d));
    derive_scripts(descriptors.size() - 1, descriptors.back().range_end());
    return true;
}

void WalletState::derive_scripts(size_t i, uint32_t end) {
    WalletDescriptor& d = descriptors[i];
    for (uint32_t idx = d.derived; idx < end; ++idx) {
        auto expanded = d.desc.expand(idx);
        if (expanded)
            for (const ExpandedScript& e : *expanded) scripts_.emplace(e.script_pubkey, ScriptOwner{i, idx});
    }
    d.derived = std::max(d.derived, end);
}

bool WalletState::top_up() {
    bool grew = false;
    for (size_t i = 0; i < descriptors.size(); ++i)
        if (descriptors[i].derived < descriptors[i].range_end()) {
            derive_scripts(i, descriptors[i].range_end());
            grew = true;
        }
    return grew;
}

const ScriptOwner* WalletState::owner_of(const Script& script) const {
    auto it = scripts_.find(script);
    return it == scripts_.end() ? nullptr : &it->second;
}

std::vector<Bytes> WalletState::watched_scripts() const {
    std::vector<Bytes> out;
    out.reserve(scripts_.size());
    for (const auto& [script, owner] : scripts_) out.push_back(script.bytes());
    return out;
}

WalletDescriptor* WalletState::active_descriptor(AddressType type, bool internal) {
    for (WalletDescriptor& d : descriptors)
        if (d.type == type && d.internal == internal) return &d;
    // A wallet without a change descriptor of this type pays change to a receive address.
    if (internal)
        for (WalletDescriptor& d : descriptors)
            if (d.type == type && !d.internal) return &d;
    return nullptr;
}

std::optional<Script> WalletState::new_script(AddressType type, bool internal, std::string* error) {
    WalletDescriptor* d = active_descriptor(type, internal);
    if (!d) {
        if (error)
            *error = std::string("the wallet has no ") + address_type_name(type) +
                     " descriptor (import one with import-descriptor)";
        return std::nullopt;
    }
    return next_script(*d, error);
}

std::optional<Script> WalletState::next_script(WalletDescriptor& descriptor, std::string* error) {
    WalletDescriptor* d = &descriptor;
    uint32_t index = d->desc.is_range() ? std::max<uint32_t>(d->next_index, uint32_t(d->max_used + 1)) : 0;
    auto expanded = d->desc.expand(index, error);
    if (!expanded || expanded->empty()) return std::nullopt;
    if (d->desc.is_range()) d->next_index = index + 1;
    top_up();
    return expanded->front().script_pubkey;
}

void WalletState::add_silent_payment_output(const Script& script, const SilentPaymentOutput& out) {
    silent_payments->outputs[script] = out;
    scripts_[script] = ScriptOwner{ScriptOwner::kSilentPayment, 0};
}

std::optional<TxOut> WalletState::wallet_output(const OutPoint& op) const {
    auto it = txs.find(op.txid);
    if (it == txs.end() || op.index >= it->second.tx.vout.size()) return std::nullopt;
    const TxOut& out = it->second.tx.vout[op.index];
    if (!is_mine(out.script_pubkey)) return std::nullopt;
    return out;
}

bool WalletState::add_transaction(const Transaction& tx, TxState state, int height, const uint256& block_hash,
                                  uint32_t block_time, int64_t now) {
    const uint256 txid = tx.txid();
    bool relevant = txs.count(txid) > 0;
    for (const TxOut& out : tx.vout)
        if (const ScriptOwner* o = owner_of(out.script_pubkey)) {
            relevant = true;
            if (o->is_silent_payment()) continue;
            WalletDescriptor& d = descriptors[o->descriptor];
            d.max_used = std::max<int64_t>(d.max_used, o->index);
        }
    bool spends_ours = false;
    if (!tx.is_coinbase())
        for (const TxIn& in : tx.vin)
            if (wallet_output(in.prevout)) {
                spends_ours = true;
                break;
            }
    relevant = relevant || spends_ours;
    if (!relevant) return false;
    auto [it, inserted] = txs.try_emplace(txid);
    WalletTx& w = it->second;
    if (inserted) {
        w.tx = tx;
        w.txid = txid;
        w.time = now;
        w.from_me = spends_ours;  // only our keys can have signed it
    } else if (!w.tx.has_witness() && tx.has_witness()) {
        w.tx = tx;  // keep the witness once it is known
    }
    if (state == TxState::CONFIRMED) {
        w.state = TxState::CONFIRMED;
        w.height = height;
        w.block_hash = block_hash;
        w.block_time = block_time;
    } else if (w.state != TxState::CONFIRMED) {
        w.state = state;
    }
    return true;
}

void WalletState::disconnect_above(int height) {
    for (auto it = txs.begin(); it != txs.end();) {
        WalletTx& w = it->second;
        if (w.state == TxState::CONFIRMED && w.height > height) {
            if (w.tx.is_coinbase()) {
                it = txs.erase(it);
                continue;
            }
            w.state = TxState::INACTIVE;
            w.height = -1;
            w.block_hash = uint256();
            w.block_time = 0;
        }
        ++it;
    }
    block_hashes.erase(block_hashes.upper_bound(height), block_hashes.end());
    synced_height = std::min(synced_height, height);
}

void WalletState::set_synced(int height, const uint256& hash) {
    synced_height = height;
    block_hashes[height] = hash;
    while (!block_hashes.empty() && block_hashes.begin()->first <= height - kReorgWindow)
        block_hashes.erase(block_hashes.begin());
}

void WalletState::update_unconfirmed(const std::set<uint256>& mempool) {
    for (auto& [txid, w] : txs)
        if (w.state != TxState::CONFIRMED) w.state = mempool.count(txid) ? TxState::MEMPOOL : TxState::INACTIVE;
    // Conflicts: an unconfirmed transaction loses when another confirmed or mempool
    // transaction spends one of its inputs, or when it spends a conflicted one's output.
    std::map<OutPoint, std::vector<uint256>> spenders;
    for (const auto& [txid, w] : txs)
        if (!w.tx.is_coinbase())
            for (const TxIn& in : w.tx.vin) spenders[in.prevout].push_back(txid);
    bool changed = true;
    while (changed) {
        changed = false;
        for (auto& [txid, w] : txs) {
            if (w.state != TxState::INACTIVE) continue;
            bool conflicted = false;
            for (const TxIn& in : w.tx.vin) {
                auto parent = txs.find(in.prevout.txid);
                if (parent != txs.end() && parent->second.state == TxState::CONFLICTED) conflicted = true;
                for (const uint256& other : spenders[in.prevout]) {
                    if (other == txid) continue;
                    const TxState s = txs.at(other).state;
                    if (s == TxState::CONFIRMED || s == TxState::MEMPOOL) conflicted = true;
                }
            }
            if (conflicted) {
                w.state = TxState::CONFLICTED;
                changed = true;
            }
        }
    }
}

std::vector<WalletCoin> WalletState::unspent(int tip_height) const {
    std::set<OutPoint> spent;
    for (const auto& [txid, w] : txs)
        if (is_active(w) && !w.tx.is_coinbase())
            for (const TxIn& in : w.tx.vin) spent.insert(in.prevout);
    std::vector<WalletCoin> out;
    for (const auto& [txid, w] : txs) {
        if (w.state != TxState::CONFIRMED && w.state != TxState::MEMPOOL) continue;
        for (uint32_t i = 0; i < w.tx.vout.size(); ++i) {
            const ScriptOwner* owner = owner_of(w.tx.vout[i].script_pubkey);
            if (!owner || spent.count(OutPoint{txid, i})) continue;
            WalletCoin c;
            c.outpoint = OutPoint{txid, i};
            c.out = w.tx.vout[i];
            c.owner = *owner;
            c.state = w.state;
            c.height = w.state == TxState::CONFIRMED ? w.height : -1;
            c.confirmations = w.state == TxState::CONFIRMED ? tip_height - w.height + 1 : 0;
            c.coinbase = w.tx.is_coinbase();
            c.from_me = w.from_me;
            out.push_back(std::move(c));
        }
    }
    return out;
}

Balances WalletState::balances(int tip_height) const {
    Balances b;
    for (const WalletCoin& c : unspent(tip_height)) {
        if (c.state == TxState::MEMPOOL) b.unconfirmed += c.out.value;
        else if (c.coinbase && c.confirmations < kCoinbaseMaturity) b.immature += c.out.value;
        else b.confirmed += c.out.value;
    }
    return b;
}

std::vector<HistoryEntry> WalletState::history(int tip_height) const {
    std::vector<HistoryEntry> out;
    for (const auto& [txid, w] : txs) {
        HistoryEntry e;
        e.txid = txid;
        e.state = w.state;
        e.height = w.state == TxState::CONFIRMED ? w.height : -1;
        e.confirmations = w.state == TxState::CONFIRMED ? tip_height - w.height + 1 : 0;
        e.coinbase = w.tx.is_coinbase();
        e.time = w.state == TxState::CONFIRMED && w.block_time ? int64_t(w.block_time) : w.time;
        for (const TxOut& o : w.tx.vout)
            if (is_mine(o.script_pubkey)) e.received += o.value;
        bool all_mine = !w.tx.is_coinbase();
        Amount in_total = 0;
        if (!w.tx.is_coinbase())
            for (const TxIn& in : w.tx.vin) {
                if (auto prev = wallet_output(in.prevout)) {
                    e.sent += prev->value;
                    in_total += prev->value;
                } else {
                    all_mine = false;
                }
            }
        if (all_mine) {
            Amount value_out = 0;
            for (const TxOut& o : w.tx.vout) value_out += o.value;
            e.fee = in_total - value_out;
        }
        out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
        const int ha = a.height < 0 ? INT32_MAX : a.height, hb = b.height < 0 ? INT32_MAX : b.height;
        if (ha != hb) return ha < hb;
        if (a.time != b.time) return a.time < b.time;
        return a.txid < b.txid;
    });
    return out;
}

// ---------------------------------------------------------------------------------------
// Serialization

json::object WalletState::to_json() const {
    json::object o;
    o["format"] = 1;
    o["network"] = network_name(network);
    o["birthday"] = birthday;
    o["synced_height"] = synced_height;
    o["watch_only"] = watch_only;
    json::array hashes;
    for (const auto& [h, hash] : block_hashes) hashes.push_back(json::array{h, json::string(hash.to_hex())});
    o["block_hashes"] = std::move(hashes);
    json::array descs;
    for (const WalletDescriptor& d : descriptors) {
        json::object j;
        j["desc"] = d.desc.to_string(true);
        j["internal"] = d.internal;
        j["type"] = d.type ? json::value(address_type_name(*d.type)) : json::value(nullptr);
        j["next_index"] = d.next_index;
        j["max_used"] = d.max_used;
        descs.push_back(std::move(j));
    }
    o["descriptors"] = std::move(descs);
    json::array tx_array;
    for (const auto& [txid, w] : txs) {
        json::object j;
        j["hex"] = hex_encode(w.tx.serialize());
        j["state"] = tx_state_name(w.state);
        if (w.state == TxState::CONFIRMED) {
            j["height"] = w.height;
            j["block_hash"] = w.block_hash.to_hex();
            j["block_time"] = w.block_time;
        }
        j["time"] = w.time;
        j["from_me"] = w.from_me;
        tx_array.push_back(std::move(j));
    }
    o["txs"] = std::move(tx_array);
    json::array locked_array;
    for (const OutPoint& op : locked) locked_array.push_back(json::string(format_outpoint(op)));
    o["locked"] = std::move(locked_array);
    o["labels"] = labels.to_json();
    json::array accounts;
    for (const SigningAccount& a : signing_accounts) {
        json::object j;
        j["origin"] = format_key_origin(a.origin);
        j["xprv"] = a.key.to_string(params());
        accounts.push_back(std::move(j));
    }
    o["signing_accounts"] = std::move(accounts);
    if (silent_payments) o["silent_payments"] = silent_payments->to_json();
    json::array sp_sends;
    for (const uint256& id : silent_payment_sends) sp_sends.push_back(json::string(id.to_hex()));
    o["silent_payment_sends"] = std::move(sp_sends);
    return o;
}

std::optional<WalletState> WalletState::from_json(const json::value& v, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<WalletState> {
        if (error) *error = why;
        return std::nullopt;
    };
    try {
        const json::object& o = v.as_object();
        if (o.at("format").to_number<int64_t>() != 1) return fail("unknown state format");
        WalletState s;
        auto net = network_from_name(std::string(o.at("network").as_string()));
        if (!net) return fail("unknown network");
        s.network = *net;
        s.birthday = int(o.at("birthday").to_number<int64_t>());
        s.synced_height = int(o.at("synced_height").to_number<int64_t>());
        s.watch_only = o.at("watch_only").as_bool();
        for (const json::value& h : o.at("block_hashes").as_array()) {
            const json::array& pair = h.as_array();
            auto hash = uint256::from_hex(std::string(pair.at(1).as_string()));
            if (!hash) return fail("bad block hash");
            s.block_hashes[int(pair.at(0).to_number<int64_t>())] = *hash;
        }
        for (const json::value& dv : o.at("descriptors").as_array()) {
            const json::object& d = dv.as_object();
            std::string why;
            auto desc = Descriptor::parse(std::string(d.at("desc").as_string()), s.params(), &why, true);
            if (!desc) return fail("bad descriptor: " + why);
            std::optional<AddressType> type;
            if (!d.at("type").is_null()) {
                type = parse_address_type(std::string(d.at("type").as_string()));
                if (!type) return fail("bad address type");
            }
            WalletDescriptor wd;
            wd.desc = *desc;
            wd.internal = d.at("internal").as_bool();
            wd.type = type;
            wd.next_index = uint32_t(d.at("next_index").to_number<int64_t>());
            wd.max_used = d.at("max_used").to_number<int64_t>();
            s.descriptors.push_back(std::move(wd));
        }
        for (size_t i = 0; i < s.descriptors.size(); ++i) s.derive_scripts(i, s.descriptors[i].range_end());
        for (const json::value& tv : o.at("txs").as_array()) {
            const json::object& t = tv.as_object();
            auto raw = hex_decode(std::string(t.at("hex").as_string()));
            if (!raw) return fail("bad transaction hex");
            auto tx = Transaction::decode(*raw);
            if (!tx) return fail("bad transaction");
            auto state = parse_tx_state(std::string(t.at("state").as_string()));
            if (!state) return fail("bad transaction state");
            WalletTx w;
            w.tx = std::move(*tx);
            w.txid = w.tx.txid();
            w.state = *state;
            if (w.state == TxState::CONFIRMED) {
                w.height = int(t.at("height").to_number<int64_t>());
                auto bh = uint256::from_hex(std::string(t.at("block_hash").as_string()));
                if (!bh) return fail("bad block hash");
                w.block_hash = *bh;
                w.block_time = uint32_t(t.at("block_time").to_number<int64_t>());
            }
            w.time = t.at("time").to_number<int64_t>();
            w.from_me = t.at("from_me").as_bool();
            s.txs[w.txid] = std::move(w);
        }
        // Added after format 1's first release: absent in older files.
        if (const json::value* l = o.if_contains("locked"))
            for (const json::value& item : l->as_array()) {
                auto op = parse_outpoint(std::string(item.as_string()));
                if (!op) return fail("bad locked outpoint");
                s.locked.insert(*op);
            }
        if (const json::value* l = o.if_contains("labels")) s.labels = Labels::from_json(l->as_array());
        if (const json::value* a = o.if_contains("signing_accounts"))
            for (const json::value& item : a->as_array()) {
                auto origin = parse_key_origin(std::string(item.at("origin").as_string()));
                auto key = decode_ext_privkey(std::string(item.at("xprv").as_string()), s.params());
                if (!origin || !key) return fail("bad signing account");
                s.signing_accounts.push_back(SigningAccount{*origin, *key});
            }
        if (const json::value* sp = o.if_contains("silent_payments")) {
            std::string why;
            auto account = SilentPaymentAccount::from_json(sp->as_object(), &why);
            if (!account) return fail(why);
            s.silent_payments = std::move(*account);
            for (const auto& [script, out] : s.silent_payments->outputs)
                s.scripts_[script] = ScriptOwner{ScriptOwner::kSilentPayment, 0};
        }
        if (const json::value* sends = o.if_contains("silent_payment_sends"))
            for (const json::value& item : sends->as_array()) {
                auto id = uint256::from_hex(std::string(item.as_string()));
                if (!id) return fail("bad txid");
                s.silent_payment_sends.insert(*id);
            }
        return s;
    } catch (const std::exception& e) { return fail(std::string("malformed state (") + e.what() + ")"); }
}

}  // namespace minicash::wallet
