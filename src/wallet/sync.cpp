#include "wallet/sync.h"

#include <algorithm>
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

void record_found(WalletState& state, const std::vector<sp::FoundOutput>& found, SyncResult& result) {
    for (const sp::FoundOutput& f : found)
        if (auto record = state.silent_payments->to_record(f)) {
            state.add_silent_payment_output(SilentPaymentAccount::output_script(f.output_key), *record);
            ++result.silent_payment_found;
        }
}

// Index mode: the candidate first-output scripts of every tweak of a block.
std::map<Script, sp::PubKey> candidates_of(const SilentPaymentAccount& account, const std::vector<sp::PubKey>& tweaks) {
    std::map<Script, sp::PubKey> out;
    for (const sp::PubKey& t : tweaks)
        for (Script& c : account.candidate_scripts(t)) out.emplace(std::move(c), t);
    return out;
}

// Index mode: the transactions of `block` holding a candidate, scanned with its tweak.
void scan_candidates(WalletState& state, const Block& block, const std::map<Script, sp::PubKey>& candidates,
                     SyncResult& result) {
    for (const Transaction& tx : block.txs) {
        std::set<sp::PubKey> tweaks;
        for (const TxOut& o : tx.vout)
            if (auto it = candidates.find(o.script_pubkey); it != candidates.end()) tweaks.insert(it->second);
        for (const sp::PubKey& t : tweaks) record_found(state, state.silent_payments->find(tx, t), result);
    }
}

// Blocks mode: every eligible transaction of the block.
void scan_with_prevouts(WalletState& state, const BlockWithPrevouts& b, SyncResult& result) {
    for (size_t i = 1; i < b.block.txs.size() && i - 1 < b.spent.size(); ++i) {
        auto t = sp::tweak_data(b.block.txs[i], b.spent[i - 1]);
        if (!t) continue;
        ++result.silent_payment_tweaks;
        record_found(state, state.silent_payments->find(b.block.txs[i], *t), result);
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
    const bool sp_on = state.silent_payments && state.silent_payments->active;
    SilentPaymentSource sp_source = options.silent_payments;
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
        const bool sp_batch = sp_on && batch_start + count - 1 >= state.silent_payments->scan_from;
        std::vector<std::optional<std::vector<sp::PubKey>>> sp_tweaks;
        if (sp_batch && sp_source != SilentPaymentSource::BLOCKS) {
            sp_tweaks = source.silent_payment_tweaks(hashes);
            if (sp_tweaks.size() != hashes.size()) throw std::runtime_error("the node sent a wrong number of tweaks");
            if (std::any_of(sp_tweaks.begin(), sp_tweaks.end(), [](const auto& t) { return !t; })) {
                if (sp_source == SilentPaymentSource::INDEX)
                    throw std::runtime_error("the node has no silent payment index (-silentpaymentindex)");
                sp_source = SilentPaymentSource::BLOCKS;
            } else {
                sp_source = SilentPaymentSource::INDEX;
            }
        }
        if (sp_batch) result.silent_payment_source = sp_source == SilentPaymentSource::INDEX ? "index" : "blocks";
        for (int i = 0; i < count; ++i) {
            const int h = batch_start + i;
            const uint256& hash = hashes[size_t(i)];
            const bool sp_block = sp_batch && h >= state.silent_payments->scan_from;
            std::map<Script, sp::PubKey> candidates;
            if (sp_block && sp_source == SilentPaymentSource::INDEX) {
                candidates = candidates_of(*state.silent_payments, *sp_tweaks[size_t(i)]);
                result.silent_payment_tweaks += int(sp_tweaks[size_t(i)]->size());
            }
            bool fetch = mode == ScanMode::FULL || (sp_block && sp_source == SilentPaymentSource::BLOCKS);
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
                    if (!fetch && !candidates.empty()) {
                        std::vector<Bytes> query;
                        for (const auto& [script, tweak] : candidates) query.push_back(script.bytes());
                        fetch = filter->match_any(query);
                    }
                }
            }
            if (fetch) {
                Block block;
                if (sp_block && sp_source == SilentPaymentSource::BLOCKS) {
                    BlockWithPrevouts b = source.block_with_prevouts(hash);
                    scan_with_prevouts(state, b, result);
                    block = std::move(b.block);
                } else {
                    block = source.block(hash);
                    if (!candidates.empty()) scan_candidates(state, block, candidates, result);
                }
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
