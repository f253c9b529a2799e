// scantxoutset: finds the unspent outputs paying to a set of descriptors by reading the
// whole UTXO set (Chainstate::for_each_utxo, the path gettxoutsetinfo takes). One scan
// runs at a time; "status" and "abort" reach it from other RPC threads through atomics.
#include <atomic>
#include <map>

#include "common/descriptor.h"
#include "node/block_index.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "rpc/scan_reservation.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

ScanSlot g_scan;

std::string key_expression(const DerivedPubkey& k) {
    return "[" + hex_encode(k.origin.fingerprint) + format_path_suffix(k.origin.path, 'h') + "]" + hex_encode(k.pubkey);
}

// The descriptor Core's InferDescriptor gives for one expanded script when it knows the
// keys and their origins: pk/pkh/wpkh/sh(wpkh)/tr(KEY) with "[fingerprint/path]"; any
// other script falls back to the keyless inference (addr(), multi(), raw(), ...).
std::string describe(const ExpandedScript& e, const ChainParams& params) {
    const Script& s = e.script_pubkey;
    auto find_key = [&](ByteView hash20) -> const DerivedPubkey* {
        for (const DerivedPubkey& k : e.pubkeys) {
            const Hash160 h = hash160(k.pubkey);
            if (hash20.size() == 20 && std::equal(h.begin(), h.end(), hash20.begin())) return &k;
        }
        return nullptr;
    };
    std::string d;
    int version = -1;
    Bytes program;
    if (s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 && s[23] == OP_EQUALVERIFY &&
        s[24] == OP_CHECKSIG) {
        if (const DerivedPubkey* k = find_key(s.view().subspan(3, 20))) d = "pkh(" + key_expression(*k) + ")";
    } else if ((s.size() == 35 || s.size() == 67) && s[0] == s.size() - 2 && s[s.size() - 1] == OP_CHECKSIG) {
        for (const DerivedPubkey& k : e.pubkeys)
            if (ByteView(k.pubkey).size() == s[0] && std::equal(k.pubkey.begin(), k.pubkey.end(), s.view().begin() + 1))
                d = "pk(" + key_expression(k) + ")";
    } else if (s.is_witness_program(version, program) && version == 0 && program.size() == 20) {
        if (const DerivedPubkey* k = find_key(program)) d = "wpkh(" + key_expression(*k) + ")";
    } else if (s.is_p2sh() && e.redeem_script) {
        Bytes inner;
        if (e.redeem_script->is_witness_program(version, inner) && version == 0 && inner.size() == 20)
            if (const DerivedPubkey* k = find_key(inner)) d = "sh(wpkh(" + key_expression(*k) + "))";
    } else if (s.is_witness_program(version, program) && version == 1 && program.size() == 32 && e.taproot &&
               !e.taproot->merkle_root && e.pubkeys.size() == 1) {
        d = "tr(" + key_expression(e.pubkeys[0]) + ")";
    }
    if (d.empty()) return infer_descriptor(s, params);
    return add_descriptor_checksum(d);
}

// Adds the scripts one scan object stands for (Core's EvalDescriptorStringOrObject).
void add_scan_object(const json::value& obj, const ChainParams& params, std::map<Script, std::string>& needles) {
    expand_descriptor_argument(parse_descriptor_argument(obj, params),
                               [&](const Descriptor&, uint32_t, const ExpandedScript& e) {
                                   if (!needles.count(e.script_pubkey))
                                       needles.emplace(e.script_pubkey, describe(e, params));
                               });
}

}  // namespace

