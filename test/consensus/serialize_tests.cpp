// Wire serialization: CompactSize, transactions (BIP144), blocks, merkle roots and the
// context-free transaction checks, with the raw mainnet blocks from the shared vectors.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "consensus/block.h"
#include "consensus/merkle.h"
#include "consensus/serialize.h"
#include "consensus/transaction.h"
#include "consensus/tx_check.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

Bytes unhex(std::string_view s) {
    std::optional<Bytes> b = hex_decode(s);
    EXPECT_TRUE(b) << s;
    return b.value_or(Bytes{});
}

Bytes compact(uint64_t n) {
    Bytes out;
    Writer w(out);
    w.compact_size(n);
    return out;
}

// Reads one CompactSize from hex; returns the value or the reader's error.
std::pair<uint64_t, std::string> read_compact(std::string_view hex, bool range_check = true) {
    const Bytes b = unhex(hex);
    Reader r(b);
    const uint64_t v = r.compact_size(range_check);
    return {v, r.error()};
}

uint256 hash_of(uint8_t tag) {
    Bytes b(32, 0);
    b[0] = tag;
    b[31] = uint8_t(tag * 7 + 1);
    return uint256(b);
}

// A small non-witness transaction spending two outputs to two outputs.
Transaction sample_tx() {
    Transaction tx;
    tx.version = 1;
    TxIn a;
    a.prevout.txid = hash_of(1);
    a.prevout.index = 0;
    a.script_sig = Script(unhex("0151"));
    a.sequence = 0xfffffffe;
    TxIn b;
    b.prevout.txid = hash_of(2);
    b.prevout.index = 5;
    tx.vin = {a, b};
    TxOut o1;
    o1.value = 5000;
    o1.script_pubkey = Script(unhex("76a914000102030405060708090a0b0c0d0e0f1011121388ac"));
    TxOut o2;
    o2.value = 0;
    o2.script_pubkey = Script(unhex("6a"));
    tx.vout = {o1, o2};
    tx.locktime = 17;
    return tx;
}

Transaction sample_witness_tx() {
    Transaction tx = sample_tx();
    tx.version = 2;
    tx.vin[0].witness = {unhex("3044022000"), unhex("02aabb"), Bytes{}};
    // vin[1] keeps an empty witness: its count byte 00 is still written.
    return tx;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// CompactSize

TEST(CompactSize, CanonicalEncodings) {
    EXPECT_EQ(hex_encode(compact(0)), "00");
    EXPECT_EQ(hex_encode(compact(252)), "fc");
    EXPECT_EQ(hex_encode(compact(253)), "fdfd00");
    EXPECT_EQ(hex_encode(compact(0xffff)), "fdffff");
    EXPECT_EQ(hex_encode(compact(0x10000)), "fe00000100");
    EXPECT_EQ(hex_encode(compact(0xffffffff)), "feffffffff");
    EXPECT_EQ(hex_encode(compact(0x100000000ULL)), "ff0000000001000000");
    for (uint64_t n : {0ULL, 252ULL, 253ULL, 0xffffULL, 0x10000ULL, 0xffffffffULL, 0x100000000ULL, ~0ULL}) {
        const Bytes b = compact(n);
        EXPECT_EQ(b.size(), compact_size_length(n)) << n;
        Reader r(b);
        EXPECT_EQ(r.compact_size(/*range_check=*/false), n);
        EXPECT_TRUE(r.ok()) << n << ": " << r.error();
        EXPECT_TRUE(r.empty());
    }
}

TEST(CompactSize, RejectsNonCanonical) {
    for (const char* hex :
         {"fd0000", "fdfc00", "fe00000000", "feffff0000", "ff0000000000000000", "ffffffffff00000000"}) {
        auto [v, err] = read_compact(hex, /*range_check=*/false);
        EXPECT_EQ(err, "non-canonical ReadCompactSize()") << hex;
        EXPECT_EQ(v, 0u) << hex;
    }
}

TEST(CompactSize, RangeCheck) {
    EXPECT_EQ(read_compact("fe00000002").first, kMaxSerializedSize);
    EXPECT_EQ(read_compact("fe00000002").second, "");
    EXPECT_EQ(read_compact("fe01000002").second, "ReadCompactSize(): size too large");
    EXPECT_EQ(read_compact("ffffffffffffffffff").second, "ReadCompactSize(): size too large");
    // Without the range check the same values decode.
    EXPECT_EQ(read_compact("fe01000002", false).first, kMaxSerializedSize + 1);
    EXPECT_EQ(read_compact("ffffffffffffffffff", false).first, ~0ULL);
}

TEST(CompactSize, Truncated) {
    for (const char* hex : {"", "fd", "fd00", "fe000001", "ff00000000000001"}) {
        auto [v, err] = read_compact(hex);
        EXPECT_FALSE(err.empty()) << hex;
        EXPECT_EQ(v, 0u);
    }
}

TEST(Reader, StickyFailure) {
    const Bytes b = unhex("0102");
    Reader r(b);
    EXPECT_EQ(r.u32(), 0u);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.empty());
    // Later reads keep failing and return zero/empty, even ones that would fit.
    EXPECT_EQ(r.u8(), 0u);
    EXPECT_TRUE(r.bytes(0).empty());
    EXPECT_FALSE(r.ok());
}

