#include "test/node/chain_test_util.h"

#include <array>
#include <chrono>
#include <fstream>
#include <ostream>
#include <set>
#include <stdexcept>
#include <thread>

#include "consensus/blk_records.h"
#include "test/util/vectors.h"
#include "util/hash.h"

namespace minicash::test {

std::vector<Bytes> read_block_records(const std::filesystem::path& file) {
    const Bytes data = read_binary(file);
    const BlkSplit split = split_blk_records(data);
    if (const std::string why = blk_split_error(split, file.string()); !why.empty()) throw std::runtime_error(why);
    std::vector<Bytes> out;
    for (const BlkRecord& r : split.records) out.emplace_back(r.payload.begin(), r.payload.end());
    return out;
}

std::vector<Block> read_blocks(const std::filesystem::path& file) {
    std::vector<Block> blocks;
    for (const Bytes& rec : read_block_records(file)) {
        std::string error;
        auto b = Block::decode(rec, &error);
        if (!b) throw std::runtime_error(file.string() + ": block does not decode: " + error);
        blocks.push_back(std::move(*b));
    }
    return blocks;
}

Bytes make_record(const std::array<uint8_t, 4>& magic, ByteView payload) {
    Bytes out;
    append_blk_record(out, magic, payload);
    return out;
}

void write_file(const std::filesystem::path& path, ByteView data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::unique_ptr<Chainstate> open_chainstate(const ChainParams& params, const std::filesystem::path& dir,
                                            size_t dbcache_bytes, int script_threads) {
    ChainstateOptions options;
    options.datadir = dir;
    options.dbcache_bytes = dbcache_bytes;
    options.script_threads = script_threads;
    std::string error;
    auto cs = Chainstate::open(params, options, &error);
    if (!cs) throw std::runtime_error("Chainstate::open(" + dir.string() + ") failed: " + error);
    return cs;
}

std::ostream& operator<<(std::ostream& os, const Stats& s) {
    return os << "{height " << s.height << ", bestblock " << s.bestblock << ", txouts " << s.txouts << ", transactions "
              << s.transactions << ", total_amount " << s.total_amount << ", hash_serialized_3 " << s.hash_serialized_3
              << "}";
}

Stats to_stats(const UtxoStats& s) {
    return Stats{s.height,       s.best_block.to_hex(),      s.txouts,
                 s.transactions, format_btc(s.total_amount), s.hash_serialized_3.to_hex()};
}

Stats stats_from_json(const boost::json::value& v) {
    const boost::json::object& o = v.as_object();
    Stats s;
    s.height = int(o.at("height").to_number<int64_t>());
    s.bestblock = std::string(o.at("bestblock").as_string());
    s.txouts = o.at("txouts").to_number<uint64_t>();
    s.transactions = o.at("transactions").to_number<uint64_t>();
    s.total_amount = std::string(o.at("total_amount").as_string());
    s.hash_serialized_3 = std::string(o.at("hash_serialized_3").as_string());
    return s;
}

void UtxoModel::apply(const Block& block, int height) {
    for (const Transaction& tx : block.txs) {
        const bool coinbase = tx.is_coinbase();
        if (!coinbase) {
            for (const TxIn& in : tx.vin) {
                if (coins_.erase(in.prevout) != 1)
                    throw std::runtime_error("UtxoModel: input " + in.prevout.txid.to_hex() + ":" +
                                             std::to_string(in.prevout.index) + " is not unspent");
            }
        }
        const uint256 txid = tx.txid();
        for (uint32_t i = 0; i < tx.vout.size(); ++i) {
            if (tx.vout[i].script_pubkey.is_unspendable()) continue;  // OP_RETURN or > 10,000 bytes
            coins_[OutPoint{txid, i}] = Coin{tx.vout[i], height, coinbase};
        }
    }
}

Stats UtxoModel::stats(int height, const uint256& best_block) const {
    HashWriter w;
    Amount total = 0;
    uint64_t transactions = 0;
    const uint256* last_txid = nullptr;
    for (const auto& [outpoint, coin] : coins_) {
        if (last_txid == nullptr || *last_txid != outpoint.txid) ++transactions;
        last_txid = &outpoint.txid;
        w.write_hash(outpoint.txid);
        w.write_u32(outpoint.index);
        w.write_u32(uint32_t(coin.height) * 2 + (coin.coinbase ? 1 : 0));
        w.write_u64(uint64_t(coin.out.value));
        w.write_var_bytes(coin.out.script_pubkey.view());
        total += coin.out.value;
    }
    return Stats{height, best_block.to_hex(), coins_.size(), transactions, format_btc(total), w.sha256d().to_hex()};
}

std::map<std::string, Stats> reference_stats(const std::filesystem::path& vectors) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    const auto chain_a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const auto fork_b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    std::map<std::string, Stats> out;
    UtxoModel a;
    out[params.genesis.hash().to_hex()] = a.stats(0, params.genesis.hash());
    UtxoModel b;
    for (size_t i = 0; i < chain_a.size(); ++i) {
        const int height = int(i) + 1;
        a.apply(chain_a[i], height);
        out[chain_a[i].hash().to_hex()] = a.stats(height, chain_a[i].hash());
        if (height <= 430) b.apply(chain_a[i], height);
    }
    for (size_t i = 0; i < fork_b.size(); ++i) {
        const int height = 431 + int(i);
        b.apply(fork_b[i], height);
        out[fork_b[i].hash().to_hex()] = b.stats(height, fork_b[i].hash());
    }
    return out;
}

bool wait_synced(const BaseIndex& index, const Chainstate& cs) {
    for (int i = 0; i < 600; ++i) {
        if (index.summary().synced && index.best_block() == cs.tip()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace minicash::test
