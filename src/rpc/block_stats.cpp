// Statistics over blocks: getblockstats (one block, from its data and undo data) and
// getchaintxstats (transaction counts over a window of the active chain), as Core's.
#include <algorithm>
#include <array>
#include <set>

#include "consensus/pow.h"
#include "consensus/serialize.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr int kPercentiles = 5;
// Core's PER_UTXO_OVERHEAD: an outpoint, a height/coinbase word and a flag per coin.
constexpr int64_t kPerUtxoOverhead = 36 + 4 + 1;
constexpr int64_t kMaxBlockSerializedSize = 4000000;

int64_t txout_size(const TxOut& out) {
    const size_t script = out.script_pubkey.size();
    return int64_t(8 + compact_size_length(script) + script);
}

// Core's CalculateTruncatedMedian: the mean of the middle two for an even count.
int64_t truncated_median(std::vector<int64_t> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 0 ? (v[n / 2 - 1] + v[n / 2]) / 2 : v[n / 2];
}

// Core's CalculatePercentilesByWeight: feerates at the 10/25/50/75/90th percentile weight unit.
std::array<int64_t, kPercentiles> percentiles_by_weight(std::vector<std::pair<int64_t, int64_t>> scores,
                                                        int64_t total_weight) {
    std::array<int64_t, kPercentiles> result{};
    if (scores.empty()) return result;
    std::sort(scores.begin(), scores.end());
    const double marks[kPercentiles] = {total_weight / 10.0, total_weight / 4.0, total_weight / 2.0,
                                        (total_weight * 3.0) / 4.0, (total_weight * 9.0) / 10.0};
    int next = 0;
    int64_t cumulative = 0;
    for (const auto& [feerate, weight] : scores) {
        cumulative += weight;
        while (next < kPercentiles && cumulative >= marks[next]) result[size_t(next++)] = feerate;
    }
    for (int i = next; i < kPercentiles; ++i) result[size_t(i)] = scores.back().first;
    return result;
}

// Core's ParseHashOrHeight: a height on the active chain or any known block's hash.
const BlockIndex* block_by_hash_or_height(Chainstate& chain, const json::value& v) {
    if (v.is_number()) {
        const int64_t height = json_int(v, INT32_MIN, INT32_MAX);
        if (height < 0)
            throw RpcError(RPC_INVALID_PARAMETER, "Target block height " + std::to_string(height) + " is negative");
        const int tip = chain.height();
        if (height > tip)
            throw RpcError(RPC_INVALID_PARAMETER, "Target block height " + std::to_string(height) +
                                                      " after current tip " + std::to_string(tip));
        return chain.at_height(int(height));
    }
    return lookup_block(chain, parse_hash(v, "hash_or_height"));
}

