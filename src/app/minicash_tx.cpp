// minicash-tx: decode and check raw transactions and blocks from the command line.
//
//   minicash-tx decode HEX|-                      a transaction as JSON (decoderawtransaction)
//   minicash-tx decodeblock FILE                  block summary and consistency checks
//   minicash-tx verify HEX|- --prevout ...        script-verify every input of a transaction
//   minicash-tx verifyblocks FILE                 script-verify a whole blk*.dat style file
//
// Everything here is a thin shell over consensus/: this file decides how to present
// results, never what is valid. Exit codes: 0 success, 1 bad usage or malformed input
// (with a message on stderr), 2 well-formed data that fails verification.

// Boost.JSON, header-only: its implementation is compiled into this one translation unit.
#include <boost/json/src.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/money.h"
#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "consensus/block_check.h"
#include "consensus/interpreter.h"
#include "consensus/merkle.h"
#include "consensus/params.h"
#include "consensus/pubkey.h"
#include "consensus/script.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "consensus/transaction.h"
#include "consensus/tx_check.h"
#include "consensus/validation_state.h"
#include "rpc/server.h"
#include "rpc/tx_json.h"
#include "util/arith_uint256.h"
#include "util/hex.h"

namespace json = boost::json;
namespace po = boost::program_options;
using namespace minicash;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;
constexpr int kExitInvalid = 2;

// Something the user can fix: a bad argument, an unreadable file, malformed bytes.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// JSON output: rpc/tx_json.h builds the documents and rpc::write_json lays them out as
// bitcoin-cli does, amounts (rpc::amount_value) with exactly eight decimals.
void emit(const json::value& v) { std::cout << rpc::write_json(v, 2) << '\n'; }

// ---------------------------------------------------------------------------------
// Input helpers.

std::string read_stream(std::istream& in) {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw InputError("'" + path + "' is a directory, not a file");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("cannot open '" + path + "'");
    std::string s = read_stream(f);
    if (f.bad()) throw InputError("error reading '" + path + "'");
    return Bytes(s.begin(), s.end());
}

// A hex argument, or "-" for hex on standard input. Surrounding whitespace is ignored.
Bytes hex_argument(const std::string& arg, const char* what) {
    std::string text = arg == "-" ? read_stream(std::cin) : arg;
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
    text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
    if (text.empty()) throw InputError(std::string("no ") + what + " given (empty input)");
    auto bytes = hex_decode(text);
    if (!bytes) throw InputError(std::string(what) + " is not valid hex (odd length or a non-hex character)");
    return *bytes;
}

// Decodes a transaction the way decoderawtransaction does (rpc/tx_json.h).
Transaction decode_tx(ByteView bytes) {
    std::string err;
    if (auto tx = rpc::decode_tx(bytes, true, true, &err)) return *tx;
    throw InputError("TX decode failed: " + err);
}

// Block files: either one raw serialized block, or Bitcoin Core's blk*.dat layout
// (per block: 4-byte network magic, uint32 LE length, block), auto-detected by magic.
struct BlkMagic {
    NetworkMagic magic;
    const char* name;
};
constexpr BlkMagic kNetworks[] = {
    {{0xf9, 0xbe, 0xb4, 0xd9}, "main"},     {{0x0b, 0x11, 0x09, 0x07}, "testnet3"},
    {{0x1c, 0x16, 0x3f, 0x28}, "testnet4"}, {{0x0a, 0x03, 0xcf, 0x40}, "signet"},
    {{0xfa, 0xbf, 0xb5, 0xda}, "regtest"},
};

struct BlockFile {
    std::string path;
    std::string network;  // empty for a raw block
    Bytes data;
    std::vector<ByteView> records;  // one serialized block each
};

