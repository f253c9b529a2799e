// PSBT commands (Core's rpc/rawtransaction.cpp PSBT part): createpsbt, decodepsbt,
// combinepsbt, finalizepsbt, analyzepsbt, utxoupdatepsbt, joinpsbts, converttopsbt,
// descriptorprocesspsbt. Keys given to descriptorprocesspsbt live only for the call.
#include <algorithm>
#include <numeric>
#include <random>

#include "common/descriptor_provider.h"
#include "common/psbt.h"
#include "consensus/serialize.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/tx_index.h"
#include "node/mempool.h"
#include "node/psbt_analysis.h"
#include "rpc/rawtransaction_util.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/base58.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

Psbt decode_psbt_arg(const std::string& text) {
    std::string error;
    std::optional<Psbt> psbt = Psbt::decode_base64(text, &error);
    if (!psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + error);
    return std::move(*psbt);
}

// ---- decodepsbt ------------------------------------------------------------------------

std::string fingerprint_hex(const Fingerprint& f) { return hex_encode(ByteView(f.data(), f.size())); }

json::object derivation_json(const std::string& key_name, ByteView key, const KeyOriginInfo& origin) {
    json::object o;
    o[key_name] = hex_encode(key);
    o["master_fingerprint"] = fingerprint_hex(origin.fingerprint);
    o["path"] = format_derivation_path(origin.path, 'h');
    return o;
}

json::array tap_derivations_json(const std::map<XOnlyPubkey, TapKeyOrigin>& derivs) {
    json::array out;
    for (const auto& [x, t] : derivs) {
        json::object o = derivation_json("pubkey", ByteView(x.data(), x.size()), t.origin);
        json::array leaves;
        for (const uint256& h : t.leaf_hashes) leaves.push_back(json::value(hex_encode(h.view())));
        o["leaf_hashes"] = std::move(leaves);
        out.push_back(std::move(o));
    }
    return out;
}

// Splits unknown records into Core's "proprietary" list (type 0xfc: identifier, subtype,
// key) and the rest, and decodes the BIP373 MuSig2 records Core shows by name.
struct Extras {
    json::array proprietary;
    json::object unknown;
    std::map<uint8_t, std::vector<std::pair<Bytes, Bytes>>> by_type;  // records of the named kinds
};

Extras split_unknown(const std::map<Bytes, Bytes>& records, std::initializer_list<uint8_t> named) {
    Extras e;
    for (const auto& [key, value] : records) {
        if (!key.empty() && key[0] == PSBT_PROPRIETARY) {
            Reader r(ByteView(key).subspan(1));
            const Bytes identifier = r.var_bytes();
            const uint64_t subtype = r.compact_size(false);
            if (r.ok()) {
                json::object p;
                p["identifier"] = hex_encode(identifier);
                p["subtype"] = subtype;
                p["key"] = hex_encode(key);
                p["value"] = hex_encode(value);
                e.proprietary.push_back(std::move(p));
                continue;
            }
        }
        if (!key.empty() && std::find(named.begin(), named.end(), key[0]) != named.end()) {
            e.by_type[key[0]].emplace_back(Bytes(key.begin() + 1, key.end()), value);
            continue;
        }
        e.unknown[hex_encode(key)] = hex_encode(value);
    }
    return e;
}

// BIP373 record types Core decodes.
constexpr uint8_t kInMusig2Participants = 0x1a, kInMusig2PubNonce = 0x1b, kInMusig2PartialSig = 0x1c;
constexpr uint8_t kOutMusig2Participants = 0x08;

json::array musig2_participants_json(const std::vector<std::pair<Bytes, Bytes>>& records) {
    json::array out;
    for (const auto& [agg, parts] : records) {
        json::object o;
        o["aggregate_pubkey"] = hex_encode(agg);
        json::array pks;
        for (size_t k = 0; k + 33 <= parts.size(); k += 33)
            pks.push_back(json::value(hex_encode(ByteView(parts).subspan(k, 33))));
        o["participant_pubkeys"] = std::move(pks);
        out.push_back(std::move(o));
    }
    return out;
}

json::array musig2_per_participant_json(const std::vector<std::pair<Bytes, Bytes>>& records, const char* value_name) {
    json::array out;
    for (const auto& [key, value] : records) {
        if (key.size() != 66 && key.size() != 98) continue;
        json::object o;
        o["participant_pubkey"] = hex_encode(ByteView(key).subspan(0, 33));
        o["aggregate_pubkey"] = hex_encode(ByteView(key).subspan(33, 33));
        if (key.size() == 98) o["leaf_hash"] = hex_encode(ByteView(key).subspan(66, 32));
        o[value_name] = hex_encode(value);
        out.push_back(std::move(o));
    }
    return out;
}