json::object block_stats(NodeContext& node, Chainstate& chain, const BlockIndex* index) {
    BlockRead data = read_block_data(node, chain, index, index->height > 0);
    const Block& block = data.block;
    if (index->height > 0 && (!data.undo || data.undo->txs.size() + 1 != block.txs.size()))
        throw RpcError(RPC_MISC_ERROR, "Can't read undo data from disk");

    int64_t maxfee = 0, maxfeerate = 0, minfee = kMaxMoney, minfeerate = kMaxMoney;
    int64_t total_out = 0, totalfee = 0, inputs = 0, outputs = 0;
    int64_t maxtxsize = 0, mintxsize = kMaxBlockSerializedSize;
    int64_t swtotal_size = 0, swtotal_weight = 0, swtxs = 0, total_size = 0, total_weight = 0;
    int64_t utxos = 0, utxo_size_inc = 0, utxo_size_inc_actual = 0;
    std::vector<int64_t> fees, sizes;
    std::vector<std::pair<int64_t, int64_t>> feerates;
    const bool repeat = is_bip30_repeat(index);

    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        outputs += int64_t(tx.vout.size());
        int64_t tx_out = 0;
        for (const TxOut& out : tx.vout) {
            tx_out += out.value;
            const int64_t size = txout_size(out) + kPerUtxoOverhead;
            utxo_size_inc += size;
            // Genesis and the repeated BIP30 coinbases never entered the UTXO set.
            if (index->height == 0 || (repeat && tx.is_coinbase())) continue;
            if (out.script_pubkey.is_unspendable()) continue;
            ++utxos;
            utxo_size_inc_actual += size;
        }
        if (tx.is_coinbase()) continue;
        inputs += int64_t(tx.vin.size());
        total_out += tx_out;
        const int64_t size = int64_t(tx.total_size());
        sizes.push_back(size);
        maxtxsize = std::max(maxtxsize, size);
        mintxsize = std::min(mintxsize, size);
        total_size += size;
        const int64_t weight = int64_t(tx.weight());
        total_weight += weight;
        if (tx.has_witness()) {
            ++swtxs;
            swtotal_size += size;
            swtotal_weight += weight;
        }
        int64_t tx_in = 0;
        for (const Coin& coin : data.undo->txs[i - 1].spent) {
            tx_in += coin.out.value;
            const int64_t prev_size = txout_size(coin.out) + kPerUtxoOverhead;
            utxo_size_inc -= prev_size;
            utxo_size_inc_actual -= prev_size;
        }
        const int64_t fee = tx_in - tx_out;
        fees.push_back(fee);
        maxfee = std::max(maxfee, fee);
        minfee = std::min(minfee, fee);
        totalfee += fee;
        const int64_t feerate = weight ? (fee * 4) / weight : 0;  // sat/vB
        feerates.emplace_back(feerate, weight);
        maxfeerate = std::max(maxfeerate, feerate);
        minfeerate = std::min(minfeerate, feerate);
    }

    json::array percentiles;
    for (int64_t p : percentiles_by_weight(feerates, total_weight)) percentiles.push_back(p);
    const int64_t non_coinbase = int64_t(block.txs.size()) - 1;
    json::object r;
    r["avgfee"] = non_coinbase > 0 ? totalfee / non_coinbase : 0;
    r["avgfeerate"] = total_weight ? (totalfee * 4) / total_weight : 0;
    r["avgtxsize"] = non_coinbase > 0 ? total_size / non_coinbase : 0;
    r["blockhash"] = index->hash.to_hex();
    r["feerate_percentiles"] = std::move(percentiles);
    r["height"] = index->height;
    r["ins"] = inputs;
    r["maxfee"] = maxfee;
    r["maxfeerate"] = maxfeerate;
    r["maxtxsize"] = maxtxsize;
    r["medianfee"] = truncated_median(fees);
    r["mediantime"] = index->median_time_past();
    r["mediantxsize"] = truncated_median(sizes);
    r["minfee"] = minfee == kMaxMoney ? 0 : minfee;
    r["minfeerate"] = minfeerate == kMaxMoney ? 0 : minfeerate;
    r["mintxsize"] = mintxsize == kMaxBlockSerializedSize ? 0 : mintxsize;
    r["outs"] = outputs;
    r["subsidy"] = block_subsidy(index->height, chain.params().consensus);
    r["swtotal_size"] = swtotal_size;
    r["swtotal_weight"] = swtotal_weight;
    r["swtxs"] = swtxs;
    r["time"] = int64_t(index->header.time);
    r["total_out"] = total_out;
    r["total_size"] = total_size;
    r["total_weight"] = total_weight;
    r["totalfee"] = totalfee;
    r["txs"] = int64_t(block.txs.size());
    r["utxo_increase"] = outputs - inputs;
    r["utxo_size_inc"] = utxo_size_inc;
    r["utxo_increase_actual"] = utxos - inputs;
    r["utxo_size_inc_actual"] = utxo_size_inc_actual;
    return r;
}