void register_scantxoutset_command(RpcTable& t) {
    t.add({"blockchain",
           "scantxoutset",
           "Scans the unspent transaction output set for entries that match certain output descriptors.\n"
           "Examples of output descriptors are:\n"
           "    addr(<address>)                      Outputs whose output script corresponds to the specified address "
           "(does not include P2PK)\n"
           "    raw(<hex script>)                    Outputs whose output script equals the specified hex-encoded "
           "bytes\n"
           "    combo(<pubkey>)                      P2PK, P2PKH, P2WPKH, and P2SH-P2WPKH outputs for the given "
           "pubkey\n"
           "    pkh(<pubkey>)                        P2PKH outputs for the given pubkey\n"
           "    sh(multi(<n>,<pubkey>,<pubkey>,...)) P2SH-multisig outputs for the given threshold and pubkeys\n"
           "    tr(<pubkey>)                         P2TR\n"
           "    tr(<pubkey>,{pk(<pubkey>)})          P2TR with single fallback pubkey in tapscript\n"
           "\nIn the above, <pubkey> either refers to a fixed public key in hexadecimal notation, or to an xpub/xprv "
           "optionally followed by one\nor more path elements separated by \"/\", and optionally ending in \"/*\" "
           "(unhardened), or \"/*'\" or \"/*h\" (hardened) to specify all\nunhardened or hardened child keys.\n"
           "In the latter case, a range needs to be specified by below if different from 1000.\n"
           "Only one scan runs at a time; it holds the chain state while it reads the UTXO set.",
           {{"action", ArgType::STR, true, "",
             "The action to execute\n\"start\" for starting a scan\n\"abort\" for aborting the current scan (returns "
             "true when abort was successful)\n\"status\" for progress report (in %) of the current scan"},
            {"scanobjects", ArgType::ARR, false, "",
             "Array of scan objects. Required for \"start\" action. Every scan object is either a string descriptor "
             "or an object {\"desc\": descriptor, \"range\": n or [begin,end] (default 1000)}"}},
           "When action=='start': { \"success\", \"txouts\", \"height\", \"bestblock\", \"unspents\": [ { \"txid\", "
           "\"vout\", \"scriptPubKey\", \"desc\", \"amount\", \"coinbase\", \"height\", \"blockhash\", "
           "\"confirmations\" }, ... ], \"total_amount\" }\n"
           "When action=='abort': true|false\n"
           "When action=='status' and a scan is running: { \"progress\" }; otherwise null",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const std::string action = req.get_str(0);
               if (std::optional<json::value> answer = g_scan.answer_control(action, /*with_height=*/false))
                   return *answer;

               const ScanReservation reservation(g_scan);
               if (!req.has(1)) throw RpcError(RPC_MISC_ERROR, "scanobjects argument is required for the start action");
               Chainstate& chain = require_chain(node);
               std::map<Script, std::string> needles;
               for (const json::value& obj : req.at(1).as_array()) add_scan_object(obj, chain.params(), needles);

               uint64_t count = 0;
               bool aborted = false;
               std::vector<std::pair<OutPoint, Coin>> found;
               const BlockIndex* tip = chain.for_each_utxo([&](const OutPoint& op, const Coin& coin) {
                   if (g_scan.abort || node.shutdown_requested) {
                       aborted = true;
                       return false;
                   }
                   ++count;
                   if ((count & 0xfff) == 0) g_scan.progress = int(op.txid.data()[0]) * 100 / 256;
                   if (needles.count(coin.out.script_pubkey)) found.emplace_back(op, coin);
                   return true;
               });
               g_scan.progress = 100;
               if (!tip) throw RpcError(RPC_MISC_ERROR, "No tip");

               json::object result;
               result["success"] = !aborted;
               result["txouts"] = count;
               result["height"] = tip->height;
               result["bestblock"] = tip->hash.to_hex();
               json::array unspents;
               Amount total = 0;
               for (const auto& [op, coin] : found) {
                   json::object u;
                   u["txid"] = op.txid.to_hex();
                   u["vout"] = op.index;
                   u["scriptPubKey"] = hex_encode(coin.out.script_pubkey.view());
                   u["desc"] = needles.at(coin.out.script_pubkey);
                   u["amount"] = amount_value(coin.out.value);
                   u["coinbase"] = coin.coinbase;
                   u["height"] = coin.height;
                   const BlockIndex* at = tip->ancestor(coin.height);
                   u["blockhash"] = at ? at->hash.to_hex() : uint256().to_hex();
                   u["confirmations"] = tip->height - coin.height + 1;
                   unspents.push_back(std::move(u));
                   total += coin.out.value;
               }
               result["unspents"] = std::move(unspents);
               result["total_amount"] = amount_value(total);
               return result;
           }});
}

}  // namespace minicash::rpc
