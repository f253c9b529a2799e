#include "node/index/address_index.h"

#include <algorithm>
#include <map>
#include <set>

#include "consensus/serialize.h"
#include "node/block_index.h"
#include "node/chainstate.h"
#include "storage/block_store.h"
#include "util/hash.h"

namespace minicash {

namespace {

// Keys (heights and positions big-endian, so LevelDB's order is the chain's order):
//   'h' || script hash || height (4) || position in block (4)  -> txid
//   'u' || script hash || height (4) || txid || vout (4)       -> value (8, LE)
//   's' || script hash                                         -> the five AddressStats totals
// The locator ('B') belongs to BaseIndex.
constexpr uint8_t kHistory = 'h', kUtxo = 'u', kStats = 's';

void put_be32(Bytes& k, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) k.push_back(uint8_t(v >> shift));
}
uint32_t get_be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

Bytes prefix_key(uint8_t tag, const uint256& sh) {
    Bytes k{tag};
    append(k, sh.view());
    return k;
}
Bytes history_key(const uint256& sh, int height, uint32_t pos) {
    Bytes k = prefix_key(kHistory, sh);
    put_be32(k, uint32_t(height));
    put_be32(k, pos);
    return k;
}
Bytes utxo_key(const uint256& sh, int height, const OutPoint& o) {
    Bytes k = prefix_key(kUtxo, sh);
    put_be32(k, uint32_t(height));
    append(k, o.txid.view());
    put_be32(k, o.index);
    return k;
}
Bytes amount_value(Amount v) {
    Bytes out;
    Writer(out).i64(v);
    return out;
}

// Stats with signed arithmetic for a block's changes.
struct StatsDelta {
    int64_t funded_count = 0, spent_count = 0, tx_count = 0;
    Amount funded_sum = 0, spent_sum = 0;
};

AddressStats decode_stats(const std::optional<Bytes>& raw) {
    AddressStats s;
    if (!raw) return s;
    Reader r(*raw);
    s.funded_txo_count = r.u64();
    s.spent_txo_count = r.u64();
    s.tx_count = r.u64();
    s.funded_txo_sum = r.i64();
    s.spent_txo_sum = r.i64();
    if (!r.ok()) throw StorageError("addressindex: malformed totals entry");
    return s;
}

Bytes encode_stats(const AddressStats& s) {
    Bytes out;
    Writer w(out);
    w.u64(s.funded_txo_count);
    w.u64(s.spent_txo_count);
    w.u64(s.tx_count);
    w.i64(s.funded_txo_sum);
    w.i64(s.spent_txo_sum);
    return out;
}

bool has_prefix(ByteView key, ByteView prefix) {
    return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

}  // namespace

uint256 electrum_script_hash(const Script& script) { return sha256(script.view()); }

std::unique_ptr<AddressIndex> AddressIndex::open(Chainstate& chain, const std::filesystem::path& netdir,
                                                 std::string* error) {
    Database::Options options;
    options.cache_bytes = 16 << 20;
    std::unique_ptr<Database> db = Database::open(netdir / "indexes" / "addressindex", options, error);
    if (!db) return nullptr;
    return std::unique_ptr<AddressIndex>(new AddressIndex(kName, chain, std::move(db), chain.blocks_dir()));
}

AddressIndex::~AddressIndex() { stop(); }

void AddressIndex::append_block(const IndexedBlock& b, Database::Batch& batch) { apply_block(b, batch, true); }
void AddressIndex::remove_block(const IndexedBlock& b, Database::Batch& batch) { apply_block(b, batch, false); }

// Connecting and disconnecting are one walk: outputs become unspent entries, spent coins
// (from the undo data) lose theirs, each touched script gets one history entry per
// transaction. Disconnecting walks the block backwards and does the opposite, so an
// output created and spent in the same block is put back and taken away again in order.
void AddressIndex::apply_block(const IndexedBlock& b, Database::Batch& batch, bool connect) {
    const int height = b.index->height;
    if (height == 0) return;
    if (!b.undo) throw StorageError("addressindex: no undo data for block " + b.index->hash.to_hex());
    std::map<uint256, StatsDelta> deltas;
    const int sign = connect ? 1 : -1;
    const size_t n = b.block.txs.size();
    for (size_t k = 0; k < n; ++k) {
        const size_t i = connect ? k : n - 1 - k;
        const Transaction& tx = b.block.txs[i];
        const uint256 txid = tx.txid();
        std::set<uint256> touched;
        if (i > 0) {
            const TxUndo& undo = b.undo->txs[i - 1];
            for (size_t j = 0; j < tx.vin.size() && j < undo.spent.size(); ++j) {
                const Coin& coin = undo.spent[j];
                const uint256 sh = electrum_script_hash(coin.out.script_pubkey);
                const Bytes key = utxo_key(sh, coin.height, tx.vin[j].prevout);
                if (connect) batch.erase(key);
                else batch.put(key, amount_value(coin.out.value));
                StatsDelta& d = deltas[sh];
                d.spent_count += sign;
                d.spent_sum += sign * coin.out.value;
                touched.insert(sh);
            }
        }
        for (uint32_t v = 0; v < tx.vout.size(); ++v) {
            const TxOut& out = tx.vout[v];
            if (out.script_pubkey.is_unspendable()) continue;
            const uint256 sh = electrum_script_hash(out.script_pubkey);
            const Bytes key = utxo_key(sh, height, OutPoint{txid, v});
            if (connect) batch.put(key, amount_value(out.value));
            else batch.erase(key);
            StatsDelta& d = deltas[sh];
            d.funded_count += sign;
            d.funded_sum += sign * out.value;
            touched.insert(sh);
        }
        for (const uint256& sh : touched) {
            const Bytes key = history_key(sh, height, uint32_t(i));
            if (connect) batch.put(key, txid.view());
            else batch.erase(key);
            deltas[sh].tx_count += sign;
        }
    }
    for (const auto& [sh, d] : deltas) {
        const Bytes key = prefix_key(kStats, sh);
        AddressStats s = decode_stats(db().read(key));
        s.funded_txo_count = uint64_t(int64_t(s.funded_txo_count) + d.funded_count);
        s.spent_txo_count = uint64_t(int64_t(s.spent_txo_count) + d.spent_count);
        s.tx_count = uint64_t(int64_t(s.tx_count) + d.tx_count);
        s.funded_txo_sum += d.funded_sum;
        s.spent_txo_sum += d.spent_sum;
        if (s.tx_count == 0) batch.erase(key);
        else batch.put(key, encode_stats(s));
        touched_.push_back(sh);
    }
}

bool AddressIndex::rewound_to(const BlockIndex* block) {
    if (block) return true;
    // Starting over: nothing of an earlier chain may stay.
    std::unique_ptr<Database::Cursor> c = db().cursor();
    Database::Batch batch;
    for (c->seek(ByteView()); c->valid(); c->next()) {
        const ByteView key = c->key();
        if (key.empty() || (key[0] != kHistory && key[0] != kUtxo && key[0] != kStats)) continue;
        batch.erase(key);
        if (batch.approximate_size() > (4u << 20)) {
            db().write(batch, false);
            batch.clear();
        }
    }
    db().write(batch, false);
    return true;
}

void AddressIndex::block_written(const BlockIndex* best) {
    std::vector<uint256> touched;
    touched.swap(touched_);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::lock_guard lock(listeners_mutex_);
    for (const ChangeListener& l : listeners_) l(touched, best);
}

void AddressIndex::on_change(ChangeListener listener) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.push_back(std::move(listener));
}

