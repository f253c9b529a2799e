#include "rpc/util.h"

#include <cmath>
#include <cstdio>

#include "common/descriptor.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "storage/block_store.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

Chainstate& require_chain(NodeContext& node) {
    if (!node.chainstate) throw RpcError(RPC_IN_WARMUP, "Loading block index...");
    return *node.chainstate;
}

const BlockIndex* lookup_block(Chainstate& chain, const uint256& hash) {
    const BlockIndex* b = chain.lookup(hash);
    if (!b) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    return b;
}

BlockRead read_block_data(NodeContext& node, Chainstate& chain, const BlockIndex* b, bool want_undo) {
    BlockRead r;
    FilePos undo_pos;
    uint256 prev_hash;
    bool have_data = false;
    chain.with_view([&](Chainstate::View&) {
        have_data = b->status & BLOCK_HAVE_DATA;
        undo_pos = b->undo;
        if (b->prev) prev_hash = b->prev->hash;
    });
    if (!have_data) {
        if (chain.is_block_pruned(b)) throw RpcError(RPC_MISC_ERROR, "Block not available (pruned data)");
        throw RpcError(RPC_MISC_ERROR, "Block not available (not fully downloaded)");
    }
    auto block = chain.read_block(b);
    if (!block) throw RpcError(RPC_MISC_ERROR, "Block not found on disk");
    r.block = std::move(*block);
    if (want_undo && !undo_pos.is_null() && b->prev) {
        try {
            BlockStore reader(chain.blocks_dir(), chain.params().magic);
            r.undo = reader.read_undo(undo_pos, prev_hash);
        } catch (const std::exception&) {
            r.undo.reset();  // the fee fields are then left out, as Core does without undo data
        }
    }
    return r;
}

Mempool& require_mempool(NodeContext& node) {
    if (!node.mempool) throw RpcError(RPC_CLIENT_MEMPOOL_DISABLED, "Mempool disabled or instance not found");
    return *node.mempool;
}

namespace {
[[noreturn]] void type_error(const json::value& v, const char* expected) {
    throw RpcError(RPC_TYPE_ERROR,
                   std::string("JSON value of type ") + json_type_name(v) + " is not of expected type " + expected);
}
}  // namespace

std::string json_str(const json::value& v) {
    if (!v.is_string() || raw_number_text(v)) type_error(v, "string");
    return std::string(v.get_string());
}

int64_t json_int(const json::value& v, int64_t min, int64_t max) {
    int64_t out = 0;
    if (v.is_int64()) {
        out = v.get_int64();
    } else if (v.is_uint64()) {
        if (v.get_uint64() > uint64_t(INT64_MAX)) throw RpcError(RPC_MISC_ERROR, "JSON integer out of range");
        out = int64_t(v.get_uint64());
    } else if (v.is_double() || raw_number_text(v)) {
        throw RpcError(RPC_MISC_ERROR, "JSON integer out of range");  // a fraction or an exponent
    } else {
        type_error(v, "number");
    }
    if (out < min || out > max) throw RpcError(RPC_MISC_ERROR, "JSON integer out of range");
    return out;
}

bool json_bool(const json::value& v) {
    if (!v.is_bool()) type_error(v, "bool");
    return v.get_bool();
}

const json::array& json_array(const json::value& v) {
    if (!v.is_array()) type_error(v, "array");
    return v.get_array();
}

const json::object& json_object(const json::value& v) {
    if (!v.is_object()) type_error(v, "object");
    return v.get_object();
}

const json::value& json_member(const json::object& o, std::string_view key) {
    static const json::value null_value;
    const json::value* v = o.if_contains(key);
    return v ? *v : null_value;
}

uint256 parse_hash(const json::value& v, const std::string& name) {
    const std::string s = json_str(v);
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

std::pair<int64_t, int64_t> parse_descriptor_range(const json::value& v) {
    int64_t low = 0, high = 0;
    if (v.is_number() || raw_number_text(v)) {
        high = json_int(v);
    } else if (v.is_array() && v.get_array().size() == 2 && !v.get_array()[0].is_string() &&
               !v.get_array()[1].is_string() && v.get_array()[0].is_number() && v.get_array()[1].is_number()) {
        low = json_int(v.get_array()[0]);
        high = json_int(v.get_array()[1]);
        if (low > high)
            throw RpcError(RPC_INVALID_PARAMETER, "Range specified as [begin,end] must not have begin after end");
    } else {
        throw RpcError(RPC_INVALID_PARAMETER, "Range must be specified as end or as [begin,end]");
    }
    if (low < 0) throw RpcError(RPC_INVALID_PARAMETER, "Range should be greater or equal than 0");
    if ((high >> 31) != 0) throw RpcError(RPC_INVALID_PARAMETER, "End of range is too high");
    if (high >= low + 1000000) throw RpcError(RPC_INVALID_PARAMETER, "Range is too large");
    return {low, high};
}

DescriptorArgument parse_descriptor_argument(const json::value& v, const ChainParams& params) {
    DescriptorArgument arg;
    std::pair<int64_t, int64_t> range{0, 1000};
    if (v.is_string() && !raw_number_text(v)) {
        arg.text = json_str(v);
    } else if (v.is_object()) {
        const json::value& desc = json_member(v.get_object(), "desc");
        if (desc.is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Descriptor needs to be provided in scan object");
        arg.text = json_str(desc);
        const json::value& r = json_member(v.get_object(), "range");
        if (!r.is_null()) range = parse_descriptor_range(r);
    } else {
        throw RpcError(RPC_INVALID_PARAMETER, "Scan object needs to be either a string or an object");
    }
    std::string error;
    std::optional<Descriptor> parsed = Descriptor::parse(arg.text, params, &error);
    if (!parsed) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
    if (!parsed->is_range()) range = {0, 0};
    arg.descriptors = parsed->split_multipath();
    arg.begin = range.first;
    arg.end = range.second;
    return arg;
}

void expand_descriptor_argument(
    const DescriptorArgument& arg,
    const std::function<void(const Descriptor& desc, uint32_t index, const ExpandedScript& script)>& visit) {
    for (int64_t i = arg.begin; i <= arg.end; ++i) {
        for (const Descriptor& d : arg.descriptors) {
            std::optional<std::vector<ExpandedScript>> scripts = d.expand(uint32_t(i));
            if (!scripts)
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                               "Cannot derive script without private keys: '" + arg.text + "'");
            for (const ExpandedScript& e : *scripts) visit(d, uint32_t(i), e);
        }
    }
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
