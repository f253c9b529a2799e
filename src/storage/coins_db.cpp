#include "storage/coins_db.h"

#include <array>

#include "storage/coin_codec.h"

namespace minicash {

namespace {

constexpr uint8_t kCoinPrefix = 'C';
constexpr uint8_t kBestBlockKey = 'B';
constexpr size_t kCoinKeySize = 1 + 32 + 4;

using CoinKey = std::array<uint8_t, kCoinKeySize>;

CoinKey coin_key(const OutPoint& outpoint) {
    CoinKey key;
    key[0] = kCoinPrefix;
    std::copy(outpoint.txid.begin(), outpoint.txid.end(), key.begin() + 1);
    write_be32(key.data() + 33, outpoint.index);  // big-endian: byte order = numeric order
    return key;
}

Bytes encode_coin(const Coin& coin) {
    Bytes out;
    Writer w(out);
    write_coin(w, coin);
    return out;
}

Coin decode_coin(ByteView value, const OutPoint& outpoint) {
    Reader r(value);
    Coin coin = read_coin(r);
    if (r.ok() && !r.empty()) r.fail("trailing data");
    if (!r.ok())
        throw StorageError("corrupt coin record " + outpoint.txid.to_hex() + ":" + std::to_string(outpoint.index) +
                           ": " + r.error());
    return coin;
}

}  // namespace

std::unique_ptr<CoinsDB> CoinsDB::open(const std::filesystem::path& dir, size_t cache_bytes, bool wipe,
                                       std::string* error) {
    std::unique_ptr<Database> db = Database::open(dir, Database::Options{cache_bytes, wipe}, error);
    if (!db) return nullptr;
    return std::unique_ptr<CoinsDB>(new CoinsDB(std::move(db)));
}

std::optional<Coin> CoinsDB::get(const OutPoint& outpoint) const {
    const std::optional<Bytes> value = db_->read(coin_key(outpoint));
    if (!value) return std::nullopt;
    return decode_coin(*value, outpoint);
}

bool CoinsDB::have(const OutPoint& outpoint) const { return db_->exists(coin_key(outpoint)); }

uint256 CoinsDB::best_block() const {
    const uint8_t key[1] = {kBestBlockKey};
    const std::optional<Bytes> value = db_->read(key);
    if (!value) return uint256{};
    if (value->size() != uint256::kSize) throw StorageError("corrupt best block record in the coins database");
    return uint256(*value);
}

void CoinsDB::Changes::put(const OutPoint& outpoint, const Coin& coin) {
    batch_.put(coin_key(outpoint), encode_coin(coin));
    ++count_;
}

void CoinsDB::Changes::erase(const OutPoint& outpoint) {
    batch_.erase(coin_key(outpoint));
    ++count_;
}

void CoinsDB::commit(Changes& changes, const uint256& best_block) {
    // The best block goes into the same batch: the set and its tip never disagree on disk.
    const uint8_t key[1] = {kBestBlockKey};
    changes.batch_.put(key, best_block.view());
    db_->write(changes.batch_, /*sync=*/true);
    changes.batch_.clear();
    changes.count_ = 0;
}

void CoinsDB::for_each(const std::function<bool(const OutPoint&, const Coin&)>& visit) const {
    std::unique_ptr<Database::Cursor> cursor = db_->cursor();
    const uint8_t start[1] = {kCoinPrefix};
    for (cursor->seek(start); cursor->valid(); cursor->next()) {
        const ByteView key = cursor->key();
        if (key.empty() || key[0] != kCoinPrefix) break;
        if (key.size() != kCoinKeySize) throw StorageError("corrupt coin key in the coins database");
        OutPoint outpoint;
        outpoint.txid = uint256(key.subspan(1, 32));
        outpoint.index = read_be32(key.data() + 33);
        if (!visit(outpoint, decode_coin(cursor->value(), outpoint))) break;
    }
}

uint64_t CoinsDB::estimate_disk_size() const {
    const uint8_t begin[1] = {kCoinPrefix};
    const uint8_t end[1] = {kCoinPrefix + 1};
    return db_->estimate_size(begin, end);
}

}  // namespace minicash