json::object script_json(const Script& s, const ChainParams& params) {
    return script_pubkey_json(s, params, /*include_hex=*/true, /*include_address=*/false);
}

json::object input_json(const PsbtInput& in, const ChainParams& params) {
    json::object o;
    if (in.witness_utxo) {
        json::object w;
        w["amount"] = amount_value(in.witness_utxo->value);
        w["scriptPubKey"] = script_pubkey_json(in.witness_utxo->script_pubkey, params, true, true);
        o["witness_utxo"] = std::move(w);
    }
    if (in.non_witness_utxo) o["non_witness_utxo"] = tx_to_json(*in.non_witness_utxo, params, uint256(), false);
    if (!in.partial_sigs.empty()) {
        json::object sigs;
        for (const auto& [pk, sig] : in.partial_sigs) sigs[hex_encode(pk)] = hex_encode(sig);
        o["partial_signatures"] = std::move(sigs);
    }
    if (in.sighash_type) {
        const char* name = sighash_name(uint8_t(*in.sighash_type));  // Core's SighashToStr: "" when unknown
        o["sighash"] = name ? name : "";
    }
    if (in.redeem_script && !in.redeem_script->empty()) o["redeem_script"] = script_json(*in.redeem_script, params);
    if (in.witness_script && !in.witness_script->empty()) o["witness_script"] = script_json(*in.witness_script, params);
    if (!in.bip32_derivs.empty()) {
        json::array a;
        for (const auto& [pk, origin] : in.bip32_derivs) a.push_back(derivation_json("pubkey", pk, origin));
        o["bip32_derivs"] = std::move(a);
    }
    if (in.final_script_sig && !in.final_script_sig->empty()) {
        json::object s;
        s["asm"] = script_to_asm(*in.final_script_sig, true);
        s["hex"] = hex_encode(in.final_script_sig->view());
        o["final_scriptSig"] = std::move(s);
    }
    if (in.final_script_witness && !in.final_script_witness->empty()) {
        json::array w;
        for (const Bytes& item : *in.final_script_witness) w.push_back(json::value(hex_encode(item)));
        o["final_scriptwitness"] = std::move(w);
    }
    auto preimages = [&](const char* name, const std::map<Bytes, Bytes>& m) {
        if (m.empty()) return;
        json::object p;
        for (const auto& [h, pre] : m) p[hex_encode(h)] = hex_encode(pre);
        o[name] = std::move(p);
    };
    preimages("ripemd160_preimages", in.ripemd160_preimages);
    preimages("sha256_preimages", in.sha256_preimages);
    preimages("hash160_preimages", in.hash160_preimages);
    preimages("hash256_preimages", in.hash256_preimages);
    if (in.tap_key_sig) o["taproot_key_path_sig"] = hex_encode(*in.tap_key_sig);
    if (!in.tap_script_sigs.empty()) {
        json::array a;
        for (const auto& [key, sig] : in.tap_script_sigs) {
            json::object s;
            s["pubkey"] = hex_encode(ByteView(key.first.data(), key.first.size()));
            s["leaf_hash"] = hex_encode(key.second.view());
            s["sig"] = hex_encode(sig);
            a.push_back(std::move(s));
        }
        o["taproot_script_path_sigs"] = std::move(a);
    }
    if (!in.tap_scripts.empty()) {
        json::array a;
        for (const auto& [leaf, cbs] : in.tap_scripts) {
            json::object s;
            s["script"] = hex_encode(leaf.first.view());
            s["leaf_ver"] = leaf.second;
            json::array c;
            for (const Bytes& cb : cbs) c.push_back(json::value(hex_encode(cb)));
            s["control_blocks"] = std::move(c);
            a.push_back(std::move(s));
        }
        o["taproot_scripts"] = std::move(a);
    }
    if (!in.tap_bip32_derivs.empty()) o["taproot_bip32_derivs"] = tap_derivations_json(in.tap_bip32_derivs);
    if (in.tap_internal_key)
        o["taproot_internal_key"] = hex_encode(ByteView(in.tap_internal_key->data(), in.tap_internal_key->size()));
    if (in.tap_merkle_root) o["taproot_merkle_root"] = hex_encode(in.tap_merkle_root->view());
    Extras ex = split_unknown(in.unknown, {kInMusig2Participants, kInMusig2PubNonce, kInMusig2PartialSig});
    if (ex.by_type.count(kInMusig2Participants))
        o["musig2_participant_pubkeys"] = musig2_participants_json(ex.by_type[kInMusig2Participants]);
    if (ex.by_type.count(kInMusig2PubNonce))
        o["musig2_pubnonces"] = musig2_per_participant_json(ex.by_type[kInMusig2PubNonce], "pubnonce");
    if (ex.by_type.count(kInMusig2PartialSig))
        o["musig2_partial_sigs"] = musig2_per_participant_json(ex.by_type[kInMusig2PartialSig], "partial_sig");
    if (!ex.proprietary.empty()) o["proprietary"] = std::move(ex.proprietary);
    if (!ex.unknown.empty()) o["unknown"] = std::move(ex.unknown);
    return o;
}

