#include "wallet/sync.h"

#include <chrono>
#include <map>
#include <set>

#include "common/block_filter.h"

namespace minicash::wallet {

std::string core_chain_name(Network network) { return network_name(network); }

namespace {

int64_t clock_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Walks back from the last scanned block until the node's chain agrees with it.
int find_fork(WalletState& state, ChainSource& source, int tip_height) {
    int depth = 0;
    while (!state.block_hashes.empty()) {
        const auto [height, hash] = *state.block_hashes.rbegin();
        if (height <= tip_height && source.block_hash(height) == hash) break;
        state.disconnect_above(height - 1);
        ++depth;
    }
    // Lost track (deep reorg): start over from the birthday.
    if (state.block_hashes.empty() && state.synced_height >= state.birthday) {
        depth += state.synced_height - state.birthday + 1;
        state.disconnect_above(state.birthday - 1);
    }
    return depth;
}

// Applies a block; scans it again as long as it moves the gap window.
void scan_block(WalletState& state, const Block& block, int height, const uint256& hash, int64_t now) {
    while (true) {
        for (const Transaction& tx : block.txs)
            state.add_transaction(tx, TxState::CONFIRMED, height, hash, block.header.time, now);
        if (!state.top_up()) break;
    }
}

void sync_mempool(WalletState& state, ChainSource& source, int64_t now) {
    const std::vector<uint256> ids = source.mempool();
    std::set<uint256> pool(ids.begin(), ids.end());
    std::map<uint256, Transaction> fetched;
    for (const uint256& id : ids) {
        if (state.txs.count(id)) continue;
        if (auto tx = source.mempool_tx(id)) fetched.emplace(id, std::move(*tx));
    }
    // A child may be listed before its parent: repeat until nothing new concerns us.
    bool added = true;
    while (added) {
        added = false;
        for (auto it = fetched.begin(); it != fetched.end();) {
            if (state.add_transaction(it->second, TxState::MEMPOOL, -1, {}, 0, now)) {
                state.top_up();
                it = fetched.erase(it);
                added = true;
            } else {
                ++it;
            }
        }
    }
    // Our own transactions the node has lost (restart, reorg): offer them again.
    for (auto& [txid, w] : state.txs) {
        if (w.state == TxState::CONFIRMED || !w.from_me || pool.count(txid)) continue;
        try {
            source.broadcast(w.tx);
            pool.insert(txid);
        } catch (const ChainSourceError&) {
            // Conflicting, replaced or missing inputs: it stays inactive or conflicted.
        }
    }
    state.update_unconfirmed(pool);
}

}  // namespace

SyncResult sync_wallet(WalletState& state, ChainSource& source, const SyncOptions& options) {
    auto now = [&] { return options.now ? options.now() : clock_now(); };
    SyncResult result;
    const ChainTip tip = source.tip();
    const std::string want = core_chain_name(state.network);
    if (tip.chain != want) throw std::runtime_error("the node is on " + tip.chain + " but the wallet is for " + want);
    result.tip_height = tip.height;
    result.reorg_depth = find_fork(state, source, tip.height);

    ScanMode mode = options.mode;
    std::vector<Bytes> watched = state.watched_scripts();
    const int start = std::max(state.synced_height + 1, state.birthday);
    if (state.synced_height < start - 1) state.synced_height = start - 1;
    result.used_filters = mode == ScanMode::FILTERS;
    int since_save = 0;
    constexpr int kBatch = 200;  // blocks whose hashes (and filters) are fetched in one batch
    for (int batch_start = start; batch_start <= tip.height; batch_start += kBatch) {
        const int count = std::min(kBatch, tip.height - batch_start + 1);
        const std::vector<uint256> hashes = source.block_hashes(batch_start, count);
        if (int(hashes.size()) != count) throw std::runtime_error("the node sent a wrong number of block hashes");
        std::vector<std::optional<Bytes>> filters;
        if (mode == ScanMode::FILTERS) {
            filters = source.block_filters(hashes);
            if (filters.size() != hashes.size()) throw std::runtime_error("the node sent a wrong number of filters");
        }
        for (int i = 0; i < count; ++i) {
            const int h = batch_start + i;
            const uint256& hash = hashes[size_t(i)];
            bool fetch = mode == ScanMode::FULL;
            if (!fetch) {
                if (!filters[size_t(i)]) {
                    mode = ScanMode::FULL;
                    result.used_filters = false;
                    result.fell_back = true;
                    fetch = true;
                } else {
                    auto filter = BasicBlockFilter::decode(hash, *filters[size_t(i)]);
                    if (!filter)
                        throw std::runtime_error("the node sent a malformed block filter for block " + hash.to_hex());
                    fetch = filter->match_any(watched);
                }
            }
            if (fetch) {
                const Block block = source.block(hash);
                if (block.hash() != hash) throw std::runtime_error("the node sent another block than " + hash.to_hex());
                const size_t before = state.script_count();
                scan_block(state, block, h, hash, now());
                if (state.script_count() != before) watched = state.watched_scripts();
                ++result.blocks_fetched;
            }
            state.set_synced(h, hash);
            ++result.blocks_scanned;
            if (options.save && ++since_save >= options.save_every) {
                options.save(state);
                since_save = 0;
            }
            if (options.progress)
                options.progress(SyncProgress{h, start, tip.height, result.blocks_scanned, result.blocks_fetched});
        }
    }
    if (options.mempool) sync_mempool(state, source, now());
    return result;
}

}  // namespace minicash::wallet
