// BIP158 basic block filters: Core's blockfilters.json (element sets, filters, header
// chain), decode round trips, matching, and malformed encodings.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/block_filter.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

Bytes unhex(std::string_view s) {
    std::optional<Bytes> b = hex_decode(s);
    if (!b) throw std::runtime_error("bad hex in test data: " + std::string(s));
    return *b;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

uint256 display_hash(const boost::json::value& v) {
    std::optional<uint256> h = uint256::from_hex(str(v));
    if (!h) throw std::runtime_error("bad hash in test data");
    return *h;
}

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
    Bytes b(n);
    for (uint8_t& x : b) x = uint8_t(rng());
    return b;
}

}  // namespace

TEST(BlockFilter, CoreVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::array rows = test::load_json(dir / "core" / "blockfilters.json").as_array();
    std::mt19937_64 rng(158);
    int checked = 0;
    for (const boost::json::value& rv : rows) {
        const boost::json::array& row = rv.as_array();
        if (row.size() < 7) continue;  // the header row
        const int64_t height = row[0].to_number<int64_t>();
        SCOPED_TRACE("height " + std::to_string(height));
        const uint256 hash = display_hash(row[1]);
        std::optional<Block> block = Block::decode(unhex(str(row[2])));
        ASSERT_TRUE(block);
        ASSERT_EQ(block->hash(), hash);
        std::vector<TxOut> spent;
        for (const boost::json::value& s : row[3].as_array()) {
            TxOut o;
            o.value = 0;
            o.script_pubkey = Script(unhex(str(s)));
            spent.push_back(o);
        }
        const uint256 prev_header = display_hash(row[4]);
        const Bytes expected_filter = unhex(str(row[5]));
        const uint256 expected_header = display_hash(row[6]);

        const std::vector<Bytes> elements = basic_filter_elements(*block, spent);
        const BasicBlockFilter built = BasicBlockFilter::build(hash, elements);
        EXPECT_EQ(hex_encode(built.encoded()), hex_encode(expected_filter));
        EXPECT_EQ(built.header(prev_header), expected_header);
        EXPECT_EQ(built.filter_hash(), sha256d(expected_filter));

        std::optional<BasicBlockFilter> decoded = BasicBlockFilter::decode(hash, expected_filter);
        ASSERT_TRUE(decoded);
        EXPECT_EQ(decoded->encoded(), expected_filter);
        EXPECT_EQ(decoded->element_count(), built.element_count());
        EXPECT_EQ(decoded->header(prev_header), expected_header);

        for (const Bytes& e : elements) {
            if (e.empty()) continue;
            EXPECT_TRUE(decoded->match(e)) << hex_encode(e);
            EXPECT_TRUE(decoded->match_any({random_bytes(rng, 25), e, random_bytes(rng, 22)}));
        }
        // Random non-members: false positives are about 1/M each, so a handful of
        // matches among 1000 would already be suspicious; none is expected.
        int false_positives = 0;
        std::vector<Bytes> queries;
        for (int i = 0; i < 1000; ++i) {
            Bytes q = random_bytes(rng, 20 + i % 20);
            if (decoded->match(q)) ++false_positives;
            queries.push_back(std::move(q));
        }
        EXPECT_LE(false_positives, 2);
        if (false_positives == 0) { EXPECT_FALSE(decoded->match_any(queries)); }
        ++checked;
    }
    EXPECT_EQ(checked, 10);
}

TEST(BlockFilter, ElementSetSkipsEmptyAndOpReturn) {
    Block block;
    Transaction coinbase;
    coinbase.vin.resize(1);
    TxOut pay{50, Script(Bytes{0x51})};
    TxOut op_return{0, Script(Bytes{OP_RETURN, 0x01, 0xaa})};
    TxOut empty{0, Script()};
    coinbase.vout = {pay, op_return, empty, pay};
    block.txs.push_back(coinbase);
    std::vector<TxOut> spent = {TxOut{1, Script()}, TxOut{1, Script(Bytes{0x52})}};
    std::vector<Bytes> e = basic_filter_elements(block, spent);
    ASSERT_EQ(e.size(), 3u);  // two copies of OP_1 and the spent OP_2
    BasicBlockFilter f = BasicBlockFilter::build(block.hash(), e);
    EXPECT_EQ(f.element_count(), 2u);  // duplicates dropped
    EXPECT_TRUE(f.match(Bytes{0x51}));
    EXPECT_TRUE(f.match(Bytes{0x52}));
}

TEST(BlockFilter, EmptyFilter) {
    uint256 hash = sha256(Bytes{1, 2, 3});
    BasicBlockFilter f = BasicBlockFilter::build(hash, {Bytes{}, Bytes{}});
    EXPECT_EQ(f.encoded(), Bytes{0x00});
    EXPECT_FALSE(f.match(Bytes{0x51}));
    EXPECT_FALSE(f.match_any({Bytes{0x51}}));
    EXPECT_FALSE(f.match_any({}));
    ASSERT_TRUE(BasicBlockFilter::decode(hash, Bytes{0x00}));
}

TEST(BlockFilter, MalformedEncodingsAreRejected) {
    uint256 hash = sha256(Bytes{9});
    std::vector<Bytes> elements;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 50; ++i) elements.push_back(random_bytes(rng, 22));
    const Bytes good = BasicBlockFilter::build(hash, elements).encoded();
    ASSERT_TRUE(BasicBlockFilter::decode(hash, good));

    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{}));  // no CompactSize
    for (size_t len = 1; len < good.size(); ++len)          // the last byte holds data bits too
        EXPECT_FALSE(BasicBlockFilter::decode(hash, ByteView(good).first(len))) << len;
    Bytes extra = good;
    extra.push_back(0);
    EXPECT_FALSE(BasicBlockFilter::decode(hash, extra));  // excess data
    // N far beyond what the bits could hold, including N >= 2^32.
    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{0xfd, 0xff, 0xff, 0x00}));
    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00}));
    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{0xff, 0, 0, 0, 0, 1, 0, 0, 0, 0xff}));
    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{0xfd, 0x01, 0x00}));  // non-canonical CompactSize
    // All-ones bits: the unary quotient never terminates.
    EXPECT_FALSE(BasicBlockFilter::decode(hash, Bytes{0x01, 0xff, 0xff, 0xff, 0xff}));
    // Random garbage never crashes.
    for (int i = 0; i < 2000; ++i) {
        Bytes junk = random_bytes(rng, rng() % 64);
        if (std::optional<BasicBlockFilter> f = BasicBlockFilter::decode(hash, junk)) {
            f->match(Bytes{1});
            EXPECT_EQ(f->encoded(), junk);
        }
    }
}
