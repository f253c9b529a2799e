// Mempool commands: sendrawtransaction, testmempoolaccept, submitpackage, getmempoolinfo,
// getrawmempool, getmempoolentry, getmempoolcluster, getmempoolfeeratediagram (hidden),
// estimatesmartfee, prioritisetransaction, getprioritisedtransactions.
#include <algorithm>
#include <set>

#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr Amount kDefaultMaxFeeRate = kCoin / 10;  // 0.10 BTC/kvB
constexpr size_t kMaxPackageCount = 25;

FeeRate parse_fee_rate(const json::value& v, Amount dflt) {
    if (v.is_null()) return FeeRate{dflt};
    const Amount a = amount_from_value(v);
    if (a >= kCoin)
        throw RpcError(RPC_INVALID_PARAMETER, "Fee rates larger than or equal to 1BTC/kvB are not accepted");
    return FeeRate{a};
}

// Core's CFeeRate::GetFee: rounded up.
Amount fee_at(FeeRate rate, size_t vsize) {
    if (rate.sat_per_kvb <= 0) return 0;
    return Amount((__int128(rate.sat_per_kvb) * __int128(vsize) + 999) / 1000);
}

// Core's TxValidationState::ToString: "reason" or "reason, debug".
std::string state_text(const ValidationState& s) {
    return s.debug().empty() ? s.reason() : s.reason() + ", " + s.debug();
}

json::object entry_json(const MempoolEntryInfo& e) {
    json::object o;
    o["vsize"] = e.vsize;
    o["weight"] = e.weight;
    o["time"] = e.time;
    o["height"] = e.height;
    o["descendantcount"] = e.descendant_count;
    o["descendantsize"] = e.descendant_size;
    o["ancestorcount"] = e.ancestor_count;
    o["ancestorsize"] = e.ancestor_size;
    o["wtxid"] = e.wtxid.to_hex();
    o["chunkweight"] = e.chunk_weight;
    json::object fees;
    fees["base"] = amount_value(e.fee);
    fees["modified"] = amount_value(e.modified_fee);
    fees["ancestor"] = amount_value(e.ancestor_fees);
    fees["descendant"] = amount_value(e.descendant_fees);
    fees["chunk"] = amount_value(e.chunk_fee);
    o["fees"] = std::move(fees);
    std::set<std::string> depends;
    for (const uint256& d : e.depends) depends.insert(d.to_hex());
    json::array dep;
    for (const std::string& d : depends) dep.push_back(json::value(d));
    o["depends"] = std::move(dep);
    json::array spent;
    for (const uint256& c : e.spent_by) spent.push_back(json::value(c.to_hex()));
    o["spentby"] = std::move(spent);
    o["bip125-replaceable"] = e.bip125_replaceable;
    o["unbroadcast"] = e.unbroadcast;
    return o;
}