const char* const kBlockStatsResult =
    "{                              (json object)\n"
    "  \"avgfee\" : n,                (numeric, optional) Average fee in the block\n"
    "  \"avgfeerate\" : n,            (numeric, optional) Average feerate (in satoshis per virtual byte)\n"
    "  \"avgtxsize\" : n,             (numeric, optional) Average transaction size\n"
    "  \"blockhash\" : \"hex\",         (string, optional) The block hash (to check for potential reorgs)\n"
    "  \"feerate_percentiles\" : [    (json array, optional) Feerates at the 10th, 25th, 50th, 75th, and 90th "
    "percentile weight unit (in satoshis per virtual byte)\n"
    "    n,                         (numeric) The 10th percentile feerate\n"
    "    n,                         (numeric) The 25th percentile feerate\n"
    "    n,                         (numeric) The 50th percentile feerate\n"
    "    n,                         (numeric) The 75th percentile feerate\n"
    "    n                          (numeric) The 90th percentile feerate\n"
    "  ],\n"
    "  \"height\" : n,                (numeric, optional) The height of the block\n"
    "  \"ins\" : n,                   (numeric, optional) The number of inputs (excluding coinbase)\n"
    "  \"maxfee\" : n,                (numeric, optional) Maximum fee in the block\n"
    "  \"maxfeerate\" : n,            (numeric, optional) Maximum feerate (in satoshis per virtual byte)\n"
    "  \"maxtxsize\" : n,             (numeric, optional) Maximum transaction size\n"
    "  \"medianfee\" : n,             (numeric, optional) Truncated median fee in the block\n"
    "  \"mediantime\" : n,            (numeric, optional) The block median time past\n"
    "  \"mediantxsize\" : n,          (numeric, optional) Truncated median transaction size\n"
    "  \"minfee\" : n,                (numeric, optional) Minimum fee in the block\n"
    "  \"minfeerate\" : n,            (numeric, optional) Minimum feerate (in satoshis per virtual byte)\n"
    "  \"mintxsize\" : n,             (numeric, optional) Minimum transaction size\n"
    "  \"outs\" : n,                  (numeric, optional) The number of outputs\n"
    "  \"subsidy\" : n,               (numeric, optional) The block subsidy\n"
    "  \"swtotal_size\" : n,          (numeric, optional) Total size of all segwit transactions\n"
    "  \"swtotal_weight\" : n,        (numeric, optional) Total weight of all segwit transactions\n"
    "  \"swtxs\" : n,                 (numeric, optional) The number of segwit transactions\n"
    "  \"time\" : n,                  (numeric, optional) The block time\n"
    "  \"total_out\" : n,             (numeric, optional) Total amount in all outputs (excluding coinbase and thus "
    "reward [ie subsidy + totalfee])\n"
    "  \"total_size\" : n,            (numeric, optional) Total size of all non-coinbase transactions\n"
    "  \"total_weight\" : n,          (numeric, optional) Total weight of all non-coinbase transactions\n"
    "  \"totalfee\" : n,              (numeric, optional) The fee total\n"
    "  \"txs\" : n,                   (numeric, optional) The number of transactions (including coinbase)\n"
    "  \"utxo_increase\" : n,         (numeric, optional) The increase/decrease in the number of unspent outputs "
    "(not discounting op_return and similar)\n"
    "  \"utxo_size_inc\" : n,         (numeric, optional) The increase/decrease in size for the utxo index (not "
    "discounting op_return and similar)\n"
    "  \"utxo_increase_actual\" : n,  (numeric, optional) The increase/decrease in the number of unspent outputs, "
    "not counting unspendables\n"
    "  \"utxo_size_inc_actual\" : n   (numeric, optional) The increase/decrease in size for the utxo index, not "
    "counting unspendables\n"
    "}";

}  // namespace