BlockFile load_block_file(const std::string& path) {
    BlockFile f;
    f.path = path;
    f.data = read_file(path);
    const ByteView all(f.data);
    if (all.empty()) throw InputError("'" + path + "' is empty");
    const BlkMagic* net = nullptr;
    if (all.size() >= 8)
        for (const BlkMagic& n : kNetworks)
            if (read_blk_record_header(all).magic == n.magic) net = &n;
    if (!net) {
        f.records.push_back(all);
        return f;
    }
    f.network = net->name;
    // Core pre-allocates blk files: a zero tail is padding, not a record.
    const BlkSplit split = split_blk_records(all, &net->magic);
    if (const std::string why = blk_split_error(split, path); !why.empty()) throw InputError(why);
    for (const BlkRecord& r : split.records) f.records.push_back(r.payload);
    if (f.records.empty()) throw InputError("'" + path + "' holds no blocks");
    return f;
}

Block decode_block(ByteView bytes, const std::string& where) {
    std::string err;
    auto block = Block::decode(bytes, &err);
    if (!block) throw InputError("cannot decode block (" + where + "): " + err);
    return *block;
}

// Splits a script into its ops; nullopt when it is malformed.
std::optional<std::vector<std::pair<Opcode, ByteView>>> script_ops(const Script& s) {
    std::vector<std::pair<Opcode, ByteView>> ops;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    while (pc < s.size()) {
        if (!s.get_op(pc, op, &push)) return std::nullopt;
        ops.emplace_back(op, push);
    }
    return ops;
}

// A finer label for reports: what kind of spend an input is, given the output it spends.
std::string spend_kind(const TxIn& in, const Script& spent) {
    std::string type = rpc::script_type(spent);
    if (type == "scripthash") {
        // The redeem script is the last push of the scriptSig.
        auto ops = script_ops(in.script_sig);
        if (ops && !ops->empty() && ops->back().first <= OP_PUSHDATA4)
            return "scripthash(" + rpc::script_type(Script(ops->back().second)) + ")";
    }
    if (type == "witness_v1_taproot") {
        size_t items = in.witness.size();
        if (items >= 2 && !in.witness.back().empty() && in.witness.back()[0] == kAnnexTag) --items;
        return items == 1 ? "witness_v1_taproot(key path)" : "witness_v1_taproot(script path)";
    }
    return type;
}

// ---------------------------------------------------------------------------------
// Blocks as JSON (transactions: rpc::tx_to_json, decoderawtransaction's shape).

// BIP34 height: the first push of the coinbase scriptSig as a script number.
std::optional<int64_t> coinbase_height(const Block& block) {
    if (block.txs.empty() || !block.txs[0].is_coinbase()) return std::nullopt;
    const Script& sig = block.txs[0].vin[0].script_sig;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    if (!sig.get_op(pc, op, &push)) return std::nullopt;
    if (op >= OP_1 && op <= OP_16) return int64_t(op - OP_1 + 1);
    if (op == OP_0) return 0;
    if (op > OP_PUSHDATA4 || push.size() > 8) return std::nullopt;
    try {
        return ScriptNum(push, false, 8).value();
    } catch (const ScriptNum::Error&) { return std::nullopt; }
}

bool pow_ok(const BlockHeader& h) {
    bool negative = false, overflow = false;
    const arith_uint256 target = arith_uint256::from_compact(h.bits, &negative, &overflow);
    if (negative || overflow || target == arith_uint256(0)) return false;
    return arith_uint256::from_uint256(h.hash()) <= target;
}

// BIP141 commitment: present / valid (hash of the witness root and reserved value).
json::value witness_commitment_json(const Block& block) {
    const auto idx = witness_commitment_index(block);
    if (!idx) return "absent";
    json::object o;
    o["output"] = *idx;
    const Witness& w = block.txs[0].vin[0].witness;
    const bool reserved_ok = w.size() == 1 && w[0].size() == 32;
    bool valid = false;
    if (reserved_ok) {
        const uint256 c = witness_commitment(block_witness_merkle_root(block), w[0]);
        const Bytes& spk = block.txs[0].vout[*idx].script_pubkey.bytes();
        valid = std::equal(c.begin(), c.end(), spk.begin() + 6);
    }
    o["reserved_value_ok"] = reserved_ok;
    o["valid"] = valid;
    return o;
}

