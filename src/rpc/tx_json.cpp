#include "rpc/tx_json.h"

#include <cstdio>

#include "common/address.h"
#include "common/descriptor.h"
#include "common/script_solver.h"
#include "consensus/pubkey.h"
#include "rpc/server.h"
#include "util/arith_uint256.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

// ---- decoding -------------------------------------------------------------------------

bool has_valid_ops(const Script& s) {
    size_t pc = 0;
    Opcode op;
    ByteView data;
    while (pc < s.size()) {
        if (!s.get_op(pc, op, &data) || op > OP_NOP10 || data.size() > kMaxScriptElementSize) return false;
    }
    return true;
}

namespace {

// Core's CheckTxScriptsSanity, used to pick between two parses of the same bytes.
bool scripts_sane(const Transaction& tx) {
    if (!tx.is_coinbase())
        for (const TxIn& in : tx.vin)
            if (!has_valid_ops(in.script_sig) || in.script_sig.size() > kMaxScriptSize) return false;
    for (const TxOut& out : tx.vout)
        if (!has_valid_ops(out.script_pubkey) || out.script_pubkey.size() > kMaxScriptSize) return false;
    return true;
}
}  // namespace

std::optional<Transaction> decode_tx(ByteView bytes, bool try_no_witness, bool try_witness, std::string* error) {
    // As Core's DecodeHexTx: the extended parse wins if its scripts look sane, then the
    // legacy one; otherwise whichever parsed.
    std::optional<Transaction> extended, legacy;
    if (try_witness) extended = Transaction::decode(bytes, error, true);
    if (extended && scripts_sane(*extended)) return extended;
    if (try_no_witness) legacy = Transaction::decode(bytes, try_witness ? nullptr : error, false);
    if (legacy && scripts_sane(*legacy)) return legacy;
    if (extended) return extended;
    return legacy;
}

std::optional<Transaction> decode_hex_tx(const std::string& hex, bool try_no_witness, bool try_witness) {
    auto bytes = hex_decode(hex);
    if (!bytes) return std::nullopt;
    return decode_tx(*bytes, try_no_witness, try_witness);
}

std::optional<Block> decode_hex_block(const std::string& hex) {
    auto bytes = hex_decode(hex);
    if (!bytes) return std::nullopt;
    return Block::decode(*bytes);
}

// ---- scripts and transactions ---------------------------------------------------------

const char* sighash_name(uint8_t t) {
    switch (t) {
    case 0x01: return "ALL";
    case 0x81: return "ALL|ANYONECANPAY";
    case 0x02: return "NONE";
    case 0x82: return "NONE|ANYONECANPAY";
    case 0x03: return "SINGLE";
    case 0x83: return "SINGLE|ANYONECANPAY";
    default: return nullptr;
    }
}

std::string script_to_asm(const Script& script, bool sighash_decode) {
    std::string out;
    size_t pc = 0;
    while (pc < script.size()) {
        if (!out.empty()) out += ' ';
        Opcode op;
        ByteView data;
        if (!script.get_op(pc, op, &data)) {
            out += "[error]";
            return out;
        }
        if (op <= OP_PUSHDATA4) {
            if (data.size() <= 4) {
                out += std::to_string(ScriptNum(data, false, 4).getint());
            } else if (sighash_decode && !script.is_unspendable() && is_valid_signature_encoding(data) &&
                       sighash_name(data.back())) {
                out += hex_encode(data.first(data.size() - 1));
                out += std::string("[") + sighash_name(data.back()) + "]";
            } else {
                out += hex_encode(data);
            }
        } else if (op == OP_INVALIDOPCODE) {
            out += "OP_INVALIDOPCODE";
        } else {
            out += opcode_name(op);
        }
    }
    return out;
}

std::string script_type(const Script& script) { return txout_type_name(solve(script)); }

std::string infer_descriptor(const Script& script, const ChainParams& params) {
    std::vector<Bytes> sol;
    const TxoutType t = solve(script, &sol);
    std::string d;
    if (t == TxoutType::PUBKEY && is_fully_valid_pubkey(sol[0])) {
        d = "pk(" + hex_encode(sol[0]) + ")";
    } else if (t == TxoutType::MULTISIG) {
        bool ok = true;
        for (size_t i = 1; i + 1 < sol.size(); ++i) ok = ok && is_fully_valid_pubkey(sol[i]);
        if (ok) {
            d = "multi(" + std::to_string(sol.front()[0]);
            for (size_t i = 1; i + 1 < sol.size(); ++i) d += "," + hex_encode(sol[i]);
            d += ")";
        }
    } else if (t == TxoutType::WITNESS_V1_TAPROOT && is_fully_valid_xonly_pubkey(sol[0])) {
        d = "rawtr(" + hex_encode(sol[0]) + ")";
    }
    if (d.empty()) {
        if (auto addr = encode_address(script, params)) d = "addr(" + *addr + ")";
        else d = "raw(" + hex_encode(script.view()) + ")";
    }
    return d + "#" + minicash::descriptor_checksum(d);
}