void register_block_stats_commands(RpcTable& t) {
    t.add({"blockchain",
           "getblockstats",
           "Compute per block statistics for a given window. All amounts are in satoshis.\n"
           "It won't work for some heights with pruning.",
           {{"hash_or_height", ArgType::ANY, true, "", "The block hash or height of the target block"},
            {"stats", ArgType::ARR, false, "all values", "Values to plot (see result below)"}},
           kBlockStatsResult,
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const BlockIndex* index = block_by_hash_or_height(chain, req.at(0));
               std::set<std::string> selected;
               if (req.has(1))
                   for (const json::value& s : json_array(req.at(1))) selected.insert(json_str(s));
               json::object all = block_stats(node, chain, index);
               if (selected.empty()) return all;
               json::object r;
               for (const std::string& name : selected) {
                   auto it = all.find(name);
                   if (it == all.end())
                       throw RpcError(RPC_INVALID_PARAMETER, "Invalid selected statistic '" + name + "'");
                   r[name] = it->value();
               }
               return r;
           }});
    t.add({"blockchain",
           "getchaintxstats",
           "Compute statistics about the total number and rate of transactions in the chain.",
           {{"nblocks", ArgType::NUM, false, "one month", "Size of the window in number of blocks"},
            {"blockhash", ArgType::STR_HEX, false, "chain tip", "The hash of the block that ends the window."}},
           "{                                       (json object)\n"
           "  \"time\" : xxx,                         (numeric) The timestamp for the final block in the window, "
           "expressed in UNIX epoch time\n"
           "  \"txcount\" : n,                        (numeric, optional) The total number of transactions in the "
           "chain up to that point, if known. It may be unknown when using assumeutxo.\n"
           "  \"window_final_block_hash\" : \"hex\",    (string) The hash of the final block in the window\n"
           "  \"window_final_block_height\" : n,      (numeric) The height of the final block in the window.\n"
           "  \"window_block_count\" : n,             (numeric) Size of the window in number of blocks\n"
           "  \"window_interval\" : n,                (numeric, optional) The elapsed time in the window in seconds. "
           "Only returned if \"window_block_count\" is > 0\n"
           "  \"window_tx_count\" : n,                (numeric, optional) The number of transactions in the window. "
           "Only returned if \"window_block_count\" is > 0 and if txcount exists for the start and end of the window.\n"
           "  \"txrate\" : n                          (numeric, optional) The average rate of transactions per second "
           "in the window. Only returned if \"window_interval\" is > 0 and if window_tx_count exists.\n"
           "}",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const BlockIndex* index;
               if (!req.has(1)) {
                   index = chain.tip();
               } else {
                   index = lookup_block(chain, parse_hash(req.at(1), "blockhash"));
                   if (!chain.in_active_chain(index))
                       throw RpcError(RPC_INVALID_PARAMETER, "Block is not in main chain");
               }
               if (!index) throw RpcError(RPC_MISC_ERROR, "No blocks");
               int64_t count = 30 * 24 * 60 * 60 / chain.params().consensus.pow_target_spacing;  // a month
               if (!req.has(0)) {
                   count = std::max<int64_t>(0, std::min<int64_t>(count, index->height - 1));
               } else {
                   count = json_int(req.at(0), INT32_MIN, INT32_MAX);
                   if (count < 0 || (count > 0 && count >= index->height))
                       throw RpcError(RPC_INVALID_PARAMETER,
                                      "Invalid block count: should be between 0 and the block's height - 1");
               }
               const BlockIndex* past = index->ancestor(index->height - int(count));
               const int64_t interval = index->median_time_past() - past->median_time_past();
               uint64_t index_txs = 0, past_txs = 0;  // set as block data arrives: read under the lock
               chain.with_view([&](Chainstate::View&) {
                   index_txs = index->chain_tx_count;
                   past_txs = past->chain_tx_count;
               });
               json::object r;
               r["time"] = int64_t(index->header.time);
               if (index_txs) r["txcount"] = index_txs;
               r["window_final_block_hash"] = index->hash.to_hex();
               r["window_final_block_height"] = index->height;
               r["window_block_count"] = count;
               if (count > 0) {
                   r["window_interval"] = interval;
                   if (index_txs != 0 && past_txs != 0) {
                       const uint64_t window_tx = index_txs - past_txs;
                       r["window_tx_count"] = window_tx;
                       if (interval > 0) r["txrate"] = double(window_tx) / double(interval);
                   }
               }
               return r;
           }});
}

}  // namespace minicash::rpc
