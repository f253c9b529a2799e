// storage/: VARINT, amount and script compression, coin and undo records, the LevelDB
// wrapper, the UTXO database, block and undo files, and the block index database.
#include <gtest/gtest.h>
#include <secp256k1.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <random>

#include "consensus/block.h"
#include "storage/block_index_db.h"
#include "storage/block_store.h"
#include "storage/coin_codec.h"
#include "storage/coins_db.h"
#include "storage/database.h"
#include "storage/undo.h"
#include "test/util/temp_dir.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

Bytes unhex(std::string_view s) {
    std::optional<Bytes> b = hex_decode(s);
    EXPECT_TRUE(b) << s;
    return b.value_or(Bytes{});
}

ByteView bv(const std::string& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

using test::TempDir;

Bytes varint_bytes(uint64_t n) {
    Bytes out;
    Writer w(out);
    write_varint(w, n);
    return out;
}

Bytes compressed(const Script& s) {
    Bytes out;
    Writer w(out);
    write_compressed_script(w, s);
    return out;
}

// Decodes a compressed script and requires the whole input to be consumed.
Script decompress(const Bytes& b) {
    Reader r(b);
    Script s = read_compressed_script(r);
    EXPECT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r.empty());
    return s;
}

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
    Bytes b(n);
    for (auto& x : b) x = uint8_t(rng());
    return b;
}

Script p2pkh(ByteView hash) {
    Script s;
    s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    return s;
}

Script p2pk(ByteView key) {
    Script s;
    s.push_data(key).push_op(OP_CHECKSIG);
    return s;
}

// The public key of the mainnet genesis block's coinbase output (odd y).
const char* kGenesisKey =
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c38"
    "4df7ba0b8d578a4c702b6bf11d5f";

Coin make_coin(int height, bool coinbase, Amount value, Script script) {
    Coin c;
    c.height = height;
    c.coinbase = coinbase;
    c.out.value = value;
    c.out.script_pubkey = std::move(script);
    return c;
}

void expect_coin_eq(const Coin& a, const Coin& b) {
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.coinbase, b.coinbase);
    EXPECT_EQ(a.out, b.out);
}

uint256 hash_of(uint8_t fill) {
    Bytes b(32, fill);
    return uint256(b);
}

// A block with one coinbase transaction whose scriptSig has `script_len` bytes.
Block make_block(uint32_t nonce, size_t script_len) {
    Block b;
    b.header.version = 1;
    b.header.time = 1231006505 + nonce;
    b.header.bits = 0x207fffff;
    b.header.nonce = nonce;
    Transaction tx;
    tx.version = 1;
    TxIn in;
    in.script_sig = Script(Bytes(script_len, uint8_t(nonce)));
    tx.vin.push_back(in);
    TxOut out;
    out.value = 50 * kCoin;
    out.script_pubkey = Script(Bytes{OP_TRUE});
    tx.vout.push_back(out);
    b.txs.push_back(tx);
    return b;
}

void overwrite(const std::filesystem::path& path, uint64_t offset, const Bytes& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << path;
    f.seekp(std::streamoff(offset));
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    ASSERT_TRUE(f);
}

const std::array<uint8_t, 4> kMagic = {0xf9, 0xbe, 0xb4, 0xd9};

}  // namespace

// ---------------------------------------------------------------- VARINT

TEST(StorageVarint, KnownEncodings) {
    EXPECT_EQ(hex_encode(varint_bytes(0)), "00");
    EXPECT_EQ(hex_encode(varint_bytes(1)), "01");
    EXPECT_EQ(hex_encode(varint_bytes(127)), "7f");
    EXPECT_EQ(hex_encode(varint_bytes(128)), "8000");
    EXPECT_EQ(hex_encode(varint_bytes(255)), "807f");
    EXPECT_EQ(hex_encode(varint_bytes(256)), "8100");
    EXPECT_EQ(hex_encode(varint_bytes(16383)), "fe7f");
    EXPECT_EQ(hex_encode(varint_bytes(16384)), "ff00");
    EXPECT_EQ(hex_encode(varint_bytes(16511)), "ff7f");
    EXPECT_EQ(hex_encode(varint_bytes(16512)), "808000");
    EXPECT_EQ(hex_encode(varint_bytes(0xffffffffULL)), "8efefefe7f");
    EXPECT_EQ(hex_encode(varint_bytes(0xffffffffffffffffULL)), "80fefefefefefefefe7f");
}

