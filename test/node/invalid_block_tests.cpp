// invalid.json: 25 blocks built on chain-a that each break one consensus rule. Each must
// be rejected with Bitcoin Core's reason while the tip stays at its parent.
#include <gtest/gtest.h>

#include <iostream>

#include "test/node/chain_test_util.h"
#include "test/util/vectors.h"
#include "util/hex.h"

namespace minicash::test {
namespace {

namespace json = boost::json;

TEST(InvalidBlocks, RejectedWithCoreReasons) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const json::value cases = load_json(vectors / "chain/regtest/invalid.json");
    const auto chain_a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    ASSERT_EQ(chain_a.size(), 450u);

    TempDir tmp("invalid");
    const ChainParams params = make_chain_params(Network::REGTEST);
    auto cs = open_chainstate(params, tmp.path());

    const auto feed_until = [&](int height) {
        while (cs->height() < height) {
            ValidationState state;
            const size_t i = size_t(cs->height());  // chain_a[i] is block i + 1
            if (!cs->process_block(chain_a[i], state)) {
                ADD_FAILURE() << "chain-a block " << i + 1 << " rejected: " << state.to_string();
                return false;
            }
        }
        return true;
    };

    int passed = 0, total = 0;
    for (const auto& c : cases.as_array()) {
        const std::string name(c.at("name").as_string());
        const std::string parent(c.at("parent").as_string());
        const std::string want_reason(c.at("reason").as_string());
        const int parent_height = c.at("parent_height").to_number<int>();
        ++total;
        ASSERT_LE(cs->height(), parent_height) << "cases must be sorted by parent height";
        ASSERT_TRUE(feed_until(parent_height));
        ASSERT_EQ(cs->tip()->hash.to_hex(), parent) << name << ": parent mismatch";

        auto bytes = hex_decode(std::string(c.at("block").as_string()));
        ASSERT_TRUE(bytes) << name;
        std::string decode_error;
        auto block = Block::decode(*bytes, &decode_error);
        if (!block) {
            ADD_FAILURE() << name << ": the block does not decode: " << decode_error;
            std::cout << "  [FAIL] " << name << ": does not decode (" << decode_error << ")\n";
            continue;
        }
        EXPECT_EQ(block->hash().to_hex(), std::string(c.at("block_hash").as_string())) << name;

        ValidationState state;
        const bool accepted = cs->process_block(*block, state);
        const bool tip_kept = cs->tip()->hash.to_hex() == parent;
        const bool ok = !accepted && state.reason() == want_reason && tip_kept;
        EXPECT_FALSE(accepted) << name << ": invalid block accepted";
        EXPECT_EQ(state.reason(), want_reason) << name << " (debug: " << state.debug() << ")";
        EXPECT_TRUE(tip_kept) << name << ": tip moved to " << cs->tip()->hash.to_hex();
        std::cout << "  [" << (ok ? "ok" : "FAIL") << "] " << name << " at " << parent_height << ": got '"
                  << state.reason() << "'" << (ok ? "" : ", want '" + want_reason + "'")
                  << (tip_kept ? "" : ", tip moved") << "\n";
        if (!tip_kept) {  // put the tip back so the remaining cases still mean something
            ValidationState undo;
            ASSERT_TRUE(cs->invalidate_block(block->hash(), undo)) << undo.to_string();
            ASSERT_EQ(cs->tip()->hash.to_hex(), parent) << "could not restore the tip after " << name;
        }

        if (name.find("merkle-mutation") != std::string::npos) {
            // Without the repeated transaction the block is valid and has the same hash:
            // the rejection must not have marked that hash invalid.
            Block dedup = *block;
            ASSERT_GE(dedup.txs.size(), 2u);
            ASSERT_EQ(dedup.txs.back(), dedup.txs[dedup.txs.size() - 2]) << "last transaction should be repeated";
            dedup.txs.pop_back();
            ValidationState vstate;
            const bool valid_ok = cs->process_block(dedup, vstate);
            EXPECT_TRUE(valid_ok) << "the valid block with the mutated block's hash: " << vstate.to_string();
            EXPECT_EQ(cs->tip()->hash, block->hash());
            std::cout << "  [" << (valid_ok ? "ok" : "FAIL") << "] the valid block with the same hash "
                      << block->hash().to_hex() << " is accepted afterwards\n";
            // Back to chain-a: its block at this height (equal work, first-seen loses)
            // and the next one (more work) reorganise onto it.
            ValidationState s1, s2;
            ASSERT_TRUE(cs->process_block(chain_a[size_t(parent_height)], s1)) << s1.to_string();
            ASSERT_TRUE(cs->process_block(chain_a[size_t(parent_height) + 1], s2)) << s2.to_string();
            ASSERT_EQ(cs->tip()->hash, chain_a[size_t(parent_height) + 1].hash());
            if (!valid_ok) continue;
        }
        if (ok) ++passed;
    }
    std::cout << "  invalid blocks: " << passed << " of " << total << " cases passed\n";
    EXPECT_EQ(total, 25);
    EXPECT_EQ(passed, total);

    // The whole of chain-a still connects after all the rejections.
    ASSERT_TRUE(feed_until(450));
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(expected.at("checks").as_array()[3]));
}

}  // namespace
}  // namespace minicash::test