json::object block_json(const Block& block, size_t serialized_size) {
    const BlockHeader& h = block.header;
    json::object o;
    o["hash"] = block.hash().to_hex();
    if (auto height = coinbase_height(block); height && h.version >= 2) o["height"] = *height;
    o["version"] = h.version;
    o["versionHex"] = rpc::hex_u32(uint32_t(h.version));
    o["previousblockhash"] = h.prev_block.to_hex();
    o["merkleroot"] = h.merkle_root.to_hex();
    o["time"] = h.time;
    o["bits"] = rpc::hex_u32(h.bits);
    o["nonce"] = h.nonce;
    o["difficulty"] = rpc::difficulty_from_bits(h.bits);
    o["pow_valid"] = pow_ok(h);
    o["nTx"] = block.txs.size();
    o["size"] = serialized_size;
    o["strippedsize"] = block.serialize(false).size();
    o["weight"] = block.weight();

    Amount out_total = 0;
    size_t with_witness = 0, inputs = 0, outputs = 0;
    for (const Transaction& tx : block.txs) {
        with_witness += tx.has_witness();
        inputs += tx.vin.size();
        outputs += tx.vout.size();
        for (const TxOut& out : tx.vout)
            if (money_range(out.value)) out_total += out.value;
    }
    o["inputs"] = inputs;
    o["outputs"] = outputs;
    o["total_output_value"] = rpc::amount_value(out_total);

    bool mutated = false;
    const uint256 root = block_merkle_root(block, &mutated);
    json::object merkle;
    merkle["computed"] = root.to_hex();
    merkle["matches_header"] = root == h.merkle_root;
    merkle["mutated"] = mutated;  // CVE-2012-2459: duplicate siblings, same root as a shorter list
    o["merkle"] = std::move(merkle);

    json::object witness;
    witness["transactions_with_witness"] = with_witness;
    witness["commitment"] = witness_commitment_json(block);
    o["witness"] = std::move(witness);
    return o;
}

// ---------------------------------------------------------------------------------
// Script verification.

ScriptFlags parse_flags_option(const std::string& text) {
    ScriptFlags flags;
    if (text == "consensus") {
        flags = kMandatoryScriptFlags;
    } else if (text == "standard") {
        flags = kStandardScriptFlags;
    } else {
        auto parsed = parse_script_flags(text);
        if (!parsed)
            throw InputError("unknown script flag in '" + text +
                             "' (use consensus, standard, NONE or names such as P2SH,WITNESS)");
        flags = *parsed;
    }
    // The interpreter's preconditions: these combinations are never used by consensus.
    if ((flags & SCRIPT_VERIFY_WITNESS) && !(flags & SCRIPT_VERIFY_P2SH)) throw InputError("flag WITNESS needs P2SH");
    if ((flags & SCRIPT_VERIFY_TAPROOT) && !(flags & SCRIPT_VERIFY_WITNESS))
        throw InputError("flag TAPROOT needs WITNESS");
    if ((flags & SCRIPT_VERIFY_CLEANSTACK) && !(flags & SCRIPT_VERIFY_WITNESS))
        throw InputError("flag CLEANSTACK needs WITNESS (and P2SH)");
    return flags;
}

struct OutPointHasher {
    size_t operator()(const OutPoint& o) const {
        return size_t(o.txid.low64()) ^ (size_t(o.index) * 0x9e3779b97f4a7c15ull);
    }
};
using CoinMap = std::unordered_map<OutPoint, TxOut, OutPointHasher>;

struct InputResult {
    bool ok = false;
    ScriptError error = ScriptError::OK;
};

// Verifies every input of `tx` given the outputs it spends (one per input).
std::vector<InputResult> verify_inputs(const Transaction& tx, const std::vector<TxOut>& spent, ScriptFlags flags) {
    const PrecomputedTxData txdata(tx, spent);
    std::vector<InputResult> results(tx.vin.size());
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const TransactionSignatureChecker checker(tx, unsigned(i), spent[i].value, &txdata);
        ScriptError err = ScriptError::UNKNOWN_ERROR;
        results[i].ok =
            verify_script(tx.vin[i].script_sig, spent[i].script_pubkey, &tx.vin[i].witness, flags, checker, &err);
        results[i].error = results[i].ok ? ScriptError::OK : err;
    }
    return results;
}