TEST(StorageVarint, RoundTripAndOrder) {
    std::vector<uint64_t> values = {0,
                                    1,
                                    126,
                                    127,
                                    128,
                                    129,
                                    255,
                                    256,
                                    16383,
                                    16384,
                                    16511,
                                    16512,
                                    0xffffffffULL,
                                    0x100000000ULL,
                                    0x7fffffffffffffffULL,
                                    0xffffffffffffffffULL};
    for (int shift = 0; shift < 64; ++shift) {
        values.push_back(1ULL << shift);
        values.push_back((1ULL << shift) - 1);
    }
    std::mt19937_64 rng(42);
    for (int i = 0; i < 2000; ++i) values.push_back(rng() >> (rng() % 64));
    for (uint64_t v : values) {
        const Bytes b = varint_bytes(v);
        Reader r(b);
        EXPECT_EQ(read_varint(r), v);
        EXPECT_TRUE(r.ok());
        EXPECT_TRUE(r.empty());
    }
    // Byte order of encodings equals numeric order among encodings of one length only.
    std::sort(values.begin(), values.end());
    for (size_t i = 1; i < values.size(); ++i) {
        const Bytes a = varint_bytes(values[i - 1]), b = varint_bytes(values[i]);
        if (values[i] == values[i - 1] || a.size() != b.size()) continue;
        EXPECT_LT(a, b) << values[i - 1] << " " << values[i];
    }
    EXPECT_GT(varint_bytes(16511), varint_bytes(16512));
}

TEST(StorageVarint, RejectsOverflowAndTruncation) {
    for (const char* hex :
         {"80", "ffff", "", "fffefefefefefefefe7f", "ffffffffffffffffffff7f", "80fefefefefefefefeff00"}) {
        const Bytes b = unhex(hex);
        Reader r(b);
        read_varint(r);
        EXPECT_FALSE(r.ok()) << hex;
    }
}

// ---------------------------------------------------------------- amounts

TEST(CoinCodec, AmountCompression) {
    EXPECT_EQ(compress_amount(0), 0u);
    EXPECT_EQ(compress_amount(1), 1u);
    EXPECT_EQ(compress_amount(1000000), 7u);
    EXPECT_EQ(compress_amount(100000000), 9u);
    EXPECT_EQ(compress_amount(5000000000ULL), 0x32u);
    EXPECT_EQ(compress_amount(2100000000000000ULL), 0x1406f40u);
    for (uint64_t v : {0ULL, 1ULL, 100000000ULL, 5000000000ULL, 2100000000000000ULL, 999999999ULL, 10ULL, 1000000000ULL,
                       123456789012345ULL})
        EXPECT_EQ(decompress_amount(compress_amount(v)), v) << v;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 100000; ++i) {
        const uint64_t v = rng() % uint64_t(kMaxMoney + 1);
        ASSERT_EQ(decompress_amount(compress_amount(v)), v) << v;
    }
    // Every compressed value up to a bound decodes to an amount that compresses back to it.
    for (uint64_t x = 0; x < 100000; ++x) ASSERT_EQ(compress_amount(decompress_amount(x)), x) << x;
}

// ---------------------------------------------------------------- scripts

TEST(CoinCodec, ScriptCompressionP2PKHAndP2SH) {
    const Bytes h(20, 0xab);
    const Script pkh = p2pkh(h);
    Bytes expect{0x00};
    append(expect, h);
    EXPECT_EQ(compressed(pkh), expect);
    EXPECT_EQ(decompress(expect), pkh);

    Script sh;
    sh.push_op(OP_HASH160).push_data(h).push_op(OP_EQUAL);
    ASSERT_TRUE(sh.is_p2sh());
    expect[0] = 0x01;
    EXPECT_EQ(compressed(sh), expect);
    EXPECT_EQ(decompress(expect), sh);
}

TEST(CoinCodec, ScriptCompressionP2PKCompressed) {
    for (uint8_t prefix : {0x02, 0x03}) {
        Bytes key(33, 0x5a);
        key[0] = prefix;
        const Script s = p2pk(key);
        const Bytes c = compressed(s);
        ASSERT_EQ(c.size(), 33u);
        EXPECT_EQ(c[0], prefix);
        EXPECT_EQ(decompress(c), s);
    }
}

TEST(CoinCodec, ScriptCompressionP2PKUncompressed) {
    const Bytes odd_key = unhex(kGenesisKey);
    // The same x with even y, derived through libsecp256k1.
    Bytes even_key(65);
    {
        Bytes comp(33);
        comp[0] = 0x02;
        std::copy(odd_key.begin() + 1, odd_key.begin() + 33, comp.begin() + 1);
        secp256k1_pubkey pk;
        ASSERT_EQ(secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, comp.data(), comp.size()), 1);
        size_t len = even_key.size();
        secp256k1_ec_pubkey_serialize(secp256k1_context_static, even_key.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    }
    for (const auto& [key, tag] : {std::pair{odd_key, uint8_t(0x05)}, std::pair{even_key, uint8_t(0x04)}}) {
        const Script s = p2pk(key);
        ASSERT_EQ(s.size(), 67u);
        const Bytes c = compressed(s);
        ASSERT_EQ(c.size(), 33u);
        EXPECT_EQ(c[0], tag);
        EXPECT_TRUE(std::equal(c.begin() + 1, c.end(), key.begin() + 1));
        EXPECT_EQ(decompress(c), s);
    }

    // 65 bytes that are not a point on the curve are stored raw.
    Bytes bad = odd_key;
    bad[64] ^= 0x01;
    const Script s = p2pk(bad);
    const Bytes c = compressed(s);
    ASSERT_EQ(c.size(), 1u + 67u);
    EXPECT_EQ(c[0], 67 + 6);
    EXPECT_EQ(decompress(c), s);

    // An x with no point on the curve cannot appear in a 0x04/0x05 record: corrupt input.
    Bytes corrupt(33, 0x00);
    corrupt[0] = 0x04;
    corrupt[32] = 0x05;  // x = 5: 125 + 7 = 132 is not a square mod p
    Reader r(corrupt);
    read_compressed_script(r);
    EXPECT_FALSE(r.ok());
}