json::value send_raw_transaction(NodeContext& node, const RpcRequest& req) {
    Chainstate& chain = require_chain(node);
    Mempool& mempool = require_mempool(node);
    auto tx = decode_hex_tx(req.get_str(0));
    if (!tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
    const Amount max_burn = req.has(2) ? amount_from_value(req.at(2)) : 0;
    for (const TxOut& out : tx->vout)
        if ((out.script_pubkey.is_unspendable() || !has_valid_ops(out.script_pubkey)) && out.value > max_burn)
            throw RpcError(RPC_VERIFY_ERROR, "Unspendable output exceeds maximum configured by user (maxburnamount)");
    const FeeRate max_rate = parse_fee_rate(req.at(1), kDefaultMaxFeeRate);
    const uint256 txid = tx->txid();

    bool in_chain = false;
    chain.with_view([&](Chainstate::View& view) {
        for (uint32_t o = 0; o < tx->vout.size() && !in_chain; ++o)
            if (view.coin(OutPoint{txid, o})) in_chain = true;
    });
    if (in_chain) throw RpcError(RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set");
    if (mempool.contains(txid)) return json::value(txid.to_hex());  // already there: nothing to do

    auto fail = [](const AcceptResult& r) -> RpcError {
        if (r.reject == TxReject::MISSING_INPUTS || !r.missing_inputs.empty())
            return RpcError(RPC_VERIFY_ERROR,
                            state_text(r.state).empty() ? "bad-txns-inputs-missingorspent" : state_text(r.state));
        return RpcError(RPC_VERIFY_REJECTED, state_text(r.state));
    };
    if (max_rate.sat_per_kvb > 0) {
        const AcceptResult test = mempool.accept(*tx, true);
        if (test.already_known) return json::value(txid.to_hex());
        if (!test.accepted) throw fail(test);
        if (test.fee > fee_at(max_rate, test.vsize))
            throw RpcError(RPC_VERIFY_ERROR, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
    }
    const AcceptResult r = mempool.accept(*tx, false);
    if (r.already_known) return json::value(txid.to_hex());
    if (!r.accepted) throw fail(r);
    mempool.add_unbroadcast(txid);
    return json::value(txid.to_hex());
}

json::value test_mempool_accept(NodeContext& node, const RpcRequest& req) {
    require_chain(node);
    Mempool& mempool = require_mempool(node);
    const json::array& raw = req.at(0).get_array();
    if (raw.empty() || raw.size() > kMaxPackageCount)
        throw RpcError(RPC_INVALID_PARAMETER,
                       "Array must contain between 1 and " + std::to_string(kMaxPackageCount) + " transactions.");
    const FeeRate max_rate = parse_fee_rate(req.at(1), kDefaultMaxFeeRate);
    std::vector<Transaction> txs;
    for (const json::value& v : raw) {
        if (!v.is_string())
            throw RpcError(RPC_TYPE_ERROR, "JSON value of type " + std::string(v.is_null() ? "null" : "non-string") +
                                               " is not of expected type string");
        auto tx = decode_hex_tx(std::string(v.get_string()));
        if (!tx)
            throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed: " + std::string(v.get_string()) +
                                                          " Make sure the tx has at least one input.");
        txs.push_back(std::move(*tx));
    }
    const std::vector<AcceptResult> results = mempool.test_accept_package(txs, FeeRate{});
    json::array out;
    bool exit_early = false;
    for (size_t i = 0; i < txs.size(); ++i) {
        json::object o;
        o["txid"] = txs[i].txid().to_hex();
        o["wtxid"] = txs[i].wtxid().to_hex();
        const AcceptResult* r = i < results.size() ? &results[i] : nullptr;
        if (r && !r->package_error.empty()) o["package-error"] = r->package_error;
        const bool evaluated = r && (r->accepted || !r->state.valid() || r->already_known);
        if (exit_early || !evaluated || (r && !r->package_error.empty())) {
            out.push_back(std::move(o));
            continue;
        }
        if (r->accepted) {
            if (max_rate.sat_per_kvb > 0 && r->fee > fee_at(max_rate, r->vsize)) {
                o["allowed"] = false;
                o["reject-reason"] = "max-fee-exceeded";
                exit_early = true;
            } else {
                o["allowed"] = true;
                o["vsize"] = r->vsize;
                json::object fees;
                fees["base"] = amount_value(r->fee);
                const Amount eff = r->effective_feerate.sat_per_kvb ? r->effective_feerate.sat_per_kvb
                                                                    : (r->vsize ? r->fee * 1000 / Amount(r->vsize) : 0);
                fees["effective-feerate"] = amount_value(eff);
                json::array includes;
                if (r->effective_includes.empty()) includes.push_back(json::value(r->wtxid.to_hex()));
                for (const uint256& w : r->effective_includes) includes.push_back(json::value(w.to_hex()));
                fees["effective-includes"] = std::move(includes);
                o["fees"] = std::move(fees);
            }
        } else {
            o["allowed"] = false;
            if (r->reject == TxReject::MISSING_INPUTS || !r->missing_inputs.empty()) {
                o["reject-reason"] = "missing-inputs";
            } else {
                o["reject-reason"] = r->state.reason();
                o["reject-details"] = state_text(r->state);
            }
        }
        out.push_back(std::move(o));
    }
    return out;
}

json::object cluster_json(const MempoolCluster& c) {
    json::object o;
    o["clusterweight"] = c.weight;
    o["txcount"] = c.tx_count;
    json::array chunks;
    for (const MempoolCluster::Chunk& k : c.chunks) {
        json::object chunk;
        chunk["chunkfee"] = amount_value(k.fee);
        chunk["chunkweight"] = k.weight;
        json::array txs;
        for (const uint256& t : k.txids) txs.push_back(json::value(t.to_hex()));
        chunk["txs"] = std::move(txs);
        chunks.push_back(std::move(chunk));
    }
    o["chunks"] = std::move(chunks);
    return o;
}

// Core's IsChildWithParentsTree: the last transaction spends every other one, and no
// parent spends another parent.
bool is_child_with_parents_tree(const std::vector<Transaction>& txs) {
    std::set<uint256> parents;
    for (size_t i = 0; i + 1 < txs.size(); ++i) parents.insert(txs[i].txid());
    std::set<uint256> spent_by_child;
    for (const TxIn& in : txs.back().vin) spent_by_child.insert(in.prevout.txid);
    for (const uint256& p : parents)
        if (!spent_by_child.count(p)) return false;
    for (size_t i = 0; i + 1 < txs.size(); ++i)
        for (const TxIn& in : txs[i].vin)
            if (parents.count(in.prevout.txid)) return false;
    return true;
}

json::value submit_package(NodeContext& node, const RpcRequest& req) {
    require_chain(node);
    Mempool& mempool = require_mempool(node);
    const json::array& raw = req.at(0).get_array();
    if (raw.empty() || raw.size() > kMaxPackageCount)
        throw RpcError(RPC_INVALID_PARAMETER,
                       "Array must contain between 1 and " + std::to_string(kMaxPackageCount) + " transactions.");
    const FeeRate max_rate = parse_fee_rate(req.at(1), kDefaultMaxFeeRate);
    const Amount max_burn = req.has(2) ? amount_from_value(req.at(2)) : 0;
    std::vector<Transaction> txs;
    for (size_t i = 0; i < raw.size(); ++i) {
        const json::value& v = raw[i];
        if (!v.is_string())
            throw RpcError(RPC_TYPE_ERROR, "JSON value of type " + std::string(v.is_null() ? "null" : "non-string") +
                                               " is not of expected type string");
        auto tx = decode_hex_tx(std::string(v.get_string()));
        if (!tx)
            throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed for tx " + std::to_string(i) +
                                                          ". Make sure the tx has at least one input.");
        for (const TxOut& out : tx->vout)
            if ((out.script_pubkey.is_unspendable() || !has_valid_ops(out.script_pubkey)) && out.value > max_burn)
                throw RpcError(RPC_VERIFY_ERROR,
                               "Unspendable output exceeds maximum configured by user (maxburnamount)");
        txs.push_back(std::move(*tx));
    }
    if (txs.size() > 1 && !is_child_with_parents_tree(txs))
        throw RpcError(RPC_VERIFY_ERROR,
                       "package topology disallowed. not child-with-parents or parents depend on each other.");

    const PackageResult result = mempool.submit_package(txs, max_rate);
    for (const Transaction& tx : txs)
        if (mempool.contains(tx.txid())) mempool.add_unbroadcast(tx.txid());

    json::object out;
    out["package_msg"] = result.package_msg.empty() ? std::string("success") : result.package_msg;
    json::object tx_results;
    std::set<std::string> replaced;
    for (const Transaction& tx : txs) {
        json::object inner;
        inner["txid"] = tx.txid().to_hex();
        const uint256 wtxid = tx.wtxid();
        auto it = result.results.find(wtxid);
        if (it == result.results.end()) {
            inner["error"] = "package-not-validated";
            tx_results[wtxid.to_hex()] = std::move(inner);
            continue;
        }
        const AcceptResult& r = it->second;
        if (r.other_wtxid) {
            inner["other-wtxid"] = r.other_wtxid->to_hex();
        } else if (!r.accepted && !r.already_known) {
            inner["error"] = state_text(r.state);
        } else {
            inner["vsize"] = r.vsize;
            json::object fees;
            fees["base"] = amount_value(r.fee);
            if (r.accepted) {
                // Not for transactions that were already there: whether a package feerate let
                // them in is unknown (as Core).
                fees["effective-feerate"] = amount_value(r.effective_feerate.sat_per_kvb);
                json::array includes;
                for (const uint256& w : r.effective_includes) includes.push_back(json::value(w.to_hex()));
                fees["effective-includes"] = std::move(includes);
            }
            inner["fees"] = std::move(fees);
            for (const uint256& t : r.replaced) replaced.insert(t.to_hex());
        }
        tx_results[wtxid.to_hex()] = std::move(inner);
    }
    out["tx-results"] = std::move(tx_results);
    json::array replaced_list;
    for (const std::string& t : replaced) replaced_list.push_back(json::value(t));
    out["replaced-transactions"] = std::move(replaced_list);
    return out;
}

}  // namespace