json::object script_pubkey_json(const Script& script, const ChainParams& params, bool include_hex,
                                bool include_address) {
    json::object o;
    o["asm"] = script_to_asm(script);
    if (include_address) o["desc"] = infer_descriptor(script, params);
    if (include_hex) o["hex"] = hex_encode(script.view());
    std::vector<Bytes> sol;
    const TxoutType t = solve(script, &sol);
    if (include_address && t != TxoutType::PUBKEY) {
        if (auto addr = encode_address(script, params)) o["address"] = *addr;
    }
    o["type"] = txout_type_name(t);
    return o;
}

json::object tx_to_json(const Transaction& tx, const ChainParams& params, const uint256& block_hash, bool include_hex,
                        const std::vector<Coin>* spent, int verbosity) {
    json::object e;
    e["txid"] = tx.txid().to_hex();
    e["hash"] = tx.wtxid().to_hex();
    e["version"] = tx.version;
    e["size"] = tx.total_size();
    const size_t weight = tx.weight();
    e["vsize"] = (weight + kWitnessScaleFactor - 1) / kWitnessScaleFactor;
    e["weight"] = weight;
    e["locktime"] = tx.locktime;
    const bool have_undo = spent && !tx.is_coinbase() && spent->size() == tx.vin.size();
    Amount in_total = 0, out_total = 0;
    json::array vin;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const TxIn& in = tx.vin[i];
        json::object o;
        if (tx.is_coinbase()) {
            o["coinbase"] = hex_encode(in.script_sig.view());
        } else {
            o["txid"] = in.prevout.txid.to_hex();
            o["vout"] = in.prevout.index;
            json::object ss;
            ss["asm"] = script_to_asm(in.script_sig, true);
            ss["hex"] = hex_encode(in.script_sig.view());
            o["scriptSig"] = std::move(ss);
        }
        if (!in.witness.empty()) {
            json::array w;
            for (const Bytes& item : in.witness) w.push_back(json::value(hex_encode(item)));
            o["txinwitness"] = std::move(w);
        }
        if (have_undo) {
            const Coin& c = (*spent)[i];
            in_total += c.out.value;
            if (verbosity >= 3) {
                json::object p;
                p["generated"] = c.coinbase;
                p["height"] = c.height;
                p["value"] = amount_value(c.out.value);
                p["scriptPubKey"] = script_pubkey_json(c.out.script_pubkey, params);
                o["prevout"] = std::move(p);
            }
        }
        o["sequence"] = in.sequence;
        vin.push_back(std::move(o));
    }
    e["vin"] = std::move(vin);
    json::array vout;
    for (size_t i = 0; i < tx.vout.size(); ++i) {
        json::object o;
        o["value"] = amount_value(tx.vout[i].value);
        o["n"] = i;
        o["scriptPubKey"] = script_pubkey_json(tx.vout[i].script_pubkey, params);
        vout.push_back(std::move(o));
        out_total += tx.vout[i].value;
    }
    e["vout"] = std::move(vout);
    if (have_undo) e["fee"] = amount_value(in_total - out_total);
    if (!block_hash.is_null()) e["blockhash"] = block_hash.to_hex();
    if (include_hex) e["hex"] = hex_encode(tx.serialize(true));
    return e;
}

// ---- block header numbers -------------------------------------------------------------

double difficulty_from_bits(uint32_t bits) {
    int shift = int((bits >> 24) & 0xff);
    double diff = double(0x0000ffff) / double(bits & 0x00ffffff);
    while (shift < 29) {
        diff *= 256.0;
        ++shift;
    }
    while (shift > 29) {
        diff /= 256.0;
        --shift;
    }
    return diff;
}

std::string target_hex(uint32_t bits) { return arith_uint256::from_compact(bits).to_hex(); }

std::string hex_u32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

}  // namespace minicash::rpc