json::object output_json(const PsbtOutput& out, const ChainParams& params) {
    json::object o;
    if (out.redeem_script && !out.redeem_script->empty()) o["redeem_script"] = script_json(*out.redeem_script, params);
    if (out.witness_script && !out.witness_script->empty())
        o["witness_script"] = script_json(*out.witness_script, params);
    if (!out.bip32_derivs.empty()) {
        json::array a;
        for (const auto& [pk, origin] : out.bip32_derivs) a.push_back(derivation_json("pubkey", pk, origin));
        o["bip32_derivs"] = std::move(a);
    }
    if (out.tap_internal_key)
        o["taproot_internal_key"] = hex_encode(ByteView(out.tap_internal_key->data(), out.tap_internal_key->size()));
    if (!out.tap_tree.empty()) {
        json::array a;
        for (const TapTreeLeaf& l : out.tap_tree) {
            json::object e;
            e["depth"] = l.depth;
            e["leaf_ver"] = l.leaf_version;
            e["script"] = hex_encode(l.script.view());
            a.push_back(std::move(e));
        }
        o["taproot_tree"] = std::move(a);
    }
    if (!out.tap_bip32_derivs.empty()) o["taproot_bip32_derivs"] = tap_derivations_json(out.tap_bip32_derivs);
    Extras ex = split_unknown(out.unknown, {kOutMusig2Participants});
    if (ex.by_type.count(kOutMusig2Participants))
        o["musig2_participant_pubkeys"] = musig2_participants_json(ex.by_type[kOutMusig2Participants]);
    if (!ex.proprietary.empty()) o["proprietary"] = std::move(ex.proprietary);
    if (!ex.unknown.empty()) o["unknown"] = std::move(ex.unknown);
    return o;
}

json::value decode_psbt(NodeContext& node, const RpcRequest& req) {
    const Psbt psbt = decode_psbt_arg(req.get_str(0));
    const ChainParams& params = node.params;
    json::object r;
    r["tx"] = tx_to_json(psbt.tx, params, uint256(), false);

    std::vector<std::pair<const KeyOriginInfo*, const Bytes*>> xpubs;
    for (const auto& [k, o] : psbt.xpubs) xpubs.emplace_back(&o, &k);
    std::sort(xpubs.begin(), xpubs.end(), [](const auto& a, const auto& b) {
        return *a.first != *b.first ? *a.first < *b.first : *a.second < *b.second;
    });
    json::array global_xpubs;
    for (const auto& [origin, key] : xpubs) {
        json::object x;
        x["xpub"] = base58check_encode(*key);
        x["master_fingerprint"] = fingerprint_hex(origin->fingerprint);
        x["path"] = format_derivation_path(origin->path, 'h');
        global_xpubs.push_back(std::move(x));
    }
    r["global_xpubs"] = std::move(global_xpubs);
    r["psbt_version"] = psbt.version.value_or(0);
    Extras ex = split_unknown(psbt.unknown, {});
    r["proprietary"] = std::move(ex.proprietary);
    r["unknown"] = std::move(ex.unknown);

    Amount total_in = 0;
    bool have_all_utxos = true;
    json::array inputs;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        std::optional<Amount> value;
        if (in.witness_utxo) value = in.witness_utxo->value;
        if (in.non_witness_utxo) value = in.non_witness_utxo->vout[psbt.tx.vin[i].prevout.index].value;
        if (value && money_range(*value) && money_range(total_in + *value)) total_in += *value;
        else have_all_utxos = false;
        inputs.push_back(input_json(in, params));
    }
    r["inputs"] = std::move(inputs);

    Amount total_out = 0;
    json::array outputs;
    for (size_t i = 0; i < psbt.outputs.size(); ++i) {
        outputs.push_back(output_json(psbt.outputs[i], params));
        const Amount v = psbt.tx.vout[i].value;
        if (money_range(v) && money_range(total_out + v)) total_out += v;
        else have_all_utxos = false;
    }
    r["outputs"] = std::move(outputs);
    if (have_all_utxos) r["fee"] = amount_value(total_in - total_out);
    return r;
}

