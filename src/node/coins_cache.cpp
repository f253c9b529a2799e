#include "node/coins_cache.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace minicash {
namespace {

uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

OutPointHasher random_hasher() {
    uint64_t k[2];
    if (RAND_bytes(reinterpret_cast<unsigned char*>(k), sizeof k) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    return OutPointHasher{k[0], k[1]};
}

// Rough per-entry overhead of an unordered_map node plus the coin's script buffer.
constexpr size_t kNodeOverhead = 96;

}  // namespace

size_t OutPointHasher::operator()(const OutPoint& o) const {
    // Every word of the txid goes through a keyed mix, so grinding txids with colliding
    // low bits does not collide here.
    const uint8_t* p = o.txid.data();
    uint64_t h = k0 ^ o.index;
    for (int i = 0; i < 4; ++i) h = mix64(h + read_le64(p + 8 * i) + k1);
    return size_t(h);
}

CoinsCache::CoinsCache(CoinsDB& db) : db_(db), entries_(0, random_hasher()), best_block_(db.best_block()) {}

size_t CoinsCache::entry_bytes(const Entry& e) {
    return kNodeOverhead + (e.coin ? e.coin->out.script_pubkey.bytes().capacity() : 0);
}

std::unordered_map<OutPoint, CoinsCache::Entry, OutPointHasher>::iterator CoinsCache::fetch(const OutPoint& outpoint) {
    auto it = entries_.find(outpoint);
    if (it != entries_.end()) return it;
    std::optional<Coin> coin = db_.get(outpoint);
    if (!coin) return entries_.end();
    Entry e;
    e.coin = std::move(coin);
    memory_ += entry_bytes(e);
    return entries_.emplace(outpoint, std::move(e)).first;
}

const Coin* CoinsCache::access(const OutPoint& outpoint) {
    auto it = fetch(outpoint);
    if (it == entries_.end() || !it->second.coin) return nullptr;
    return &*it->second.coin;
}

void CoinsCache::add(const OutPoint& outpoint, Coin coin, bool overwrite) {
    auto [it, inserted] = entries_.try_emplace(outpoint);
    Entry& e = it->second;
    if (!inserted && e.coin && !overwrite) throw std::logic_error("CoinsCache::add over an unspent coin");
    // Fresh means "the database has no unspent coin here". Without `overwrite` the caller
    // guarantees no unspent coin exists, so the entry is fresh unless an earlier spend of
    // the same outpoint is still waiting to reach the database (a dirty spent entry).
    // With `overwrite` nothing is known, except that a fresh entry stays fresh.
    const bool fresh = overwrite ? (!inserted && e.fresh) : (inserted || !e.dirty);
    if (!inserted) memory_ -= entry_bytes(e);
    e.coin = std::move(coin);
    e.dirty = true;
    e.fresh = fresh;
    memory_ += entry_bytes(e);
}

bool CoinsCache::spend(const OutPoint& outpoint, Coin* spent) {
    auto it = fetch(outpoint);
    if (it == entries_.end() || !it->second.coin) return false;
    Entry& e = it->second;
    memory_ -= entry_bytes(e);
    if (spent) *spent = std::move(*e.coin);
    if (e.fresh) {
        entries_.erase(it);  // the database never saw it
        return true;
    }
    e.coin.reset();
    e.dirty = true;
    memory_ += entry_bytes(e);
    return true;
}

void CoinsCache::flush() {
    CoinsDB::Changes changes;
    for (const auto& [outpoint, e] : entries_) {
        if (!e.dirty) continue;
        if (e.coin) {
            changes.put(outpoint, *e.coin);
        } else if (!e.fresh) {
            changes.erase(outpoint);
        }
    }
    db_.commit(changes, best_block_);
    entries_.clear();
    memory_ = 0;
}

}  // namespace minicash