TEST(CoinCodec, ScriptCompressionRawScripts) {
    std::mt19937_64 rng(99);
    for (size_t len : {0u, 1u, 20u, 22u, 34u, 100u, 121u, 122u, 520u, 10000u}) {
        const Script s(random_bytes(rng, len));
        const Bytes c = compressed(s);
        Reader r0(c);
        EXPECT_EQ(read_varint(r0), len + 6);
        EXPECT_EQ(r0.remaining(), len);
        EXPECT_EQ(decompress(c), s);
    }
    // A segwit v0 program is not special.
    Script wpkh;
    wpkh.push_op(OP_0).push_data(Bytes(20, 0x11));
    EXPECT_EQ(compressed(wpkh).size(), 1u + 22u);
    // Near-misses of the special forms stay raw.
    Script almost = p2pkh(Bytes(20, 0x11));
    almost.bytes().back() = OP_CHECKSIGVERIFY;
    EXPECT_EQ(compressed(almost).size(), 1u + 25u);
    EXPECT_EQ(decompress(compressed(almost)), almost);
}

TEST(CoinCodec, OversizedScriptBecomesUnspendable) {
    const size_t size = kMaxScriptSize + 1;
    Bytes enc = varint_bytes(size + 6);
    enc.resize(enc.size() + size, 0x51);
    enc.push_back(0x42);  // a following field must still be readable
    Reader r(enc);
    const Script s = read_compressed_script(r);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(s, Script(Bytes{OP_RETURN}));
    EXPECT_EQ(r.u8(), 0x42);
    EXPECT_TRUE(r.empty());

    // Declared larger than the remaining input: an error, not an allocation.
    const Bytes truncated = varint_bytes(uint64_t(1) << 40);
    Reader r2(truncated);
    read_compressed_script(r2);
    EXPECT_FALSE(r2.ok());
    // Truncated special form.
    const Bytes short_special = unhex("00abcdef");
    Reader r3(short_special);
    read_compressed_script(r3);
    EXPECT_FALSE(r3.ok());
}

// ---------------------------------------------------------------- coins

TEST(CoinCodec, CoreCoinVectors) {
    // From Bitcoin Core's coins tests (ccoins_serialization).
    {
        const Bytes b = unhex("97f23c835800816115944e077fe7c803cfa57f29b36bf87c1d35");
        Reader r(b);
        const Coin c = read_coin(r);
        ASSERT_TRUE(r.ok() && r.empty()) << r.error();
        EXPECT_EQ(c.height, 203998);
        EXPECT_FALSE(c.coinbase);
        EXPECT_EQ(c.out.value, Amount(60000000000));
        EXPECT_EQ(c.out.script_pubkey, p2pkh(unhex("816115944e077fe7c803cfa57f29b36bf87c1d35")));
        Bytes again;
        Writer w(again);
        write_coin(w, c);
        EXPECT_EQ(again, b);
    }
    {
        const Bytes b = unhex("8ddf77bbd123008c988f1a4a4de2161e0f50aac7f17e7f9555caa4");
        Reader r(b);
        const Coin c = read_coin(r);
        ASSERT_TRUE(r.ok() && r.empty()) << r.error();
        EXPECT_EQ(c.height, 120891);
        EXPECT_TRUE(c.coinbase);
        EXPECT_EQ(c.out.value, Amount(110397));
        EXPECT_EQ(c.out.script_pubkey, p2pkh(unhex("8c988f1a4a4de2161e0f50aac7f17e7f9555caa4")));
    }
    {
        const Bytes b = unhex("000006");
        Reader r(b);
        const Coin c = read_coin(r);
        ASSERT_TRUE(r.ok() && r.empty()) << r.error();
        EXPECT_EQ(c.height, 0);
        EXPECT_FALSE(c.coinbase);
        EXPECT_EQ(c.out.value, 0);
        EXPECT_TRUE(c.out.script_pubkey.empty());
    }
}

TEST(CoinCodec, CoinRoundTrip) {
    std::mt19937_64 rng(5);
    const std::vector<Coin> coins = {
        make_coin(0, false, 0, Script()),
        make_coin(0, true, 50 * kCoin, p2pk(unhex(kGenesisKey))),
        make_coin(1, false, 1, p2pkh(Bytes(20, 1))),
        make_coin(840000, true, 312500000, Script(random_bytes(rng, 34))),
        make_coin(0x7fffffff, false, kMaxMoney, Script(random_bytes(rng, 200))),
    };
    for (const Coin& coin : coins) {
        Bytes b;
        Writer w(b);
        write_coin(w, coin);
        Reader r(b);
        expect_coin_eq(read_coin(r), coin);
        EXPECT_TRUE(r.ok() && r.empty()) << r.error();

        Bytes u;
        Writer wu(u);
        write_undo_coin(wu, coin);
        // Undo records carry the legacy version byte after the code for height > 0.
        EXPECT_EQ(u.size(), b.size() + (coin.height > 0 ? 1 : 0));
        Reader ru(u);
        expect_coin_eq(read_undo_coin(ru), coin);
        EXPECT_TRUE(ru.ok() && ru.empty()) << ru.error();
    }
    // Amount beyond the money range is a corrupt record.
    Bytes bad = varint_bytes(2);
    append(bad, varint_bytes(compress_amount(uint64_t(kMaxMoney) + 1)));
    bad.push_back(6);
    Reader r(bad);
    read_coin(r);
    EXPECT_FALSE(r.ok());
}