// ---- updating and signing ---------------------------------------------------------------

// Core's RemoveUnnecessaryTransactions: when every input spends a segwit v1+ output
// (whose signatures commit to all spent amounts) without ANYONECANPAY, the full previous
// transactions are dropped.
void remove_unnecessary_transactions(Psbt& psbt) {
    std::vector<size_t> drop;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        int version = 0;
        Bytes program;
        if (!in.witness_utxo || !in.witness_utxo->script_pubkey.is_witness_program(version, program) || version == 0)
            return;
        if (in.sighash_type && (*in.sighash_type & 0x80) == SIGHASH_ANYONECANPAY) return;
        if (in.non_witness_utxo) drop.push_back(i);
    }
    for (size_t i : drop) psbt.inputs[i].non_witness_utxo.reset();
}

// Adds the descriptor arguments of utxoupdatepsbt / descriptorprocesspsbt to `provider`.
void add_descriptors(const json::value& descs, const ChainParams& params, bool include_private,
                     DescriptorProvider& provider) {
    for (const json::value& d : json_array(descs)) {
        const DescriptorArgument arg = parse_descriptor_argument(d, params);
        for (int64_t i = arg.begin; i <= arg.end; ++i)
            for (const Descriptor& desc : arg.descriptors)
                if (!provider.add(desc, uint32_t(i), include_private))
                    throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                   "Cannot derive script without private keys: '" + arg.text + "'");
    }
}

// Core's ProcessPSBT: UTXOs from the txindex, the mempool and the UTXO set; then per
// input the updater (and, with keys, the signer and finalizer); then the outputs.
Psbt process_psbt(NodeContext& node, const std::string& text, const DescriptorProvider& provider,
                  std::optional<int> sighash, bool finalize, bool include_origins) {
    Psbt psbt = decode_psbt_arg(text);
    Chainstate& chain = require_chain(node);
    Mempool& mempool = require_mempool(node);
    // Not synced yet: UTXOs come from what is indexed, as in Core's ProcessPSBT.
    if (node.tx_index) (void)node.tx_index->block_until_synced();

    std::vector<size_t> need_coin;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        PsbtInput& in = psbt.inputs[i];
        if (in.non_witness_utxo) continue;
        const OutPoint& prev = psbt.tx.vin[i].prevout;
        std::optional<Transaction> parent;
        if (node.tx_index)
            if (auto f = node.tx_index->find(prev.txid)) parent = std::move(f->tx);
        if (!parent)
            if (auto m = mempool.get(prev.txid)) parent = *m;
        if (parent && prev.index < parent->vout.size()) in.non_witness_utxo = std::move(*parent);
        else need_coin.push_back(i);
    }
    if (!need_coin.empty()) {
        const std::vector<std::optional<TxOut>> coins = find_spent_outputs(node, psbt.tx);
        for (size_t i : need_coin)
            if (coins[i] && provider.is_segwit_output(coins[i]->script_pubkey)) psbt.inputs[i].witness_utxo = coins[i];
    }
    (void)chain;

    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        PsbtInput& in = psbt.inputs[i];
        if (in.is_final()) continue;
        const std::optional<TxOut> utxo = psbt.input_utxo(i);
        if (!utxo) continue;
        const Script& spk = utxo->script_pubkey;
        const std::optional<int> effective = psbt_input_sighash(in, spk, sighash);
        if (!effective)
            throw RpcError(RPC_DESERIALIZATION_ERROR, "Specified sighash value does not match value stored in PSBT");
        if (psbt_records_sighash(spk, *effective)) in.sighash_type = uint32_t(*effective);
        // A witness UTXO alone cannot back a non-witness signature: the signer stops here.
        const bool witness = provider.witness_spend(in, spk);
        if (!in.non_witness_utxo && !witness) continue;
        provider.update_input(in, spk, include_origins);
        if (witness) in.witness_utxo = utxo;
        if (provider.has_private_keys()) {
            SignOptions options;
            if (*effective != SIGHASH_DEFAULT) options.hash_type = *effective;
            // An input these keys cannot sign is no error: it stays as it is (Core's SignPSBTInput).
            (void)sign_psbt_input(psbt, i, provider.keys(), options);
        }
        // Completeness is read from the inputs below. Miniscript: the descriptors' expressions.
        if (finalize) (void)finalize_input(psbt, i, provider.keys().miniscript_lookup());
    }
    for (size_t i = 0; i < psbt.outputs.size(); ++i)
        provider.update_output(psbt.outputs[i], psbt.tx.vout[i].script_pubkey, include_origins);
    remove_unnecessary_transactions(psbt);
    return psbt;
}

