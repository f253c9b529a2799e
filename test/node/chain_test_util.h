// Helpers for the chain tests (node layer, and the daemon tests in test/functional):
// block files, chain states in temporary directories, and an independent model of the
// UTXO set statistics. Temporary directories and child processes come from test/util.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/money.h"
#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_verify.h"
#include "node/chainstate.h"
#include "node/index/base_index.h"
#include "test/util/program.h"
#include "test/util/temp_dir.h"

namespace minicash::test {

// The payloads of a well-formed blk*.dat file, in file order. Throws on malformed input.
std::vector<Bytes> read_block_records(const std::filesystem::path& file);
std::vector<Block> read_blocks(const std::filesystem::path& file);
// One record: magic || uint32 LE length || payload.
Bytes make_record(const std::array<uint8_t, 4>& magic, ByteView payload);
void write_file(const std::filesystem::path& path, ByteView data);

using minicash::format_btc;  // common/money.h: "13081.20577369"

std::unique_ptr<Chainstate> open_chainstate(const ChainParams& params, const std::filesystem::path& dir,
                                            size_t dbcache_bytes = size_t(64) << 20, int script_threads = 0);
// Whether `index` reports synced at the tip of `cs` within 30 s (index threads catch up
// on their own; the bound only keeps a broken index from hanging the test).
bool wait_synced(const BaseIndex& index, const Chainstate& cs);

// UTXO set statistics as expected.json writes them (and minicash-chainstate prints them).
struct Stats {
    int height = 0;
    std::string bestblock;
    uint64_t txouts = 0;
    uint64_t transactions = 0;
    std::string total_amount;
    std::string hash_serialized_3;
    friend bool operator==(const Stats&, const Stats&) = default;
};
std::ostream& operator<<(std::ostream& os, const Stats& s);
Stats to_stats(const UtxoStats& s);
Stats stats_from_json(const boost::json::value& v);  // an expected.json check or tool output

// An in-memory UTXO set maintained from blocks alone, following the rules of the
// vectors README (hash_serialized_3 section). Independent of the node's code, so it can
// serve as the reference for any tip. REQUIRES: blocks are applied in chain order.
class UtxoModel {
public:
    void apply(const Block& block, int height);  // throws if an input is missing
    Stats stats(int height, const uint256& best_block) const;

private:
    std::map<OutPoint, Coin> coins_;  // OutPoint order is (txid bytes, index): the hash order
};

// Reference statistics for every block of chain-a (heights 0..450) and of the fork
// branch (431..455), keyed by block hash (display hex).
std::map<std::string, Stats> reference_stats(const std::filesystem::path& vectors);

}  // namespace minicash::test