TEST(CoinCodec, BlockUndoRoundTrip) {
    BlockUndo undo;
    undo.txs.resize(3);
    undo.txs[0].spent = {make_coin(100, true, 50 * kCoin, p2pkh(Bytes(20, 3)))};
    undo.txs[2].spent = {make_coin(0, false, 7, Script()), make_coin(5, false, 1234, p2pkh(Bytes(20, 4)))};
    const Bytes b = serialize_block_undo(undo);
    std::string error;
    const std::optional<BlockUndo> back = deserialize_block_undo(b, &error);
    ASSERT_TRUE(back) << error;
    ASSERT_EQ(back->txs.size(), 3u);
    EXPECT_TRUE(back->txs[1].spent.empty());
    ASSERT_EQ(back->txs[2].spent.size(), 2u);
    expect_coin_eq(back->txs[2].spent[1], undo.txs[2].spent[1]);
    EXPECT_EQ(serialize_block_undo(*back), b);

    Bytes trailing = b;
    trailing.push_back(0);
    EXPECT_FALSE(deserialize_block_undo(trailing, &error));
    EXPECT_FALSE(error.empty());
    Bytes cut(b.begin(), b.end() - 1);
    EXPECT_FALSE(deserialize_block_undo(cut));
    EXPECT_FALSE(deserialize_block_undo(unhex("fe00000001")));  // count larger than the input
}

// ---------------------------------------------------------------- Database

TEST(StorageDatabase, ReadWriteCursor) {
    TempDir tmp;
    std::string error;
    auto db = Database::open(tmp.path() / "db", {}, &error);
    ASSERT_TRUE(db) << error;
    EXPECT_FALSE(db->read(bv("a")));
    Database::Batch batch;
    batch.put(bv("b"), bv("2"));
    batch.put(bv("a"), bv("1"));
    batch.put(bv("c"), bv("3"));
    batch.erase(bv("c"));
    EXPECT_GT(batch.approximate_size(), 0u);
    db->write(batch, true);
    EXPECT_EQ(db->read(bv("a")), Bytes{'1'});
    EXPECT_TRUE(db->exists(bv("b")));
    EXPECT_FALSE(db->exists(bv("c")));

    auto cursor = db->cursor();
    std::string keys;
    for (cursor->seek(bv("")); cursor->valid(); cursor->next()) {
        const ByteView key = cursor->key();
        keys.append(key.begin(), key.end());
    }
    EXPECT_EQ(keys, "ab");
    cursor->seek(bv("aa"));
    ASSERT_TRUE(cursor->valid());
    EXPECT_EQ(Bytes(cursor->value().begin(), cursor->value().end()), Bytes{'2'});
    cursor.reset();
    (void)db->estimate_size(bv("a"), bv("z"));

    batch.clear();
    batch.erase(bv("a"));
    db->write(batch, false);
    EXPECT_FALSE(db->exists(bv("a")));
}

TEST(StorageDatabase, WipeAndReopen) {
    TempDir tmp;
    const auto dir = tmp.path() / "nested" / "db";
    std::string error;
    {
        auto db = Database::open(dir, {}, &error);
        ASSERT_TRUE(db) << error;
        Database::Batch batch;
        batch.put(bv("k"), bv("v"));
        db->write(batch, true);
        // LevelDB's lock: a second open of the same directory fails cleanly.
        std::string error2;
        EXPECT_FALSE(Database::open(dir, {}, &error2));
        EXPECT_NE(error2.find(dir.string()), std::string::npos) << error2;
    }
    {
        auto db = Database::open(dir, {}, &error);
        ASSERT_TRUE(db) << error;
        EXPECT_TRUE(db->exists(bv("k")));
    }
    Database::Options wipe;
    wipe.wipe = true;
    auto db = Database::open(dir, wipe, &error);
    ASSERT_TRUE(db) << error;
    EXPECT_FALSE(db->exists(bv("k")));
}

TEST(StorageDatabase, UnwritableDirectory) {
    TempDir tmp;
    const auto file = tmp.path() / "regular_file";
    std::ofstream(file) << "x";
    const auto dir = file / "sub" / "db";
    std::string error;
    EXPECT_FALSE(Database::open(dir, {}, &error));
    EXPECT_NE(error.find(dir.string()), std::string::npos) << error;

    EXPECT_THROW(BlockStore(file / "blocks", kMagic), StorageError);
}

// ---------------------------------------------------------------- CoinsDB