// "SCRIPTHEX:SATS" (an empty script is allowed: ":1000").
TxOut parse_prevout(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw InputError("--prevout '" + text + "' is not SCRIPTHEX:SATOSHIS");
    TxOut out;
    const std::string script_hex = text.substr(0, colon), amount = text.substr(colon + 1);
    auto script = script_hex.empty() ? std::optional<Bytes>(Bytes{}) : hex_decode(script_hex);
    if (!script) throw InputError("--prevout '" + text + "': script is not valid hex");
    int64_t value = 0;
    auto [p, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), value);
    if (ec != std::errc() || p != amount.data() + amount.size() || !money_range(value))
        throw InputError("--prevout '" + text + "': amount must be satoshis between 0 and 21e14");
    out.script_pubkey = Script(std::move(*script));
    out.value = value;
    return out;
}

int cmd_verify(const std::string& hex_arg, const std::vector<std::string>& prevout_args,
               const std::vector<std::string>& prevout_files, ScriptFlags flags) {
    const Transaction tx = decode_tx(hex_argument(hex_arg, "transaction hex"));
    if (tx.is_coinbase()) throw InputError("a coinbase transaction spends no outputs; nothing to verify");

    std::vector<std::optional<TxOut>> spent(tx.vin.size());
    if (!prevout_args.empty()) {
        if (prevout_args.size() != tx.vin.size())
            throw InputError("got " + std::to_string(prevout_args.size()) + " --prevout values for " +
                             std::to_string(tx.vin.size()) + " inputs (give one per input, in order)");
        for (size_t i = 0; i < tx.vin.size(); ++i) spent[i] = parse_prevout(prevout_args[i]);
    }
    for (const std::string& path : prevout_files) {
        const BlockFile f = load_block_file(path);
        for (size_t r = 0; r < f.records.size(); ++r) {
            const Block b = decode_block(f.records[r], path + " block " + std::to_string(r));
            for (const Transaction& t : b.txs) {
                const uint256 id = t.txid();
                for (size_t i = 0; i < tx.vin.size(); ++i)
                    if (!spent[i] && tx.vin[i].prevout.txid == id && tx.vin[i].prevout.index < t.vout.size())
                        spent[i] = t.vout[tx.vin[i].prevout.index];
            }
        }
    }
    for (size_t i = 0; i < tx.vin.size(); ++i)
        if (!spent[i])
            throw InputError("the output spent by input " + std::to_string(i) + " (" + tx.vin[i].prevout.txid.to_hex() +
                             ":" + std::to_string(tx.vin[i].prevout.index) +
                             ") is unknown; pass --prevout SCRIPTHEX:SATS per input or --prevouts-from FILE");
    std::vector<TxOut> outs;
    for (auto& s : spent) outs.push_back(*s);

    json::object o;
    o["txid"] = tx.txid().to_hex();
    ValidationState state;
    const bool context_free_ok = check_transaction(tx, state);
    o["check_transaction"] = context_free_ok ? "ok" : state.to_string();
    o["flags"] = format_script_flags(flags);
    const auto results = verify_inputs(tx, outs, flags);
    bool all_ok = context_free_ok;
    Amount in_total = 0;
    json::array inputs;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        json::object r;
        r["n"] = i;
        r["prevout"] = tx.vin[i].prevout.txid.to_hex() + ":" + std::to_string(tx.vin[i].prevout.index);
        r["spends"] = spend_kind(tx.vin[i], outs[i].script_pubkey);
        r["value"] = rpc::amount_value(outs[i].value);
        r["result"] = script_error_name(results[i].error);
        if (!results[i].ok) r["message"] = script_error_message(results[i].error);
        all_ok = all_ok && results[i].ok;
        in_total += outs[i].value;
        inputs.emplace_back(std::move(r));
    }
    o["inputs"] = std::move(inputs);
    if (context_free_ok) {
        const Amount fee = in_total - tx.value_out();
        o["fee"] = rpc::amount_value(fee);
        if (fee < 0) {
            o["fee_error"] = "bad-txns-in-belowout";
            all_ok = false;
        }
    }
    o["valid"] = all_ok;
    emit(o);
    return all_ok ? kExitOk : kExitInvalid;
}