std::vector<AddressHistoryEntry> AddressIndex::history(const uint256& sh, size_t limit, bool* truncated) const {
    std::vector<AddressHistoryEntry> out;
    if (truncated) *truncated = false;
    const Bytes prefix = prefix_key(kHistory, sh);
    std::unique_ptr<Database::Cursor> c = db().cursor();
    for (c->seek(prefix); c->valid() && has_prefix(c->key(), prefix); c->next()) {
        const ByteView key = c->key(), value = c->value();
        if (key.size() != prefix.size() + 8 || value.size() != 32) throw StorageError("addressindex: malformed entry");
        if (out.size() == limit) {
            if (truncated) *truncated = true;
            break;
        }
        AddressHistoryEntry e;
        e.height = int(get_be32(key.data() + prefix.size()));
        e.position = get_be32(key.data() + prefix.size() + 4);
        std::copy(value.begin(), value.end(), e.txid.data());
        out.push_back(e);
    }
    return out;
}

std::vector<AddressUtxo> AddressIndex::utxos(const uint256& sh, size_t limit, bool* truncated) const {
    std::vector<AddressUtxo> out;
    if (truncated) *truncated = false;
    const Bytes prefix = prefix_key(kUtxo, sh);
    std::unique_ptr<Database::Cursor> c = db().cursor();
    for (c->seek(prefix); c->valid() && has_prefix(c->key(), prefix); c->next()) {
        const ByteView key = c->key(), value = c->value();
        if (key.size() != prefix.size() + 40 || value.size() != 8) throw StorageError("addressindex: malformed entry");
        if (out.size() == limit) {
            if (truncated) *truncated = true;
            break;
        }
        AddressUtxo u;
        const uint8_t* p = key.data() + prefix.size();
        u.height = int(get_be32(p));
        std::copy(p + 4, p + 36, u.outpoint.txid.data());
        u.outpoint.index = get_be32(p + 36);
        Reader r(value);
        u.value = r.i64();
        out.push_back(u);
    }
    return out;
}

bool AddressIndex::is_unspent(const uint256& sh, const OutPoint& outpoint, int height) const {
    return db().exists(utxo_key(sh, height, outpoint));
}

AddressStats AddressIndex::stats(const uint256& sh) const { return decode_stats(db().read(prefix_key(kStats, sh))); }

std::optional<BlockUndo> AddressIndex::read_undo(const BlockIndex* block) const {
    if (!block || !block->prev) return std::nullopt;
    return block_store().read_undo(block->undo, block->prev->hash);
}

uint64_t AddressIndex::disk_size() const {
    const uint8_t first[] = {0x00};
    const uint8_t last[] = {0xff, 0xff};
    return db().estimate_size(first, last);
}

}  // namespace minicash