TEST(CoinsDB, CommitGetEraseBestBlock) {
    TempDir tmp;
    const auto dir = tmp.path() / "chainstate";
    std::string error;
    const OutPoint a{hash_of(1), 0}, b{hash_of(2), 3};
    const Coin ca = make_coin(10, true, 50 * kCoin, p2pkh(Bytes(20, 9)));
    const Coin cb = make_coin(11, false, 12345, Script(Bytes{OP_TRUE}));
    {
        auto db = CoinsDB::open(dir, 1 << 20, false, &error);
        ASSERT_TRUE(db) << error;
        EXPECT_TRUE(db->best_block().is_null());
        EXPECT_FALSE(db->get(a));
        CoinsDB::Changes changes;
        changes.put(a, ca);
        changes.put(b, cb);
        EXPECT_EQ(changes.count(), 2u);
        db->commit(changes, hash_of(0xaa));
        EXPECT_EQ(changes.count(), 0u);
    }
    {
        // Reopened: the coins and the best block were written together.
        auto db = CoinsDB::open(dir, 1 << 20, false, &error);
        ASSERT_TRUE(db) << error;
        EXPECT_EQ(db->best_block(), hash_of(0xaa));
        ASSERT_TRUE(db->get(a));
        expect_coin_eq(*db->get(a), ca);
        expect_coin_eq(*db->get(b), cb);
        EXPECT_TRUE(db->have(b));
        EXPECT_FALSE(db->have(OutPoint{hash_of(2), 4}));

        CoinsDB::Changes changes;
        changes.erase(a);
        db->commit(changes, hash_of(0xbb));
        EXPECT_FALSE(db->get(a));
        EXPECT_FALSE(db->have(a));
        EXPECT_TRUE(db->have(b));
        EXPECT_EQ(db->best_block(), hash_of(0xbb));
        (void)db->estimate_disk_size();
    }
    auto db = CoinsDB::open(dir, 1 << 20, true, &error);  // wipe
    ASSERT_TRUE(db) << error;
    EXPECT_TRUE(db->best_block().is_null());
    EXPECT_FALSE(db->have(b));
}

TEST(CoinsDB, ForEachOrder) {
    TempDir tmp;
    std::string error;
    auto db = CoinsDB::open(tmp.path() / "chainstate", 1 << 20, false, &error);
    ASSERT_TRUE(db) << error;
    std::vector<OutPoint> outpoints;
    for (uint8_t t : {0x20, 0x01, 0xff})
        for (uint32_t vout : {70000u, 1u, 16512u, 256u, 2u, 16511u, 0u})
            outpoints.push_back(OutPoint{hash_of(t), vout});
    CoinsDB::Changes changes;
    for (size_t i = 0; i < outpoints.size(); ++i)
        changes.put(outpoints[i], make_coin(int(i), false, Amount(i + 1), Script(Bytes{OP_TRUE})));
    db->commit(changes, hash_of(1));

    std::vector<OutPoint> seen;
    db->for_each([&](const OutPoint& op, const Coin& coin) {
        seen.push_back(op);
        const size_t i = size_t(std::find(outpoints.begin(), outpoints.end(), op) - outpoints.begin());
        EXPECT_EQ(coin.out.value, Amount(i + 1));
        return true;
    });
    std::vector<OutPoint> sorted = outpoints;
    std::sort(sorted.begin(), sorted.end());  // txid bytes, then vout numerically
    EXPECT_EQ(seen, sorted);
    ASSERT_EQ(seen.size(), 21u);
    const std::vector<uint32_t> numeric = {0, 1, 2, 256, 16511, 16512, 70000};
    for (size_t i = 0; i < numeric.size(); ++i) {
        EXPECT_EQ(seen[i], (OutPoint{hash_of(0x01), numeric[i]}));
        EXPECT_EQ(seen[7 + i], (OutPoint{hash_of(0x20), numeric[i]}));
        EXPECT_EQ(seen[14 + i], (OutPoint{hash_of(0xff), numeric[i]}));
    }

    size_t visited = 0;
    db->for_each([&](const OutPoint&, const Coin&) { return ++visited < 4; });
    EXPECT_EQ(visited, 4u);
}

// ---------------------------------------------------------------- BlockStore