// Verifies the scripts of every transaction in a block file whose spent outputs were
// created earlier in the same file, plus per-block merkle root and witness commitment,
// the prev-hash links between consecutive blocks and that no output is spent twice.
//
// Without an explicit --flags, a file that starts right after its network's genesis
// block is checked with each block's own consensus flags (by height, as a node would);
// otherwise every block uses the current consensus flags.
int cmd_verifyblocks(const std::string& path, ScriptFlags flags, bool flags_explicit, bool quiet) {
    const BlockFile f = load_block_file(path);
    std::optional<ChainParams> params;
    if (!flags_explicit && !f.network.empty()) {
        if (auto net = network_from_name(f.network)) {
            ChainParams p = make_chain_params(*net);
            const auto first = Block::decode(f.records[0]);
            if (first && first->header.prev_block == p.consensus.genesis_hash) params = std::move(p);
        }
    }
    std::cout << path << ": " << f.records.size() << " block" << (f.records.size() == 1 ? "" : "s")
              << (f.network.empty() ? "" : " (" + f.network + " network)") << ", script flags "
              << (params ? "by height from " + f.network + " consensus rules (file starts after genesis)"
                         : format_script_flags(flags))
              << "\n";

    CoinMap coins;
    std::unordered_map<OutPoint, size_t, OutPointHasher> spent_at;  // outpoint -> block index
    std::map<std::string, size_t> by_kind;
    std::vector<std::string> failures;
    size_t txs = 0, verified = 0, skipped = 0;
    uint256 prev_hash;
    const auto t0 = std::chrono::steady_clock::now();
    const size_t step = std::max<size_t>(1, f.records.size() / 10);

    const auto fail = [&](std::string what) {
        if (failures.size() < 20) std::cout << "  FAIL " << what << "\n";
        failures.push_back(std::move(what));
    };

    for (size_t r = 0; r < f.records.size(); ++r) {
        const std::string where = "block " + std::to_string(r);
        const Block block = decode_block(f.records[r], path + " " + where);
        const uint256 hash = block.hash();
        if (r > 0 && block.header.prev_block != prev_hash)
            fail(where + ": previous-block hash does not link to block " + std::to_string(r - 1));
        prev_hash = hash;
        bool mutated = false;
        if (block_merkle_root(block, &mutated) != block.header.merkle_root) fail(where + ": merkle root mismatch");
        if (mutated) fail(where + ": merkle tree mutated (CVE-2012-2459)");
        if (!pow_ok(block.header)) fail(where + ": header hash above its nBits target");
        if (auto c = witness_commitment_json(block); c.is_object()) {
            if (!c.get_object()["valid"].as_bool()) fail(where + ": witness commitment does not match");
        } else if (std::any_of(block.txs.begin(), block.txs.end(),
                               [](const Transaction& t) { return t.has_witness(); })) {
            fail(where + ": witness data without a witness commitment");
        }

        for (size_t t = 0; t < block.txs.size(); ++t) {
            const Transaction& tx = block.txs[t];
            const uint256 txid = tx.txid();
            ++txs;
            ValidationState state;
            if (!check_transaction(tx, state)) fail(where + " tx " + txid.to_hex() + ": " + state.to_string());
            if (!tx.is_coinbase()) {
                std::vector<TxOut> spent;
                for (const TxIn& in : tx.vin) {
                    auto it = coins.find(in.prevout);
                    if (it == coins.end()) break;
                    spent.push_back(it->second);
                }
                for (const TxIn& in : tx.vin) {
                    if (auto s = spent_at.find(in.prevout); s != spent_at.end())
                        fail(where + " tx " + txid.to_hex() + ": spends an output already spent in block " +
                             std::to_string(s->second));
                }
                if (spent.size() == tx.vin.size()) {
                    const ScriptFlags block_flags =
                        params ? block_script_flags(int(r + 1), hash, params->consensus) : flags;
                    const auto results = verify_inputs(tx, spent, block_flags);
                    Amount in_total = 0;
                    for (size_t i = 0; i < tx.vin.size(); ++i) {
                        ++by_kind[spend_kind(tx.vin[i], spent[i].script_pubkey)];
                        in_total += spent[i].value;
                        if (!results[i].ok)
                            fail(where + " tx " + txid.to_hex() + " input " + std::to_string(i) + ": " +
                                 script_error_name(results[i].error) + " (" + script_error_message(results[i].error) +
                                 ")");
                    }
                    verified += tx.vin.size();
                    if (state.valid() && in_total < tx.value_out())
                        fail(where + " tx " + txid.to_hex() + ": outputs exceed inputs");
                } else {
                    skipped += tx.vin.size();  // spends outputs from before this file
                }
                for (const TxIn& in : tx.vin) {
                    coins.erase(in.prevout);
                    spent_at.emplace(in.prevout, r);
                }
            }
            for (uint32_t n = 0; n < tx.vout.size(); ++n)
                if (!tx.vout[n].script_pubkey.is_unspendable()) coins[OutPoint{txid, n}] = tx.vout[n];
        }
        if (!quiet && ((r + 1) % step == 0 || r + 1 == f.records.size()))
            std::cout << "  block " << (r + 1) << "/" << f.records.size() << "  " << txs << " txs, " << verified
                      << " inputs verified, " << coins.size() << " unspent outputs\n";
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::cout << "inputs by the kind of output they spend:\n";
    for (const auto& [kind, n] : by_kind) {
        char line[128];
        std::snprintf(line, sizeof line, "  %-40s %8zu\n", kind.c_str(), n);
        std::cout << line;
    }
    std::cout << "checked " << f.records.size() << " blocks, " << txs << " transactions; verified " << verified
              << " inputs";
    if (skipped) std::cout << " (" << skipped << " skipped: they spend outputs from before this file)";
    char timing[64];
    std::snprintf(timing, sizeof timing, " in %.2f s", secs);
    std::cout << timing << "\n";
    if (!failures.empty()) {
        std::cout << "RESULT: " << failures.size() << " problem" << (failures.size() == 1 ? "" : "s") << " found\n";
        return kExitInvalid;
    }
    std::cout << "RESULT: all valid\n";
    return kExitOk;
}

int cmd_decodeblock(const std::string& path, std::optional<size_t> index, std::optional<size_t> tx_index,
                    bool raw_hex) {
    const BlockFile f = load_block_file(path);
    const size_t r = index.value_or(0);
    if (r >= f.records.size())
        throw InputError("--index " + std::to_string(r) + " is out of range: '" + path + "' holds " +
                         std::to_string(f.records.size()) + " block(s)");
    const Block block = decode_block(f.records[r], path + (f.network.empty() ? "" : " block " + std::to_string(r)));
    if (tx_index) {
        if (*tx_index >= block.txs.size())
            throw InputError("--tx " + std::to_string(*tx_index) + " is out of range: the block has " +
                             std::to_string(block.txs.size()) + " transactions");
        const Transaction& tx = block.txs[*tx_index];
        if (raw_hex) std::cout << hex_encode(tx.serialize(true)) << "\n";
        else  // addresses for the file's network (mainnet for a raw block)
            emit(rpc::tx_to_json(tx, make_chain_params(network_from_name(f.network).value_or(Network::MAIN)), {},
                                 false));
        return kExitOk;
    }
    if (raw_hex) {
        std::cout << hex_encode(f.records[r]) << "\n";
        return kExitOk;
    }
    json::object o;
    if (!f.network.empty()) {
        o["file"] = json::object{{"network", f.network}, {"blocks", f.records.size()}, {"index", r}};
    }
    for (auto& member : block_json(block, f.records[r].size())) o[member.key()] = member.value();
    emit(o);
    return kExitOk;
}

const char* kUsage = R"(minicash-tx: decode and check Bitcoin transactions and blocks

Usage:
  minicash-tx decode HEX|-
      Decode a raw transaction (hex argument, or - to read it from stdin) and print it
      as JSON with the field names of Bitcoin Core's decoderawtransaction.
  minicash-tx decodeblock FILE [--index N] [--tx I] [--hex]
      FILE is one raw block or a blk*.dat style file (magic + length per block; the
      network is detected from the magic). Prints the header, sizes and weight, and
      checks the merkle root (including the CVE-2012-2459 mutation), proof of work and
      the BIP141 witness commitment. --index picks block N of a blk file (from 0),
      --tx prints transaction I of the block instead, --hex prints raw hex.
  minicash-tx verify HEX|- (--prevout SCRIPTHEX:SATS ... | --prevouts-from FILE) [--flags F]
      Verify the scripts of every input. Spent outputs come from --prevout (one per
      input, in input order) or are looked up by outpoint in block files.
  minicash-tx verifyblocks FILE [--flags F] [--quiet]
      Verify every input in a blk*.dat style file whose spent output was created
      earlier in the same file, with the links, merkle roots and witness commitments.
      A file that starts right after its network's genesis block is checked with the
      flags each block had by height, unless --flags is given.

Script flags (--flags): consensus (default: every soft fork up to taproot), standard
(Bitcoin Core's mempool policy), NONE, or names such as P2SH,DERSIG,WITNESS.

Exit status: 0 success, 1 bad usage or malformed input, 2 verification failed.

Options)";

int run(int argc, char** argv) {
    po::options_description visible(kUsage);
    visible.add_options()("help,h", "show this help")("index", po::value<int64_t>(),
                                                      "decodeblock: block N of a blk file")(
        "tx", po::value<int64_t>(), "decodeblock: show transaction I")("hex", po::bool_switch(),
                                                                       "decodeblock: print raw hex instead of JSON")(
        "prevout", po::value<std::vector<std::string>>()->composing(), "verify: SCRIPTHEX:SATS of a spent output")(
        "prevouts-from", po::value<std::vector<std::string>>()->composing(),
        "verify: block file holding spent outputs")("flags", po::value<std::string>()->default_value("consensus"),
                                                    "script verification flags")("quiet,q", po::bool_switch(),
                                                                                 "verifyblocks: no progress lines");
    po::options_description hidden;
    hidden.add_options()("command", po::value<std::string>())("args", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description pos;
    pos.add("command", 1).add("args", -1);

    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);

    if (vm.count("help") || !vm.count("command")) {
        std::cout << visible << "\n";
        return vm.count("help") ? kExitOk : kExitBadInput;
    }
    const std::string cmd = vm["command"].as<std::string>();
    const auto args = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const auto need_one = [&](const char* what) -> const std::string& {
        if (args.size() != 1)
            throw InputError(cmd + " takes exactly one argument (" + what + "); see minicash-tx --help");
        return args[0];
    };
    const auto strings = [&](const char* name) {
        return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>{};
    };

    if (cmd == "decode") {
        emit(rpc::tx_to_json(decode_tx(hex_argument(need_one("HEX or -"), "transaction hex")),
                             make_chain_params(Network::MAIN), {}, false));
        return kExitOk;
    }
    if (cmd == "decodeblock") {
        const auto non_negative = [&](const char* name) -> std::optional<size_t> {
            if (!vm.count(name)) return std::nullopt;
            const int64_t v = vm[name].as<int64_t>();
            if (v < 0) throw InputError(std::string("--") + name + " must not be negative");
            return size_t(v);
        };
        const std::optional<size_t> index = non_negative("index"), tx = non_negative("tx");
        return cmd_decodeblock(need_one("FILE"), index, tx, vm["hex"].as<bool>());
    }
    if (cmd == "verify") {
        const std::string& hex = need_one("HEX or -");
        return cmd_verify(hex, strings("prevout"), strings("prevouts-from"),
                          parse_flags_option(vm["flags"].as<std::string>()));
    }
    if (cmd == "verifyblocks") {
        return cmd_verifyblocks(need_one("FILE"), parse_flags_option(vm["flags"].as<std::string>()),
                                !vm["flags"].defaulted(), vm["quiet"].as<bool>());
    }
    throw InputError("unknown command '" + cmd + "' (decode, decodeblock, verify, verifyblocks; see --help)");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const InputError& e) {
        std::cerr << "minicash-tx: error: " << e.what() << "\n";
    } catch (const po::error& e) {
        std::cerr << "minicash-tx: error: " << e.what() << " (see minicash-tx --help)\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "minicash-tx: error: out of memory\n";
    } catch (const std::exception& e) { std::cerr << "minicash-tx: error: " << e.what() << "\n"; }
    return kExitBadInput;
}