void register_mempool_commands(RpcTable& t) {
    t.add({"rawtransactions",
           "sendrawtransaction",
           "Submit a raw transaction (serialized, hex-encoded) to local node and network.\n\n"
           "The transaction will be sent unconditionally to all peers, so using sendrawtransaction\n"
           "for manual rebroadcast may degrade privacy by leaking the transaction's origin.\n\n"
           "A specific exception, RPC_TRANSACTION_ALREADY_IN_UTXO_SET, may throw if the transaction cannot be "
           "added to the mempool.",
           {{"hexstring", ArgType::STR_HEX, true, "", "The hex string of the raw transaction"},
            {"maxfeerate", ArgType::AMOUNT, false, "0.10",
             "Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB.\n"
             "Fee rates larger than 1BTC/kvB are rejected.\nSet to 0 to accept any fee rate."},
            {"maxburnamount", ArgType::AMOUNT, false, "0",
             "Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the "
             "OP_RETURN opcode) greater than the specified value, expressed in BTC."}},
           "\"hex\"    (string) The transaction hash in hex",
           send_raw_transaction});

    t.add({"rawtransactions",
           "testmempoolaccept",
           "Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) "
           "would be accepted by mempool.\n\nIf multiple transactions are passed in, parents must come before "
           "children and package policies apply: the transactions cannot conflict with any mempool transactions "
           "or each other.\n\nIf one transaction fails, other transactions may not be fully validated (the "
           "'allowed' key will be blank).\n\nThe maximum number of transactions allowed is 25.\n\n"
           "This checks if transactions violate the consensus or policy rules.\n\nSee sendrawtransaction call.",
           {{"rawtxs", ArgType::ARR, true, "", "An array of hex strings of raw transactions."},
            {"maxfeerate", ArgType::AMOUNT, false, "0.10",
             "Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB"}},
           "[ { \"txid\", \"wtxid\", \"package-error\", \"allowed\", \"vsize\", \"fees\": { \"base\", "
           "\"effective-feerate\", \"effective-includes\" }, \"reject-reason\", \"reject-details\" }, ... ]",
           test_mempool_accept});

    t.add({"blockchain",
           "getmempoolinfo",
           "Returns details on the active state of the TX memory pool.",
           {},
           "{ \"loaded\", \"size\", \"bytes\", \"usage\", \"total_fee\", \"maxmempool\", \"mempoolminfee\",\n"
           "  \"minrelaytxfee\", \"incrementalrelayfee\", \"unbroadcastcount\", \"permitbaremultisig\",\n"
           "  \"maxdatacarriersize\", \"limitclustercount\", \"limitclustersize\", \"optimal\", \"fullrbf\" }",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const MempoolInfo i = require_mempool(node).info();
               json::object o;
               o["loaded"] = true;
               o["size"] = i.size;
               o["bytes"] = i.bytes;
               o["usage"] = i.usage;
               o["total_fee"] = amount_value(i.total_fee);
               o["maxmempool"] = i.max_bytes;
               o["mempoolminfee"] = amount_value(std::max(i.min_fee, i.min_relay_feerate).sat_per_kvb);
               o["minrelaytxfee"] = amount_value(i.min_relay_feerate.sat_per_kvb);
               o["incrementalrelayfee"] = amount_value(i.incremental_relay_feerate.sat_per_kvb);
               o["unbroadcastcount"] = i.unbroadcast;
               o["permitbaremultisig"] = i.permit_bare_multisig;
               o["maxdatacarriersize"] = i.max_datacarrier_bytes;
               o["limitclustercount"] = i.cluster_count;
               o["limitclustersize"] = i.cluster_size_vbytes;
               o["optimal"] = i.optimal;
               o["fullrbf"] = i.full_rbf;
               return o;
           }});

    t.add({"blockchain",
           "getrawmempool",
           "Returns all transaction ids in memory pool as a json array of string transaction ids.\n\n"
           "Hint: use getmempoolentry to fetch a specific transaction from the mempool.",
           {{"verbose", ArgType::BOOL, false, "false", "True for a json object, false for array of transaction ids"},
            {"mempool_sequence", ArgType::BOOL, false, "false",
             "If verbose=false, returns a json object with transaction list and mempool sequence number attached."}},
           "[ \"txid\", ... ] or, verbose, { \"txid\": { mempool entry }, ... } or, mempool_sequence,\n"
           "{ \"txids\": [ \"txid\", ... ], \"mempool_sequence\": n }   (the mempool sequence value)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Mempool& mempool = require_mempool(node);
               const bool verbose = req.get_bool(0, false);
               const bool sequence = req.get_bool(1, false);
               if (verbose && sequence)
                   throw RpcError(RPC_INVALID_PARAMETER, "Verbose results cannot contain mempool sequence values.");
               auto [ids, mempool_sequence] = mempool.txids_and_sequence();
               std::sort(ids.begin(), ids.end(),
                         [](const uint256& a, const uint256& b) { return a.to_hex() < b.to_hex(); });
               if (!verbose) {
                   json::array a;
                   for (const uint256& id : ids) a.push_back(json::value(id.to_hex()));
                   if (!sequence) return a;
                   json::object o;
                   o["txids"] = std::move(a);
                   o["mempool_sequence"] = mempool_sequence;
                   return o;
               }
               json::object o;
               for (const uint256& id : ids)
                   if (auto e = mempool.entry(id)) o[id.to_hex()] = entry_json(*e);
               return o;
           }});

    t.add({"blockchain",
           "getmempoolentry",
           "Returns mempool data for given transaction",
           {{"txid", ArgType::STR_HEX, true, "", "The transaction id (must be in mempool)"}},
           "{ \"vsize\", \"weight\", \"time\", \"height\", \"descendantcount\", \"descendantsize\", "
           "\"ancestorcount\",\n  \"ancestorsize\", \"wtxid\", \"chunkweight\", \"fees\": { \"base\", \"modified\", "
           "\"ancestor\",\n  \"descendant\", \"chunk\" }, \"depends\", \"spentby\", \"bip125-replaceable\", "
           "\"unbroadcast\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Mempool& mempool = require_mempool(node);
               const uint256 txid = parse_hash(req.at(0), "txid");
               auto e = mempool.entry(txid);
               if (!e) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
               return entry_json(*e);
           }});

    t.add({"util",
           "estimatesmartfee",
           "Estimates the approximate fee per kilobyte needed for a transaction to begin\n"
           "confirmation within conf_target blocks if possible and return the number of blocks\n"
           "for which the estimate is valid.",
           {{"conf_target", ArgType::NUM, true, "", "Confirmation target in blocks (1 - 1008)"},
            {"estimate_mode", ArgType::STR, false, "\"economical\"",
             "The fee estimate mode: \"unset\", \"economical\" or \"conservative\""}},
           "{ \"feerate\", \"errors\": [ \"str\" ], \"blocks\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Mempool& mempool = require_mempool(node);
               const int64_t target = req.get_int(0);
               if (target < 1 || target > 1008)
                   throw RpcError(RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 and 1008");
               if (auto mode = req.opt_str(1)) {
                   std::string m = *mode;
                   for (char& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
                   if (m != "UNSET" && m != "ECONOMICAL" && m != "CONSERVATIVE")
                       throw RpcError(RPC_INVALID_PARAMETER,
                                      "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", "
                                      "\"conservative\"");
               }
               json::object o;
               if (auto est = mempool.estimate_fee(int(target))) {
                   o["feerate"] = amount_value(est->first.sat_per_kvb);
                   o["blocks"] = est->second;
               } else {
                   json::array errors;
                   errors.push_back("Insufficient data or no feerate found");
                   o["errors"] = std::move(errors);
                   o["blocks"] = 0;
               }
               return o;
           }});

    t.add({"mining",
           "prioritisetransaction",
           "Accepts the transaction into mined blocks at a higher (or lower) priority",
           {{"txid", ArgType::STR_HEX, true, "", "The transaction id."},
            {"dummy", ArgType::NUM, false, "null",
             "API-Compatibility for previous API. Must be zero or null.\nDEPRECATED. For forward compatibility use "
             "named arguments and omit this parameter."},
            {"fee_delta", ArgType::NUM, true, "",
             "The fee value (in satoshis) to add (or subtract, if negative).\nNote, that this value is not a fee "
             "rate. It is a value to modify absolute fee of the TX.\nThe fee is not actually paid, only the "
             "algorithm for selecting transactions into a block\nconsiders the transaction as it would have paid a "
             "higher (or lower) fee."}},
           "true|false    (boolean) Returns true",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Mempool& mempool = require_mempool(node);
               const uint256 txid = parse_hash(req.at(0), "txid");
               if (req.has(1) && req.get_int(1) != 0)
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Priority is no longer supported, dummy argument to prioritisetransaction must "
                                  "be 0.");
               const int64_t delta = req.get_int(2);
               if (auto tx = mempool.get(txid); tx && tx->is_coinbase())
                   throw RpcError(RPC_INVALID_PARAMETER, "txid is a coinbase transaction");
               mempool.prioritise(txid, delta);
               return true;
           }});

    t.add({"mining",
           "getprioritisedtransactions",
           "Returns a map of all user-created (see prioritisetransaction) fee deltas by txid, and whether the tx "
           "is present in mempool.",
           {},
           "{ \"<transactionid>\": { \"fee_delta\", \"in_mempool\" }, ... }",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               Mempool& mempool = require_mempool(node);
               json::object o;
               for (const auto& [txid, delta] : mempool.fee_deltas()) {
                   json::object e;
                   e["fee_delta"] = delta;
                   e["in_mempool"] = mempool.contains(txid);
                   o[txid.to_hex()] = std::move(e);
               }
               return o;
           }});

    t.add({"rawtransactions",
           "submitpackage",
           "Submit a package of raw transactions (serialized, hex-encoded) to local node.\n"
           "The package will be validated according to consensus and mempool policy rules. If any transaction "
           "passes, it will be accepted to mempool.\n"
           "This RPC is experimental and the interface may be unstable. Refer to doc/policy/packages.md for "
           "documentation on package policies.\n"
           "Warning: successful submission does not mean the transactions will propagate throughout the network.",
           {{"package", ArgType::ARR, true, "",
             "An array of raw transactions.\nThe package must consist of a transaction with (some, all, or none of) "
             "its unconfirmed parents. A single transaction is permitted.\nNone of the parents may depend on each "
             "other. Parents that are already in mempool do not need to be present in the package.\nThe package must "
             "be topologically sorted, with the child being the last element in the array if there are multiple "
             "elements."},
            {"maxfeerate", ArgType::AMOUNT, false, "0.10",
             "Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB.\n"
             "Fee rates larger than 1BTC/kvB are rejected.\nSet to 0 to accept any fee rate."},
            {"maxburnamount", ArgType::AMOUNT, false, "0.00",
             "Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the "
             "OP_RETURN opcode) greater than the specified value, expressed in BTC.\nIf burning funds through "
             "unspendable outputs is desired, increase this value.\nThis check is based on heuristics and does not "
             "guarantee spendability of outputs."}},
           "{ \"package_msg\", \"tx-results\": { \"wtxid\": { \"txid\", \"other-wtxid\", \"vsize\", \"fees\": { "
           "\"base\",\n  \"effective-feerate\", \"effective-includes\" }, \"error\" }, ... }, "
           "\"replaced-transactions\": [ \"txid\", ... ] }",
           submit_package});

    t.add(
        {"blockchain",
         "getmempoolcluster",
         "Returns mempool data for given cluster",
         {{"txid", ArgType::STR_HEX, true, "", "The txid of a transaction in the cluster"}},
         "{ \"clusterweight\", \"txcount\", \"chunks\": [ { \"chunkfee\", \"chunkweight\", \"txs\": [ \"txid\", ... ] "
         "}, ... ] }",
         [](NodeContext& node, const RpcRequest& req) -> json::value {
             Mempool& mempool = require_mempool(node);
             const uint256 txid = parse_hash(req.at(0), "txid");
             auto c = mempool.cluster(txid);
             if (!c) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
             return cluster_json(*c);
         }});

    t.add({"hidden",
           "getmempoolfeeratediagram",
           "Returns the feerate diagram for the whole mempool.",
           {},
           "[ { \"weight\", \"fee\" }, ... ]    cumulative sigops-adjusted weight and fee after each chunk",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               json::array out;
               for (const auto& [weight, fee] : require_mempool(node).feerate_diagram()) {
                   json::object p;
                   p["weight"] = weight;
                   p["fee"] = amount_value(fee);
                   out.push_back(std::move(p));
               }
               return out;
           }});
}

}  // namespace minicash::rpc