TEST(BlockStore, WriteReadAcrossFileRollAndReopen) {
    TempDir tmp;
    const auto dir = tmp.path() / "blocks";
    const size_t block_size = make_block(0, 100).serialize().size();
    const uint64_t max = 2 * (block_size + 8) + 10;  // two records per file
    std::vector<Block> blocks;
    std::vector<FilePos> positions;
    {
        BlockStore store(dir, kMagic, max);
        for (uint32_t i = 0; i < 5; ++i) {
            blocks.push_back(make_block(i, 100));
            positions.push_back(store.write_block(blocks.back()));
        }
        store.flush();
        EXPECT_EQ(positions[0], (FilePos{0, 8}));
        EXPECT_EQ(positions[1], (FilePos{0, uint32_t(8 + block_size + 8)}));
        EXPECT_EQ(positions[2], (FilePos{1, 8}));
        EXPECT_EQ(positions[4], (FilePos{2, 8}));
        for (size_t i = 0; i < blocks.size(); ++i) {
            std::string error;
            const auto block = store.read_block(positions[i], &error);
            ASSERT_TRUE(block) << error;
            EXPECT_EQ(block->serialize(), blocks[i].serialize());
            EXPECT_EQ(store.read_block_bytes(positions[i]), blocks[i].serialize());
        }
        // Record layout on disk: magic, LE length, payload.
        std::ifstream f(store.block_file_path(0), std::ios::binary);
        Bytes head(8);
        f.read(reinterpret_cast<char*>(head.data()), 8);
        EXPECT_EQ(hex_encode(head).substr(0, 8), "f9beb4d9");
        EXPECT_EQ(read_le32(head.data() + 4), block_size);
        EXPECT_EQ(store.block_file_path(12).filename().string(), "blk00012.dat");
        EXPECT_EQ(store.undo_file_path(12).filename().string(), "rev00012.dat");
    }
    {
        // Reopened: appends continue in the last file, then roll again.
        BlockStore store(dir, kMagic, max);
        const FilePos p5 = store.write_block(make_block(5, 100));
        EXPECT_EQ(p5, (FilePos{2, uint32_t(8 + block_size + 8)}));
        const FilePos p6 = store.write_block(make_block(6, 100));
        EXPECT_EQ(p6, (FilePos{3, 8}));
        store.flush();
        EXPECT_TRUE(store.read_block(positions[3]));
        EXPECT_EQ(store.read_block(p6)->serialize(), make_block(6, 100).serialize());
    }
    {
        // A block larger than the limit still goes into an empty file.
        BlockStore store(tmp.path() / "big", kMagic, 50);
        EXPECT_EQ(store.write_block(make_block(1, 100)), (FilePos{0, 8}));
        EXPECT_EQ(store.write_block(make_block(2, 100)), (FilePos{1, 8}));
    }
}