const char* const kDescriptorsHelp =
    "An array of either strings or objects: [\"descriptor\" or {\"desc\":\"str\",\"range\":n or [n,n]},...]\n"
    "    \"\": (string) An output descriptor\n"
    "    {\"desc\": (string, required) An output descriptor, \"range\": (numeric or array, optional, default=1000) "
    "Up to what index HD chains should be explored (either end or [begin,end])}";

// ---- the commands -----------------------------------------------------------------------

json::value create_psbt(NodeContext& node, const RpcRequest& req) {
    const Transaction tx = construct_transaction(req, node.params);
    return json::value(Psbt::from_transaction(tx).to_base64());
}

json::value combine_psbt(NodeContext&, const RpcRequest& req) {
    const json::array& txs = req.at(0).as_array();
    if (txs.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Parameter 'txs' cannot be empty");
    std::vector<Psbt> psbts;
    for (const json::value& t : txs) psbts.push_back(decode_psbt_arg(json_str(t)));
    std::optional<Psbt> merged = combine_psbts(psbts);
    if (!merged) throw RpcError(RPC_INVALID_PARAMETER, "PSBTs not compatible (different transactions)");
    return json::value(merged->to_base64());
}

json::value finalize_psbt_cmd(NodeContext&, const RpcRequest& req) {
    Psbt psbt = decode_psbt_arg(req.get_str(0));
    const bool extract = req.get_bool(1, true);
    const bool complete = finalize_psbt(psbt);
    json::object r;
    if (complete && extract) r["hex"] = hex_encode(extract_transaction(psbt)->serialize());
    else r["psbt"] = psbt.to_base64();
    r["complete"] = complete;
    return r;
}

json::value convert_to_psbt(NodeContext&, const RpcRequest& req) {
    const bool permit_sig_data = req.get_bool(1, false);
    const bool witness_specified = req.has(2);
    const bool is_witness = witness_specified && req.get_bool(2, false);
    auto tx =
        decode_hex_tx(req.get_str(0), witness_specified ? !is_witness : true, witness_specified ? is_witness : true);
    if (!tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
    for (const TxIn& in : tx->vin)
        if ((!in.script_sig.empty() || !in.witness.empty()) && !permit_sig_data)
            throw RpcError(RPC_DESERIALIZATION_ERROR, "Inputs must not have scriptSigs and scriptWitnesses");
    return json::value(Psbt::from_transaction(std::move(*tx)).to_base64());
}

json::value utxo_update_psbt(NodeContext& node, const RpcRequest& req) {
    DescriptorProvider provider;
    if (req.has(1)) add_descriptors(req.at(1), node.params, /*include_private=*/false, provider);
    const Psbt psbt = process_psbt(node, req.get_str(0), provider, std::nullopt, /*finalize=*/false,
                                   /*include_origins=*/true);
    return json::value(psbt.to_base64());
}

json::value descriptor_process_psbt(NodeContext& node, const RpcRequest& req) {
    DescriptorProvider provider;
    add_descriptors(req.at(1), node.params, /*include_private=*/true, provider);
    const std::optional<int> sighash = parse_sighash(req.at(2));
    const bool bip32derivs = req.get_bool(3, true);
    const bool finalize = req.get_bool(4, true);
    const Psbt psbt = process_psbt(node, req.get_str(0), provider, sighash, finalize, bip32derivs);
    bool complete = true;
    for (const PsbtInput& in : psbt.inputs) complete = complete && in.is_final();
    json::object r;
    r["psbt"] = psbt.to_base64();
    r["complete"] = complete;
    if (complete) {
        Psbt copy = psbt;
        (void)finalize_psbt(copy);  // every input is final already: nothing can fail
        if (auto tx = extract_transaction(copy)) r["hex"] = hex_encode(tx->serialize());
    }
    return r;
}

json::value join_psbts(NodeContext&, const RpcRequest& req) {
    const json::array& txs = req.at(0).as_array();
    if (txs.size() <= 1) throw RpcError(RPC_INVALID_PARAMETER, "At least two PSBTs are required to join PSBTs.");
    std::vector<Psbt> psbts;
    uint32_t best_version = 1, best_locktime = 0xffffffff;
    for (const json::value& t : txs) {
        psbts.push_back(decode_psbt_arg(json_str(t)));
        best_version = std::max(best_version, uint32_t(psbts.back().tx.version));
        best_locktime = std::min(best_locktime, psbts.back().tx.locktime);
    }
    Psbt merged;
    merged.tx.version = int32_t(best_version);
    merged.tx.locktime = best_locktime;
    for (const Psbt& p : psbts) {
        for (size_t i = 0; i < p.tx.vin.size(); ++i) {
            // Core compares whole inputs (outpoint, scriptSig, sequence).
            const TxIn& in = p.tx.vin[i];
            for (const TxIn& have : merged.tx.vin)
                if (have.prevout == in.prevout && have.sequence == in.sequence && have.script_sig == in.script_sig)
                    throw RpcError(RPC_INVALID_PARAMETER, "Input " + in.prevout.txid.to_hex() + ":" +
                                                              std::to_string(in.prevout.index) +
                                                              " exists in multiple PSBTs");
            merged.tx.vin.push_back(in);
            PsbtInput pin = p.inputs[i];
            // Signatures commit to the old transaction: they cannot be kept.
            pin.partial_sigs.clear();
            pin.final_script_sig.reset();
            pin.final_script_witness.reset();
            merged.inputs.push_back(std::move(pin));
        }
        for (size_t i = 0; i < p.tx.vout.size(); ++i) {
            merged.tx.vout.push_back(p.tx.vout[i]);
            merged.outputs.push_back(p.outputs[i]);
        }
        merged.unknown.insert(p.unknown.begin(), p.unknown.end());
    }
    // Inputs and outputs in random order, as Core does (its joined PSBT keeps no global xpubs).
    std::vector<size_t> in_order(merged.inputs.size()), out_order(merged.outputs.size());
    std::iota(in_order.begin(), in_order.end(), 0);
    std::iota(out_order.begin(), out_order.end(), 0);
    std::mt19937_64 rng(std::random_device{}());
    std::shuffle(in_order.begin(), in_order.end(), rng);
    std::shuffle(out_order.begin(), out_order.end(), rng);
    Psbt shuffled;
    shuffled.tx.version = merged.tx.version;
    shuffled.tx.locktime = merged.tx.locktime;
    for (size_t i : in_order) {
        shuffled.tx.vin.push_back(merged.tx.vin[i]);
        shuffled.inputs.push_back(merged.inputs[i]);
    }
    for (size_t i : out_order) {
        shuffled.tx.vout.push_back(merged.tx.vout[i]);
        shuffled.outputs.push_back(merged.outputs[i]);
    }
    shuffled.unknown = merged.unknown;
    return json::value(shuffled.to_base64());
}

json::value analyze_psbt_cmd(NodeContext&, const RpcRequest& req) {
    const PsbtStatus s = psbt_status(decode_psbt_arg(req.get_str(0)));
    json::object r;
    json::array inputs;
    for (const PsbtInputStatus& in : s.inputs) {
        json::object o;
        o["has_utxo"] = in.has_utxo;
        o["is_final"] = in.is_final;
        o["next"] = psbt_role_name(in.next);
        json::object missing;
        auto hashes = [](const std::vector<Bytes>& v) {
            json::array a;
            for (const Bytes& h : v) a.push_back(json::value(hex_encode(h)));
            return a;
        };
        if (!in.missing_pubkeys.empty()) missing["pubkeys"] = hashes(in.missing_pubkeys);
        if (!in.missing_redeem_script.empty()) missing["redeemscript"] = hex_encode(in.missing_redeem_script);
        if (!in.missing_witness_script.empty()) missing["witnessscript"] = hex_encode(in.missing_witness_script);
        if (!in.missing_sigs.empty()) missing["signatures"] = hashes(in.missing_sigs);
        if (!missing.empty()) o["missing"] = std::move(missing);
        inputs.push_back(std::move(o));
    }
    if (!inputs.empty()) r["inputs"] = std::move(inputs);
    if (s.estimated_vsize) r["estimated_vsize"] = *s.estimated_vsize;
    if (s.estimated_feerate) r["estimated_feerate"] = amount_value(*s.estimated_feerate);
    if (s.fee) r["fee"] = amount_value(*s.fee);
    r["next"] = psbt_role_name(s.next);
    if (!s.error.empty()) r["error"] = s.error;
    return r;
}

}  // namespace

void register_psbt_commands(RpcTable& t) {
    t.add({"rawtransactions", "createpsbt",
           "Creates a transaction in the Partially Signed Transaction format.\n"
           "Implements the Creator role.\n"
           "Note that the transaction's inputs are not signed, and\n"
           "it is not stored in the wallet or transmitted to the network.",
           create_tx_args(), "\"str\"    (string) The resulting raw transaction (base64-encoded string)", create_psbt,
           true});

    t.add({"rawtransactions",
           "decodepsbt",
           "Return a JSON object representing the serialized, base64-encoded partially signed Bitcoin transaction.",
           {{"psbt", ArgType::STR, true, "", "The PSBT base64 string"}},
           "{\n"
           "  \"tx\" : { ... },                 (json object) The decoded network-serialized unsigned transaction "
           "(the layout of decoderawtransaction)\n"
           "  \"global_xpubs\" : [ { \"xpub\", \"master_fingerprint\", \"path\" }, ... ],\n"
           "  \"psbt_version\" : n,              (numeric) The PSBT version number. Not to be confused with the "
           "unsigned transaction version\n"
           "  \"proprietary\" : [ { \"identifier\", \"subtype\", \"key\", \"value\" }, ... ], (json array) The global "
           "proprietary map\n"
           "  \"unknown\" : { \"key\" : \"value\", ... }, (json object) The unknown global fields\n"
           "  \"inputs\" : [ { \"non_witness_utxo\", \"witness_utxo\", \"partial_signatures\", \"sighash\", "
           "\"redeem_script\", \"witness_script\", \"bip32_derivs\", \"final_scriptSig\", \"final_scriptwitness\", "
           "\"ripemd160_preimages\", \"sha256_preimages\", \"hash160_preimages\", \"hash256_preimages\", "
           "\"taproot_key_path_sig\", \"taproot_script_path_sigs\", \"taproot_scripts\", \"taproot_bip32_derivs\", "
           "\"taproot_internal_key\", \"taproot_merkle_root\", \"musig2_participant_pubkeys\", \"musig2_pubnonces\", "
           "\"musig2_partial_sigs\", \"unknown\", \"proprietary\" (each when present) }, ... ],\n"
           "  \"outputs\" : [ { \"redeem_script\", \"witness_script\", \"bip32_derivs\", \"taproot_internal_key\", "
           "\"taproot_tree\", \"taproot_bip32_derivs\", \"musig2_participant_pubkeys\", \"unknown\", \"proprietary\" "
           "(each when present) }, ... ],\n"
           "  \"fee\" : n                       (numeric, optional) The transaction fee paid if all UTXOs slots in the "
           "PSBT have been filled.\n"
           "}",
           decode_psbt,
           true});

    t.add({"rawtransactions",
           "combinepsbt",
           "Combine multiple partially signed Bitcoin transactions into one transaction.\n"
           "Implements the Combiner role.",
           {{"txs", ArgType::ARR, true, "",
             "The base64 strings of partially signed transactions: [\"psbt\",...], each a base64 string of a PSBT"}},
           "\"str\"    (string) The base64-encoded partially signed transaction",
           combine_psbt,
           true});

    t.add({"rawtransactions",
           "finalizepsbt",
           "Finalize the inputs of a PSBT. If the transaction is fully signed, it will produce a\n"
           "network serialized transaction which can be broadcast with sendrawtransaction. Otherwise a PSBT will be\n"
           "created which has the final_scriptSig and final_scriptwitness fields filled for inputs that are "
           "complete.\n"
           "Implements the Finalizer and Extractor roles.",
           {{"psbt", ArgType::STR, true, "", "A base64 string of a PSBT"},
            {"extract", ArgType::BOOL, false, "true",
             "If true and the transaction is complete,\n"
             "extract and return the complete transaction in normal network serialization instead of the PSBT."}},
           "{\n"
           "  \"psbt\" : \"str\",             (string, optional) The base64-encoded partially signed transaction if "
           "not extracted\n"
           "  \"hex\" : \"hex\",              (string, optional) The hex-encoded network transaction if extracted\n"
           "  \"complete\" : true|false     (boolean) If the transaction has a complete set of signatures\n"
           "}",
           finalize_psbt_cmd,
           true});

    t.add({"rawtransactions",
           "converttopsbt",
           "Converts a network serialized transaction to a PSBT. This should be used only with createrawtransaction "
           "and fundrawtransaction\n"
           "createpsbt and walletcreatefundedpsbt should be used for new applications.",
           {{"hexstring", ArgType::STR_HEX, true, "", "The hex string of a raw transaction"},
            {"permitsigdata", ArgType::BOOL, false, "false",
             "If true, any signatures in the input will be discarded and conversion\n"
             "will continue. If false, RPC will fail if any signatures are present."},
            {"iswitness", ArgType::BOOL, false, "depends on heuristic tests",
             "Whether the transaction hex is a serialized witness transaction.\n"
             "If iswitness is not present, heuristic tests will be used in decoding.\n"
             "If true, only witness deserialization will be tried.\n"
             "If false, only non-witness deserialization will be tried.\n"
             "This boolean should reflect whether the transaction has inputs\n"
             "(e.g. fully valid, or on-chain transactions), if known by the caller."}},
           "\"str\"    (string) The resulting raw transaction (base64-encoded string)",
           convert_to_psbt,
           true});

    t.add({"rawtransactions",
           "utxoupdatepsbt",
           "Updates all segwit inputs and outputs in a PSBT with data from output descriptors, the UTXO set, txindex, "
           "or the mempool.",
           {{"psbt", ArgType::STR, true, "", "A base64 string of a PSBT"},
            {"descriptors", ArgType::ARR, false, "", kDescriptorsHelp}},
           "\"str\"    (string) The base64-encoded partially signed transaction with inputs updated",
           utxo_update_psbt});

    t.add({"rawtransactions",
           "joinpsbts",
           "Joins multiple distinct PSBTs with different inputs and outputs into one PSBT with inputs and outputs "
           "from all of the PSBTs\n"
           "No input in any of the PSBTs can be in more than one of the PSBTs.",
           {{"txs", ArgType::ARR, true, "",
             "The base64 strings of partially signed transactions: [\"psbt\",...], each a base64 string of a PSBT"}},
           "\"str\"    (string) The base64-encoded partially signed transaction",
           join_psbts,
           true});

    t.add({"rawtransactions",
           "analyzepsbt",
           "Analyzes and provides information about the current status of a PSBT and its inputs",
           {{"psbt", ArgType::STR, true, "", "A base64 string of a PSBT"}},
           "{\n"
           "  \"inputs\" : [                      (json array, optional)\n"
           "    {\n"
           "      \"has_utxo\" : true|false,     (boolean) Whether a UTXO is provided\n"
           "      \"is_final\" : true|false,     (boolean) Whether the input is finalized\n"
           "      \"missing\" : {                (json object, optional) Things that are missing that are required "
           "to complete this input\n"
           "        \"pubkeys\" : [ \"hex\", ... ],  (json array, optional) Public key IDs (hash160) of keys whose "
           "BIP 32 derivation path is missing\n"
           "        \"signatures\" : [ \"hex\", ... ], (json array, optional) Public key IDs of keys whose signature "
           "is missing\n"
           "        \"redeemscript\" : \"hex\",    (string, optional) Hash160 of the redeem script that is missing\n"
           "        \"witnessscript\" : \"hex\"    (string, optional) SHA256 of the witness script that is missing\n"
           "      },\n"
           "      \"next\" : \"str\"             (string, optional) Role of the next person that this input needs "
           "to go to\n"
           "    },\n"
           "    ...\n"
           "  ],\n"
           "  \"estimated_vsize\" : n,           (numeric, optional) Estimated vsize of the final signed "
           "transaction\n"
           "  \"estimated_feerate\" : n,         (numeric, optional) Estimated feerate of the final signed "
           "transaction in BTC/kvB. Shown only if all UTXO slots in the PSBT have been filled\n"
           "  \"fee\" : n,                       (numeric, optional) The transaction fee paid. Shown only if all "
           "UTXO slots in the PSBT have been filled\n"
           "  \"next\" : \"str\",                  (string) Role of the next person that this psbt needs to go to\n"
           "  \"error\" : \"str\"                  (string, optional) Error message (if there is one)\n"
           "}",
           analyze_psbt_cmd,
           true});

    t.add({"rawtransactions",
           "descriptorprocesspsbt",
           "Update all segwit inputs in a PSBT with information from output descriptors, the UTXO set or the "
           "mempool. \n"
           "Then, sign the inputs we are able to with information from the output descriptors. ",
           {{"psbt", ArgType::STR, true, "", "The transaction base64 string"},
            {"descriptors", ArgType::ARR, true, "", kDescriptorsHelp},
            {"sighashtype", ArgType::STR, false, "\"DEFAULT for Taproot, ALL otherwise\"",
             "The signature hash type to sign with if not specified by the PSBT. Must be one of\n"
             "       \"DEFAULT\"\n"
             "       \"ALL\"\n"
             "       \"NONE\"\n"
             "       \"SINGLE\"\n"
             "       \"ALL|ANYONECANPAY\"\n"
             "       \"NONE|ANYONECANPAY\"\n"
             "       \"SINGLE|ANYONECANPAY\""},
            {"bip32derivs", ArgType::BOOL, false, "true",
             "Include BIP 32 derivation paths for public keys if we know them"},
            {"finalize", ArgType::BOOL, false, "true", "Also finalize inputs if possible"}},
           "{\n"
           "  \"psbt\" : \"str\",             (string) The base64-encoded partially signed transaction\n"
           "  \"complete\" : true|false,    (boolean) If the transaction has a complete set of signatures\n"
           "  \"hex\" : \"hex\"               (string, optional) The hex-encoded network transaction if complete\n"
           "}",
           descriptor_process_psbt});
}

}  // namespace minicash::rpc
