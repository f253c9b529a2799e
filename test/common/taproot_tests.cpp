// Taproot output construction (common/taproot.h) against the scriptPubKey section of
// Bitcoin Core's bip341_wallet_vectors.json: leaf hashes, merkle root, tweak, output
// key, address and control blocks.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "common/address.h"
#include "common/taproot.h"
#include "consensus/interpreter.h"
#include "consensus/pubkey.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;

namespace {

struct FlatLeaf {
    int id;
    int depth;
    Script script;
    uint8_t version;
};

// The JSON tree is a leaf object or a two-element array (branch); flatten depth-first.
void flatten(const boost::json::value& v, int depth, std::vector<FlatLeaf>& out) {
    if (v.is_array()) {
        for (const boost::json::value& c : v.as_array()) flatten(c, depth + 1, out);
        return;
    }
    const boost::json::object& o = v.as_object();
    out.push_back({static_cast<int>(o.at("id").to_number<int64_t>()), depth,
                   Script(*hex_decode(std::string(o.at("script").as_string()))),
                   static_cast<uint8_t>(o.at("leafVersion").to_number<int64_t>())});
}

}  // namespace

TEST(Taproot, Bip341ScriptPubKeyVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "bip341_wallet_vectors.json");
    const ChainParams main = make_chain_params(Network::MAIN);
    int cases = 0, control_blocks = 0;
    for (const boost::json::value& c : doc.at("scriptPubKey").as_array()) {
        const boost::json::object& given = c.at("given").as_object();
        const boost::json::object& inter = c.at("intermediary").as_object();
        const boost::json::object& expected = c.at("expected").as_object();
        XOnlyPubkey ik{};
        const Bytes ikb = *hex_decode(std::string(given.at("internalPubkey").as_string()));
        std::copy(ikb.begin(), ikb.end(), ik.begin());

        std::vector<FlatLeaf> leaves;
        if (!given.at("scriptTree").is_null()) flatten(given.at("scriptTree"), 0, leaves);
        TaprootBuilder b;
        for (const FlatLeaf& l : leaves) b.add_leaf(l.depth, l.script, l.version);
        std::string err;
        const std::optional<TaprootSpendData> data = b.finalize(ik, &err);
        ASSERT_TRUE(data) << err;

        if (inter.at("merkleRoot").is_null()) {
            EXPECT_FALSE(data->merkle_root);
        } else {
            ASSERT_TRUE(data->merkle_root);
            EXPECT_EQ(hex_encode(data->merkle_root->view()), std::string(inter.at("merkleRoot").as_string()));
        }
        EXPECT_EQ(hex_encode(taproot_tweak(ik, data->merkle_root).view()), std::string(inter.at("tweak").as_string()));
        EXPECT_EQ(hex_encode(data->output_key), std::string(inter.at("tweakedPubkey").as_string()));
        EXPECT_EQ(hex_encode(data->script_pubkey().bytes()), std::string(expected.at("scriptPubKey").as_string()));
        EXPECT_EQ(encode_address(data->script_pubkey(), main), std::string(expected.at("bip350Address").as_string()));
        if (expected.contains("scriptPathControlBlocks")) {
            const boost::json::array& cbs = expected.at("scriptPathControlBlocks").as_array();
            const boost::json::array& lhs = inter.at("leafHashes").as_array();
            ASSERT_EQ(leaves.size(), data->leaves.size());
            for (size_t i = 0; i < leaves.size(); ++i) {
                const int id = leaves[i].id;
                EXPECT_EQ(hex_encode(data->leaves[i].control_block), std::string(cbs[id].as_string()));
                EXPECT_EQ(hex_encode(data->leaves[i].leaf_hash.view()), std::string(lhs[id].as_string()));
                // The control block proves the leaf against the output key.
                EXPECT_EQ(taproot_merkle_root(data->leaves[i].control_block, data->leaves[i].leaf_hash),
                          *data->merkle_root);
                ++control_blocks;
            }
        }
        EXPECT_TRUE(
            check_taproot_tweak(ik, data->output_key, data->output_parity, taproot_tweak(ik, data->merkle_root)));
        ++cases;
    }
    std::cout << "bip341_wallet_vectors.json scriptPubKey: " << cases << " cases, " << control_blocks
              << " control blocks\n";
    EXPECT_EQ(cases, 7);
}