TEST(BlockStore, CorruptRecordsAreErrors) {
    TempDir tmp;
    BlockStore store(tmp.path() / "blocks", kMagic);
    const FilePos p0 = store.write_block(make_block(0, 50));
    const FilePos p1 = store.write_block(make_block(1, 50));
    store.flush();
    const auto path = store.block_file_path(0);
    std::string error;

    // Out of range and missing files.
    EXPECT_FALSE(store.read_block(FilePos{0, 1u << 30}, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(store.read_block(FilePos{0, 3}, &error));
    EXPECT_FALSE(store.read_block(FilePos{9, 8}, &error));
    EXPECT_NE(error.find("blk00009.dat"), std::string::npos) << error;
    EXPECT_FALSE(store.read_block(FilePos{}, &error));

    // Wrong network magic.
    BlockStore other(tmp.path() / "blocks", {0x0b, 0x11, 0x09, 0x07});
    error.clear();
    EXPECT_FALSE(other.read_block(p0, &error));
    EXPECT_NE(error.find("magic"), std::string::npos) << error;
    // A position that is not at a record start.
    EXPECT_FALSE(store.read_block(FilePos{0, p0.offset + 4}, &error));

    // Corrupted payload: a transaction count far beyond the data.
    overwrite(path, p0.offset + 80, unhex("fe00000001"));
    error.clear();
    EXPECT_FALSE(store.read_block(p0, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(store.read_block(p1)) << "other records are unaffected";

    // Corrupted length fields.
    overwrite(path, p1.offset - 4, unhex("f0ffffff"));
    EXPECT_FALSE(store.read_block(p1, &error));
    overwrite(path, p1.offset - 4, unhex("00100000"));  // 4096: past the end of the file
    EXPECT_FALSE(store.read_block_bytes(p1, &error));
    EXPECT_NE(error.find("end of the file"), std::string::npos) << error;
}

TEST(BlockStore, TruncatedFile) {
    TempDir tmp;
    BlockStore store(tmp.path() / "blocks", kMagic);
    const FilePos p0 = store.write_block(make_block(0, 50));
    const FilePos p1 = store.write_block(make_block(1, 50));
    store.flush();
    const auto path = store.block_file_path(0);
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size - 10);
    std::string error;
    EXPECT_FALSE(store.read_block(p1, &error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(store.read_block(p0));
    std::filesystem::resize_file(path, p1.offset - 2);  // cut inside the record header
    EXPECT_FALSE(store.read_block(p1, &error));
    EXPECT_TRUE(store.read_block(p0));

    // Appending after a truncation starts at the actual end of the file.
    const FilePos p2 = store.write_block(make_block(2, 50));
    EXPECT_EQ(p2.offset, p1.offset - 2 + 8);
    EXPECT_TRUE(store.read_block(p2));
}

TEST(BlockStore, FreeSpaceReserveRefusesWrites) {
    TempDir tmp;
    uint64_t free = 60 << 20;
    BlockStoreSpace space;
    space.free_space = [&free](const std::filesystem::path&) { return std::optional<uint64_t>(free); };
    BlockStore store(tmp.path() / "blocks", kMagic, BlockStore::kMaxBlockFileSize, space);
    const FilePos p0 = store.write_block(make_block(0, 50));
    const auto size = std::filesystem::file_size(store.block_file_path(0));
    free = kMinDiskSpace + 10;  // below the reserve once the record is added
    try {
        (void)store.write_block(make_block(1, 50));
        ADD_FAILURE() << "the write broke the reserve";
    } catch (const DiskSpaceError& e) {
        EXPECT_NE(std::string(e.what()).find("Disk space is too low"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)store.write_undo(BlockUndo{}, uint256{}, 0), DiskSpaceError);
    EXPECT_EQ(std::filesystem::file_size(store.block_file_path(0)), size) << "nothing was written";
    free = 60 << 20;
    const FilePos p1 = store.write_block(make_block(1, 50));
    EXPECT_EQ(p1.offset, size + 8);
    EXPECT_TRUE(store.read_block(p0));
}

TEST(BlockStore, WriteLimitFailsLikeAFullDiskWithoutPartialRecords) {
    TempDir tmp;
    const size_t record = make_block(0, 50).serialize().size() + 8;
    BlockStoreSpace space;
    space.write_limit = 2 * record + record / 2;  // the third record is cut short
    BlockStore store(tmp.path() / "blocks", kMagic, BlockStore::kMaxBlockFileSize, space);
    (void)store.write_block(make_block(0, 50));
    const FilePos p1 = store.write_block(make_block(1, 50));
    EXPECT_THROW((void)store.write_block(make_block(2, 50)), DiskSpaceError);
    EXPECT_EQ(std::filesystem::file_size(store.block_file_path(0)), 2 * record) << "the partial record is gone";
    EXPECT_TRUE(store.read_block(p1));
}

TEST(BlockStore, ScanAndResumeAfterACrash) {
    TempDir tmp;
    const auto dir = tmp.path() / "blocks";
    const size_t record = make_block(0, 50).serialize().size() + 8;
    std::vector<FilePos> written;
    {
        BlockStore store(dir, kMagic, 3 * record);
        for (uint32_t i = 0; i < 5; ++i) written.push_back(store.write_block(make_block(i, 50)));
        (void)store.write_undo(BlockUndo{}, uint256{}, 0);
        (void)store.write_undo(BlockUndo{}, uint256{}, 0);
        store.flush();
    }
    // Half a record after the last one, as a kill during a write leaves it.
    {
        std::ofstream f(dir / "blk00001.dat", std::ios::binary | std::ios::app);
        f.write("\xf9\xbe\xb4\xd9\x40", 5);
    }
    BlockStore store(dir, kMagic, 3 * record);
    EXPECT_EQ(store.block_files(), (std::vector<int>{0, 1}));
    EXPECT_EQ(store.block_record_length(written[1]), record - 8);
    std::vector<FilePos> seen;
    store.scan_block_records(0, record, [&](FilePos pos, ByteView payload) {
        seen.push_back(pos);
        EXPECT_EQ(payload.size(), record - 8);
    });
    EXPECT_EQ(seen, (std::vector<FilePos>{written[1], written[2]}));
    seen.clear();
    store.scan_block_records(1, 0, [&](FilePos pos, ByteView) { seen.push_back(pos); });
    EXPECT_EQ(seen, (std::vector<FilePos>{written[3], written[4]})) << "the partial record is not one";

    // Resume after the second block: what follows is overwritten, later files go.
    store.set_append_position(0, 2 * record);
    store.truncate_undo(0, 0);
    EXPECT_EQ(store.block_files(), (std::vector<int>{0}));
    EXPECT_EQ(std::filesystem::file_size(store.undo_file_path(0)), 0u);
    EXPECT_EQ(store.write_block(make_block(7, 50)), written[2]);
    EXPECT_EQ(store.read_block(written[2])->serialize(), make_block(7, 50).serialize());
}

TEST(BlockStore, UndoRecords) {
    TempDir tmp;
    BlockStore store(tmp.path() / "blocks", kMagic, 400);
    BlockUndo undo;
    undo.txs.resize(2);
    undo.txs[0].spent = {make_coin(7, true, 50 * kCoin, p2pkh(Bytes(20, 5)))};
    undo.txs[1].spent = {make_coin(8, false, 10, Script(Bytes{OP_TRUE})), make_coin(0, false, 0, Script())};
    const uint256 prev = hash_of(0x77);

    const FilePos b0 = store.write_block(make_block(0, 200));
    const FilePos b1 = store.write_block(make_block(1, 200));
    ASSERT_EQ(b1.file, 1);
    const FilePos u1 = store.write_undo(undo, prev, b1.file);
    const FilePos u0 = store.write_undo(undo, prev, b0.file);
    store.flush();
    EXPECT_EQ(u1, (FilePos{1, 8}));
    EXPECT_EQ(u0, (FilePos{0, 8}));
    EXPECT_TRUE(std::filesystem::exists(store.undo_file_path(0)));
    EXPECT_TRUE(std::filesystem::exists(store.undo_file_path(1)));

    std::string error;
    const auto back = store.read_undo(u1, prev, &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(serialize_block_undo(*back), serialize_block_undo(undo));

    // The checksum binds the record to the previous block's hash.
    EXPECT_FALSE(store.read_undo(u1, hash_of(0x78), &error));
    EXPECT_NE(error.find("checksum"), std::string::npos) << error;

    // File layout: magic, length, undo bytes, SHA256d(prev || undo bytes).
    const Bytes payload = serialize_block_undo(undo);
    Bytes preimage(prev.begin(), prev.end());
    append(preimage, payload);
    EXPECT_EQ(std::filesystem::file_size(store.undo_file_path(1)), 8 + payload.size() + 32);
    {
        std::ifstream f(store.undo_file_path(1), std::ios::binary);
        Bytes all(8 + payload.size() + 32);
        f.read(reinterpret_cast<char*>(all.data()), std::streamsize(all.size()));
        EXPECT_TRUE(std::equal(payload.begin(), payload.end(), all.begin() + 8));
        const uint256 checksum = sha256d(preimage);
        EXPECT_TRUE(std::equal(checksum.begin(), checksum.end(), all.begin() + 8 + long(payload.size())));
    }

    // A flipped byte in the payload is caught by the checksum.
    overwrite(store.undo_file_path(0), u0.offset + 3, Bytes{0xee});
    EXPECT_FALSE(store.read_undo(u0, prev, &error));
    EXPECT_NE(error.find("checksum"), std::string::npos) << error;
    // A missing checksum (truncated) is an error too.
    std::filesystem::resize_file(store.undo_file_path(1), 8 + payload.size() + 16);
    EXPECT_FALSE(store.read_undo(u1, prev, &error));

    EXPECT_THROW(store.write_undo(undo, prev, -1), StorageError);
}

// ---------------------------------------------------------------- BlockIndexDB

TEST(BlockIndexDB, WriteLoadAndFlags) {
    TempDir tmp;
    const auto dir = tmp.path() / "index";
    std::vector<DiskBlockIndex> records(3);
    for (size_t i = 0; i < records.size(); ++i) {
        records[i].header = make_block(uint32_t(i), 10).header;
        records[i].height = int(i * 1000);
        records[i].tx_count = uint32_t(i + 1);
    }
    records[0].status = BLOCK_VALID_SCRIPTS | BLOCK_HAVE_DATA | BLOCK_HAVE_UNDO;
    records[0].data = FilePos{0, 8};
    records[0].undo = FilePos{0, 8};
    records[1].status = BLOCK_VALID_TREE | BLOCK_HAVE_DATA;
    records[1].data = FilePos{12345, 0xfffffff0};
    records[2].status = BLOCK_VALID_HEADER | BLOCK_FAILED_VALID;
    records[2].height = 0x7fffffff;

    std::string error;
    {
        auto db = BlockIndexDB::open(dir, 1 << 20, false, &error);
        ASSERT_TRUE(db) << error;
        db->write(records);
        EXPECT_FALSE(db->read_flag("txindex"));
        db->write_flag("txindex", true);
        db->write_flag("prunedblockfiles", false);
    }
    auto db = BlockIndexDB::open(dir, 1 << 20, false, &error);
    ASSERT_TRUE(db) << error;
    EXPECT_EQ(db->read_flag("txindex"), true);
    EXPECT_EQ(db->read_flag("prunedblockfiles"), false);
    db->write_flag("txindex", false);
    EXPECT_EQ(db->read_flag("txindex"), false);

    size_t count = 0;
    db->load([&](const uint256& hash, const DiskBlockIndex& index) {
        ++count;
        auto it = std::find_if(records.begin(), records.end(), [&](const auto& r) { return r.header.hash() == hash; });
        ASSERT_NE(it, records.end());
        EXPECT_EQ(index.header, it->header);
        EXPECT_EQ(index.height, it->height);
        EXPECT_EQ(index.status, it->status);
        EXPECT_EQ(index.tx_count, it->tx_count);
        EXPECT_EQ(index.data, it->data);
        EXPECT_EQ(index.undo, it->undo);
    });
    EXPECT_EQ(count, records.size());

    // Rewriting a record replaces it.
    records[2].status |= BLOCK_FAILED_CHILD;
    db->write({records[2]});
    count = 0;
    db->load([&](const uint256& hash, const DiskBlockIndex& index) {
        ++count;
        if (hash == records[2].header.hash()) { EXPECT_EQ(index.status, records[2].status); }
    });
    EXPECT_EQ(count, records.size());
}

TEST(BlockIndexDB, CorruptRecordThrows) {
    TempDir tmp;
    const auto dir = tmp.path() / "index";
    std::string error;
    DiskBlockIndex rec;
    rec.header = make_block(1, 10).header;
    const uint256 hash = rec.header.hash();
    {
        auto db = BlockIndexDB::open(dir, 1 << 20, false, &error);
        ASSERT_TRUE(db) << error;
        db->write({rec});
    }
    {
        // Damage the record behind the index's back.
        auto raw = Database::open(dir, {}, &error);
        ASSERT_TRUE(raw) << error;
        Bytes key{'b'};
        append(key, hash.view());
        Database::Batch batch;
        batch.put(key, unhex("01ffff"));
        raw->write(batch, true);
    }
    auto db = BlockIndexDB::open(dir, 1 << 20, false, &error);
    ASSERT_TRUE(db) << error;
    EXPECT_THROW(db->load([](const uint256&, const DiskBlockIndex&) {}), StorageError);
}
