#include <gtest/gtest.h>

#include "consensus/params.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;

TEST(ChainParams, GenesisHashes) {
    const struct {
        Network net;
        const char* hash;
    } cases[] = {
        {Network::MAIN, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
        {Network::TESTNET4, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
        {Network::SIGNET, "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
        {Network::REGTEST, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
    };
    for (const auto& c : cases) {
        const ChainParams p = make_chain_params(c.net);
        EXPECT_EQ(p.consensus.genesis_hash.to_hex(), c.hash) << network_name(c.net);
    }
    EXPECT_EQ(make_chain_params(Network::MAIN).genesis.header.merkle_root.to_hex(),
              "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
    EXPECT_EQ(make_chain_params(Network::TESTNET4).genesis.header.merkle_root.to_hex(),
              "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e");
}

TEST(ChainParams, MagicAndNames) {
    // BIP325: the default signet's magic derives from its challenge.
    const ChainParams signet = make_chain_params(Network::SIGNET);
    EXPECT_EQ(hex_encode(signet.magic), "0a03cf40");
    EXPECT_EQ(hex_encode(make_chain_params(Network::REGTEST).magic), "fabfb5da");
    // A custom challenge changes the magic but not the genesis block.
    const ChainParams custom = make_chain_params(Network::SIGNET, Bytes{0x51});
    EXPECT_NE(custom.magic, signet.magic);
    EXPECT_EQ(custom.consensus.genesis_hash, signet.consensus.genesis_hash);
    for (Network n : {Network::MAIN, Network::TESTNET4, Network::SIGNET, Network::REGTEST})
        EXPECT_EQ(network_from_name(network_name(n)), n);
    EXPECT_FALSE(network_from_name("testnet3"));
}

TEST(ChainParams, MainnetGenesisMatchesVector) {
    MINICASH_REQUIRE_VECTORS(dir);
    EXPECT_EQ(make_chain_params(Network::MAIN).genesis.serialize(),
              test::read_binary(dir / "chain/genesis-mainnet.raw"));
}
