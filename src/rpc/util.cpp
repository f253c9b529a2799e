#include "rpc/util.h"

#include <cmath>
#include <cstdio>

#include "common/descriptor.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

Chainstate& require_chain(NodeContext& node) {
    if (!node.chainstate) throw RpcError(RPC_IN_WARMUP, "Loading block index...");
    return *node.chainstate;
}

Mempool& require_mempool(NodeContext& node) {
    if (!node.mempool) throw RpcError(RPC_CLIENT_MEMPOOL_DISABLED, "Mempool disabled or instance not found");
    return *node.mempool;
}

uint256 parse_hash(const json::value& v, const std::string& name) {
    if (!v.is_string()) throw RpcError(RPC_TYPE_ERROR, name + " must be a hexadecimal string");
    const std::string s(v.get_string());
    if (s.size() != 64)
        throw RpcError(RPC_INVALID_PARAMETER,
                       name + " must be of length 64 (not " + std::to_string(s.size()) + ", for '" + s + "')");
    auto h = uint256::from_hex(s);
    if (!h || !is_hex(s)) throw RpcError(RPC_INVALID_PARAMETER, name + " must be hexadecimal string (not '" + s + "')");
    return *h;
}

Bytes parse_hex(const json::value& v, const std::string& name) {
    const std::string s = v.is_string() ? std::string(v.get_string()) : std::string();
    auto b = hex_decode(s);
    if (!v.is_string() || !b)
        throw RpcError(RPC_INVALID_PARAMETER,
                       name + " must be hexadecimal string (not '" + s + "') and length of it must be divisible by 2");
    return *b;
}

int parse_verbosity(const json::value& v, int dflt) {
    if (v.is_null()) return dflt;
    if (v.is_bool()) return v.get_bool() ? 1 : 0;
    if (v.is_int64()) return int(std::clamp<int64_t>(v.get_int64(), INT32_MIN, INT32_MAX));
    if (v.is_uint64()) return INT32_MAX;
    if (v.is_double() && v.get_double() == std::floor(v.get_double()) && std::fabs(v.get_double()) < 1e9)
        return int(v.get_double());
    throw RpcError(RPC_TYPE_ERROR, "Verbosity was not an integer or boolean");
}

std::optional<Script> script_from_descriptor(const std::string& descriptor, const ChainParams& params,
                                             std::string& error) {
    auto desc = Descriptor::parse(descriptor, params, &error, false);
    if (!desc) return std::nullopt;
    if (desc->is_multipath()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Multipath descriptor not accepted");
    if (desc->is_range())
        throw RpcError(RPC_INVALID_PARAMETER,
                       "Ranged descriptor not accepted. Maybe pass through deriveaddresses first?");
    std::string expand_error;
    auto scripts = desc->expand(0, &expand_error);
    if (!scripts || scripts->empty())
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Cannot derive script without private keys");
    // combo() gives 2 or 4 scripts: as Core, P2WPKH when there are 4, else P2PKH.
    if (scripts->size() == 1) return (*scripts)[0].script_pubkey;
    if (scripts->size() == 4) return (*scripts)[2].script_pubkey;
    return (*scripts)[1].script_pubkey;
}

json::object header_to_json(const BlockIndex& b, const BlockIndex* tip, const BlockIndex* next) {
    json::object o;
    o["hash"] = b.hash.to_hex();
    const bool active = tip && tip->ancestor(b.height) == &b;
    o["confirmations"] = active ? tip->height - b.height + 1 : -1;
    o["height"] = b.height;
    o["version"] = b.header.version;
    o["versionHex"] = hex_u32(uint32_t(b.header.version));
    o["merkleroot"] = b.header.merkle_root.to_hex();
    o["time"] = b.header.time;
    o["mediantime"] = b.median_time_past();
    o["nonce"] = b.header.nonce;
    o["bits"] = hex_u32(b.header.bits);
    o["target"] = target_hex(b.header.bits);
    o["difficulty"] = difficulty_from_bits(b.header.bits);
    o["chainwork"] = b.chain_work.to_hex();
    o["nTx"] = b.tx_count;
    if (b.prev) o["previousblockhash"] = b.prev->hash.to_hex();
    if (active && next) o["nextblockhash"] = next->hash.to_hex();
    return o;
}

}  // namespace minicash::rpc