TEST(Reader, HugeLengthDoesNotAllocate) {
    // A var_bytes claiming 32 MiB with nothing behind it fails cleanly.
    const Bytes b = unhex("fe00000002");
    Reader r(b);
    EXPECT_TRUE(r.var_bytes().empty());
    EXPECT_FALSE(r.ok());
    // A count that cannot fit in the remaining bytes fails early.
    const Bytes c = unhex(
        "fe00000001"
        "00");
    Reader r2(c);
    EXPECT_EQ(r2.count(10), 0u);
    EXPECT_FALSE(r2.ok());
}

// ---------------------------------------------------------------------------------------
// Transactions

TEST(TxSerialize, LegacyRoundTrip) {
    const Transaction tx = sample_tx();
    const Bytes raw = tx.serialize();
    EXPECT_EQ(raw, tx.serialize(false));
    EXPECT_EQ(raw.size(), tx.total_size());
    EXPECT_EQ(raw.size(), tx.stripped_size());
    EXPECT_EQ(tx.weight(), raw.size() * 4);
    std::string err;
    const std::optional<Transaction> back = Transaction::decode(raw, &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(*back, tx);
    EXPECT_EQ(back->serialize(), raw);
    EXPECT_EQ(tx.txid(), tx.wtxid());
    EXPECT_EQ(tx.txid(), sha256d(raw));
    EXPECT_FALSE(tx.has_witness());
    EXPECT_EQ(tx.value_out(), 5000);
}

TEST(TxSerialize, Bip144RoundTrip) {
    const Transaction tx = sample_witness_tx();
    ASSERT_TRUE(tx.has_witness());
    const Bytes full = tx.serialize(true);
    const Bytes stripped = tx.serialize(false);
    // version, marker 00, flag 01, then the same body as the stripped form.
    ASSERT_GT(full.size(), 6u);
    EXPECT_EQ(full[4], 0x00);
    EXPECT_EQ(full[5], 0x01);
    EXPECT_TRUE(std::equal(stripped.begin(), stripped.begin() + 4, full.begin()));
    EXPECT_EQ(hex_encode(ByteView(full).subspan(6, stripped.size() - 8)),
              hex_encode(ByteView(stripped).subspan(4, stripped.size() - 8)));
    // Witnesses: 3 items for input 0, none for input 1, then the locktime.
    const std::string tail = hex_encode(ByteView(full).subspan(full.size() - 17));
    EXPECT_EQ(tail,
              "03"
              "053044022000"
              "0302aabb"
              "00"
              "00"
              "11000000");

    std::string err;
    const std::optional<Transaction> back = Transaction::decode(full, &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(*back, tx);
    EXPECT_EQ(back->serialize(true), full);
    EXPECT_EQ(back->serialize(false), stripped);
    EXPECT_EQ(tx.txid(), sha256d(stripped));
    EXPECT_EQ(tx.wtxid(), sha256d(full));
    EXPECT_NE(tx.txid(), tx.wtxid());
    EXPECT_EQ(tx.weight(), stripped.size() * 3 + full.size());

    // The stripped form decodes to the same transaction without witnesses.
    const std::optional<Transaction> bare = Transaction::decode(stripped, &err);
    ASSERT_TRUE(bare) << err;
    EXPECT_FALSE(bare->has_witness());
    EXPECT_EQ(bare->txid(), tx.txid());

    // Without witness support the extended form does not parse as the same tx.
    const std::optional<Transaction> no_wit = Transaction::decode(full, nullptr, /*allow_witness=*/false);
    EXPECT_TRUE(!no_wit || *no_wit != tx);
}

TEST(TxSerialize, KnownSegwitTransaction) {
    // BIP143 native P2WPKH example, signed (input 1 has a witness, input 0 does not); txid
    // and wtxid were computed independently of minicash from these bytes.
    const Bytes raw = unhex(
        "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc2"
        "6ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4"
        "ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff"
        "02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4d"
        "be6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a"
        "0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb"
        "3566bb0ad253f62fc70f07aeee635711000000");
    std::string err;
    const std::optional<Transaction> tx = Transaction::decode(raw, &err);
    ASSERT_TRUE(tx) << err;
    EXPECT_EQ(tx->serialize(), raw);
    ASSERT_EQ(tx->vin.size(), 2u);
    EXPECT_TRUE(tx->vin[0].witness.empty());
    EXPECT_EQ(tx->vin[1].witness.size(), 2u);
    EXPECT_EQ(tx->locktime, 0x11u);
    EXPECT_EQ(tx->txid().to_hex(), "e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609");
    EXPECT_EQ(tx->wtxid().to_hex(), "c36c38370907df2324d9ce9d149d191192f338b37665a82e78e76a12c909b762");
}

TEST(TxSerialize, EmptyInputsAndOutputsAreNotAMarker) {
    // version 1, "00 00", locktime 0: no inputs and no outputs (not BIP144 marker+flag 0).
    std::string err;
    const std::optional<Transaction> tx = Transaction::decode(unhex("01000000"
                                                                    "0000"
                                                                    "00000000"),
                                                              &err);
    ASSERT_TRUE(tx) << err;
    EXPECT_TRUE(tx->vin.empty());
    EXPECT_TRUE(tx->vout.empty());
    EXPECT_EQ(tx->locktime, 0u);
    EXPECT_EQ(hex_encode(tx->serialize()), "01000000000000000000");
    ValidationState state;
    EXPECT_FALSE(check_transaction(*tx, state));
    EXPECT_EQ(state.reason(), "bad-txns-vin-empty");
}

TEST(TxSerialize, SuperfluousWitnessRecord) {
    // Marker and flag 1, one input, one output, but the input's witness is empty.
    const Bytes raw = unhex(
        "02000000"
        "0001"
        "01" +
        std::string(64, '1') +
        "00000000"
        "00"
        "ffffffff"
        "01"
        "0000000000000000"
        "00"
        "00"
        "00000000");
    std::string err;
    EXPECT_FALSE(Transaction::decode(raw, &err));
    EXPECT_EQ(err, "Superfluous witness record");
}

TEST(TxSerialize, UnknownOptionalData) {
    const std::string body = "01" + std::string(64, '1') +
                             "00000000"
                             "00"
                             "ffffffff"
                             "01"
                             "0000000000000000"
                             "00";
    std::string err;
    // Flag 2: not a witness flag.
    EXPECT_FALSE(Transaction::decode(unhex("02000000"
                                           "0002" +
                                           body + "00000000"),
                                     &err));
    EXPECT_EQ(err, "Unknown transaction optional data");
    // Flag 3: the witness bit is handled, bit 1 remains unknown.
    err.clear();
    EXPECT_FALSE(Transaction::decode(unhex("02000000"
                                           "0003" +
                                           body +
                                           "01"
                                           "0151"
                                           "00000000"),
                                     &err));
    EXPECT_EQ(err, "Unknown transaction optional data");
    // Flag 1 with a witness is fine.
    err.clear();
    EXPECT_TRUE(Transaction::decode(unhex("02000000"
                                          "0001" +
                                          body +
                                          "01"
                                          "0151"
                                          "00000000"),
                                    &err))
        << err;
}

TEST(TxSerialize, TrailingDataRejected) {
    Bytes raw = sample_tx().serialize();
    raw.push_back(0);
    std::string err;
    EXPECT_FALSE(Transaction::decode(raw, &err));
    EXPECT_FALSE(err.empty());
}

TEST(TxSerialize, EveryTruncationFails) {
    for (const Transaction& tx : {sample_tx(), sample_witness_tx()}) {
        const Bytes raw = tx.serialize();
        for (size_t n = 0; n < raw.size(); ++n) {
            std::string err;
            const std::optional<Transaction> t = Transaction::decode(ByteView(raw.data(), n), &err);
            // A witness tx cut right after "version 00 00 ..." may not be a valid prefix; either
            // way nothing of the wrong length decodes to the original transaction.
            if (t) {
                EXPECT_NE(*t, tx) << "prefix " << n;
            } else {
                EXPECT_FALSE(err.empty()) << "prefix " << n;
            }
        }
    }
}

TEST(TxSerialize, GarbageNeverCrashes) {
    std::mt19937 rng(12345);
    const Bytes base = sample_witness_tx().serialize();
    int decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes b;
        if (i % 2 == 0) {
            b.resize(rng() % 200);
            for (uint8_t& x : b) x = uint8_t(rng());
        } else {
            b = base;  // a valid transaction with a few random byte flips
            for (int k = 0; k < 3; ++k) b[rng() % b.size()] = uint8_t(rng());
        }
        std::string err;
        const std::optional<Transaction> tx = Transaction::decode(b, &err);
        if (tx) {
            ++decoded;
            // Whatever decodes must re-serialize to exactly the input (canonical format).
            EXPECT_EQ(tx->serialize(), b);
        } else {
            EXPECT_FALSE(err.empty());
        }
        (void)Block::decode(b, &err);
        (void)BlockHeader::decode(b, &err);
    }
    EXPECT_GT(decoded, 0);
}

// ---------------------------------------------------------------------------------------
// Context-free transaction checks

namespace {
std::string check_reason(const Transaction& tx) {
    ValidationState state;
    const bool ok = check_transaction(tx, state);
    EXPECT_EQ(ok, state.valid());
    return ok ? "ok" : state.reason();
}
}  // namespace

TEST(CheckTransaction, Reasons) {
    const Transaction good = sample_tx();
    EXPECT_EQ(check_reason(good), "ok");

    Transaction t = good;
    t.vin.clear();
    EXPECT_EQ(check_reason(t), "bad-txns-vin-empty");

    t = good;
    t.vout.clear();
    EXPECT_EQ(check_reason(t), "bad-txns-vout-empty");

    t = good;
    t.vout[1].value = -1;
    EXPECT_EQ(check_reason(t), "bad-txns-vout-negative");

    t = good;
    t.vout[0].value = kMaxMoney;
    EXPECT_EQ(check_reason(t), "ok");
    t.vout[0].value = kMaxMoney + 1;
    EXPECT_EQ(check_reason(t), "bad-txns-vout-toolarge");

    t = good;
    t.vout[0].value = kMaxMoney;
    t.vout[1].value = 1;
    EXPECT_EQ(check_reason(t), "bad-txns-txouttotal-toolarge");

    t = good;
    t.vin[1].prevout = t.vin[0].prevout;
    EXPECT_EQ(check_reason(t), "bad-txns-inputs-duplicate");

    t = good;
    t.vin[1].prevout = OutPoint{};
    EXPECT_EQ(check_reason(t), "bad-txns-prevout-null");

    // Only the txid zero with index 0xffffffff is null.
    t = good;
    t.vin[1].prevout = OutPoint{uint256(), 0};
    EXPECT_EQ(check_reason(t), "ok");

    // Oversize: the stripped size times 4 above the block weight limit.
    t = good;
    t.vin[0].script_sig = Script(Bytes(kMaxBlockWeight / 4, 0x51));
    EXPECT_EQ(check_reason(t), "bad-txns-oversize");
    t.vin[0].script_sig = Script(Bytes(kMaxBlockWeight / 4 - 200, 0x51));
    EXPECT_EQ(check_reason(t), "ok");
}

TEST(CheckTransaction, CoinbaseScriptLength) {
    Transaction cb;
    cb.version = 1;
    cb.vin.resize(1);
    cb.vout.resize(1);
    cb.vout[0].value = 50 * kCoin;
    ASSERT_TRUE(cb.vin[0].prevout.is_null());
    for (size_t n : {0u, 1u, 2u, 100u, 101u}) {
        cb.vin[0].script_sig = Script(Bytes(n, 0x01));
        ASSERT_TRUE(cb.is_coinbase());
        EXPECT_EQ(check_reason(cb), (n >= 2 && n <= 100) ? "ok" : "bad-cb-length") << n;
    }
}

// ---------------------------------------------------------------------------------------
// Merkle roots

TEST(Merkle, RootsAndMutation) {
    EXPECT_TRUE(compute_merkle_root({}).is_null());
    const uint256 a = hash_of(1), b = hash_of(2), c = hash_of(3), d = hash_of(4), e = hash_of(5), f = hash_of(6);
    bool mutated = true;
    EXPECT_EQ(compute_merkle_root({a}, &mutated), a);
    EXPECT_FALSE(mutated);

    auto pair_hash = [](const uint256& x, const uint256& y) {
        Bytes p(x.begin(), x.end());
        p.insert(p.end(), y.begin(), y.end());
        return sha256d(p);
    };
    EXPECT_EQ(compute_merkle_root({a, b}, &mutated), pair_hash(a, b));
    EXPECT_FALSE(mutated);
    const uint256 abc = compute_merkle_root({a, b, c}, &mutated);
    EXPECT_EQ(abc, pair_hash(pair_hash(a, b), pair_hash(c, c)));
    EXPECT_FALSE(mutated);

    // CVE-2012-2459: repeating the odd last element gives the same root, and is flagged.
    EXPECT_EQ(compute_merkle_root({a, b, c, c}, &mutated), abc);
    EXPECT_TRUE(mutated);

    // Repeating the last pair of an even level one up.
    const uint256 six = compute_merkle_root({a, b, c, d, e, f}, &mutated);
    EXPECT_FALSE(mutated);
    EXPECT_EQ(compute_merkle_root({a, b, c, d, e, f, e, f}, &mutated), six);
    EXPECT_TRUE(mutated);

    // Identical adjacent leaves at an odd offset are not a mutation.
    compute_merkle_root({a, b, b, c}, &mutated);
    EXPECT_FALSE(mutated);
}

// ---------------------------------------------------------------------------------------
// Raw mainnet blocks

TEST(BlockVectors, Block413567) {
    MINICASH_REQUIRE_VECTORS(dir);
    const Bytes raw = test::read_binary(dir / "chain" / "block413567.raw");
    ASSERT_EQ(raw.size(), 999887u);
    std::string err;
    const std::optional<Block> block = Block::decode(raw, &err);
    ASSERT_TRUE(block) << err;
    EXPECT_EQ(block->txs.size(), 1557u);
    EXPECT_EQ(block->serialize(), raw);
    EXPECT_EQ(block->serialize(false), raw);
    EXPECT_EQ(block->weight(), raw.size() * 4);
    EXPECT_EQ(block->hash().to_hex(), "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069");
    EXPECT_EQ(block->header.prev_block.to_hex(), "00000000000000000542b54d29b12b523ff6c6474e0e86085bd3005ec6c5ce11");
    EXPECT_EQ(block->header.merkle_root.to_hex(), "64a50c649fc816baaa2effda230c39cacf1504e4e616a2863685b72aaa7dce05");
    EXPECT_EQ(block->header.version, 4);
    EXPECT_EQ(block->header.time, 1464307123u);
    EXPECT_EQ(block->header.bits, 0x18058436u);
    bool mutated = true;
    EXPECT_EQ(block_merkle_root(*block, &mutated), block->header.merkle_root);
    EXPECT_FALSE(mutated);
    for (const Transaction& tx : block->txs) EXPECT_FALSE(tx.has_witness());
    EXPECT_TRUE(block->txs[0].is_coinbase());
    // BIP34: the coinbase starts with a push of the height (413567 = 0x064f7f).
    EXPECT_EQ(hex_encode(ByteView(block->txs[0].vin[0].script_sig.bytes()).first(4)), "037f4f06");
    size_t valid = 0;
    for (const Transaction& tx : block->txs) {
        ValidationState state;
        if (check_transaction(tx, state)) ++valid;
    }
    EXPECT_EQ(valid, block->txs.size());

    // The header alone.
    const std::optional<BlockHeader> header = BlockHeader::decode(ByteView(raw).first(kBlockHeaderSize));
    ASSERT_TRUE(header);
    EXPECT_EQ(*header, block->header);

    // CVE-2012-2459 on a real block: 1557 is odd, so repeating the last transaction keeps
    // the root; the mutation must be detected.
    Block dup = *block;
    dup.txs.push_back(dup.txs.back());
    EXPECT_EQ(block_merkle_root(dup, &mutated), block->header.merkle_root);
    EXPECT_TRUE(mutated);
    // Repeating the last pair: with 1554 transactions the level above has 777 nodes (odd),
    // so appending the last two transactions again reproduces the root of the 1554.
    Block pair = *block;
    pair.txs.resize(1554);
    const uint256 root1554 = block_merkle_root(pair, &mutated);
    EXPECT_FALSE(mutated);
    EXPECT_NE(root1554, block->header.merkle_root);
    pair.txs.push_back(pair.txs[1552]);
    pair.txs.push_back(pair.txs[1553]);
    EXPECT_EQ(block_merkle_root(pair, &mutated), root1554);
    EXPECT_TRUE(mutated);

    // Truncations fail cleanly (sampled: every byte of the header region, then a stride).
    for (size_t n = 0; n < raw.size(); n += (n < 200 ? 1 : 9973)) {
        EXPECT_FALSE(Block::decode(ByteView(raw.data(), n))) << "prefix " << n;
    }
    EXPECT_FALSE(Block::decode(ByteView(raw.data(), raw.size() - 1)));
}

TEST(BlockVectors, GenesisMainnet) {
    MINICASH_REQUIRE_VECTORS(dir);
    const Bytes raw = test::read_binary(dir / "chain" / "genesis-mainnet.raw");
    ASSERT_EQ(raw.size(), 285u);
    std::string err;
    const std::optional<Block> block = Block::decode(raw, &err);
    ASSERT_TRUE(block) << err;
    EXPECT_EQ(block->hash().to_hex(), "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    EXPECT_EQ(block->header.merkle_root.to_hex(), "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
    EXPECT_TRUE(block->header.prev_block.is_null());
    EXPECT_EQ(block->header.time, 1231006505u);
    EXPECT_EQ(block->header.nonce, 2083236893u);
    EXPECT_EQ(block->header.bits, 0x1d00ffffu);
    ASSERT_EQ(block->txs.size(), 1u);
    EXPECT_EQ(block->txs[0].txid(), block->header.merkle_root);
    EXPECT_EQ(block_merkle_root(*block), block->header.merkle_root);
    EXPECT_EQ(block->txs[0].vout[0].value, 50 * kCoin);
    EXPECT_EQ(block->serialize(), raw);
}

TEST(BlockVectors, Mainnet1To255) {
    MINICASH_REQUIRE_VECTORS(dir);
    const Bytes raw = test::read_binary(dir / "chain" / "mainnet-1-255.blk");
    std::ifstream hashes(dir / "chain" / "mainnet-1-255.hashes.txt");
    ASSERT_TRUE(hashes) << "mainnet-1-255.hashes.txt";
    uint256 prev = *uint256::from_hex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    Reader r(raw);
    int height = 0;
    size_t txs = 0;
    while (!r.empty() && r.ok()) {
        ASSERT_EQ(hex_encode(r.view(4)), "f9beb4d9") << "record " << height + 1;
        const uint32_t len = r.u32();
        const ByteView body = r.view(len);
        ASSERT_TRUE(r.ok()) << r.error();
        ++height;
        std::string err;
        const std::optional<Block> block = Block::decode(body, &err);
        ASSERT_TRUE(block) << "height " << height << ": " << err;
        EXPECT_EQ(block->serialize(), Bytes(body.begin(), body.end()));
        EXPECT_EQ(block->header.prev_block, prev) << height;
        bool mutated = true;
        EXPECT_EQ(block_merkle_root(*block, &mutated), block->header.merkle_root) << height;
        EXPECT_FALSE(mutated);
        int h = 0;
        std::string expected;
        ASSERT_TRUE(hashes >> h >> expected);
        EXPECT_EQ(h, height);
        EXPECT_EQ(block->hash().to_hex(), expected) << height;
        prev = block->hash();
        txs += block->txs.size();
    }
    EXPECT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(height, 255);
    EXPECT_EQ(txs, 262u);
}
