// A regtest chain shared by the tests of one suite (node/'s TestChain, 110 blocks whose
// coinbases pay ten P2WPKH outputs each) with the RPC table over it, and helpers to fund
// any output script and to turn test keys into WIF strings and scripts.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/key.h"
#include "consensus/script.h"
#include "test/rpc/rpc_test_util.h"

namespace minicash::test {

class RpcChainTest : public ::testing::Test {
protected:
    static void SetUpTestSuite();
    static void TearDownTestSuite();

    static TestChain& chain() { return *chain_; }
    static RpcCaller& rpc() { return *rpc_; }

    // A mature coinbase output (5 BTC, P2WPKH of a chain key) nobody spent yet.
    static Utxo next_coin();
    // Pays `value` to `script_pubkey` in a mined transaction; returns that output.
    static Utxo fund(const Script& script_pubkey, Amount value);
    // The same, but the paying transaction stays in the mempool.
    static Utxo fund_in_mempool(const Script& script_pubkey, Amount value);

    // A key of its own (not one of the chain's), by label.
    static SecretKey key(const std::string& label);
    static std::string wif(const SecretKey& k);
    static std::string hex(const Bytes& b);

    static Script p2pkh(const Bytes& pubkey);
    static Script p2wpkh(const Bytes& pubkey);
    static Script p2sh(const Script& redeem);
    static Script p2wsh(const Script& witness_script);
    static Script p2tr_key_path(const SecretKey& k);  // BIP86: tweaked with no script tree
    static Script multisig(int required, const std::vector<Bytes>& pubkeys);

    // "allowed" of testmempoolaccept for `hex`.
    static bool accepted(const std::string& hex);

private:
    static inline TestChain* chain_ = nullptr;
    static inline RpcCaller* rpc_ = nullptr;
    static inline int next_height_ = 1, next_index_ = 0;
};

}  // namespace minicash::test
