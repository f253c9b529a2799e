// A regtest chain for mempool tests and benchmarks: a temporary data directory with a
// Chainstate on a settable clock, deterministic P2WPKH keys signed through libsecp256k1,
// and a miner that builds valid blocks (BIP34 height, witness commitment, proof of work)
// from given transactions.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "consensus/tx_verify.h"
#include "node/chainstate.h"
#include "test/util/temp_dir.h"

namespace minicash::test {

struct TestKey {
    uint256 secret;
    Bytes pubkey;        // compressed
    Script p2wpkh;       // OP_0 <hash160(pubkey)>
    Script script_code;  // BIP143 script code for P2WPKH
};

// A key derived from `label` (SHA256 of it).
TestKey make_test_key(const std::string& label);

// DER signature (with the hash type byte) of `hash`; `high_s` flips S to the upper half
// (valid for consensus, non-standard).
Bytes sign_hash(const TestKey& key, const uint256& hash, uint8_t hash_type = 1, bool high_s = false);

// An output we can spend.
struct Utxo {
    OutPoint outpoint;
    TxOut out;
    int key = 0;  // index into TestChain::keys (P2WPKH outputs only)
};

struct SpendOptions {
    int32_t version = 2;
    uint32_t locktime = 0;
    uint32_t sequence = 0xfffffffd;
    bool high_s = false;      // sign with a high-S signature
    bool wrong_hash = false;  // sign something else (invalid signature)
};

// Where a block goes: its parent, height, timestamp and nBits.
struct BlockLocation {
    uint256 prev;
    int height = 0;
    uint32_t time = 0;
    uint32_t bits = 0;
};

// A block at `at` with these transactions after the coinbase, valid when they are: BIP34
// height and `tag` in the coinbase, which pays the subsidy plus `extra_subsidy` (non-zero
// makes it pay too much) in `coinbase_outputs` P2WPKH outputs to keys[0..], witness
// commitment, proof of work. Needs no chain state.
Block build_test_block(const ChainParams& params, const std::vector<TestKey>& keys, const BlockLocation& at,
                       const std::vector<Transaction>& txs, int coinbase_outputs = 10, int tag = 0,
                       Amount extra_subsidy = 0);

class TestChain {
public:
    // Opens a fresh regtest chain state in a unique temporary directory. The clock starts
    // at `start_time` and only moves when set.
    // `configure`, when given, adjusts the chain state's options (also on reopen()).
    explicit TestChain(const std::string& tag, int64_t start_time = 1700000000,
                       std::function<void(ChainstateOptions&)> configure = {});
    ~TestChain();  // closes the chain state and removes the directory
    TestChain(const TestChain&) = delete;
    TestChain& operator=(const TestChain&) = delete;

    Chainstate& chain() { return *chain_; }
    // Closes the chain state and opens it again on the same directory; false with `error`
    // when the open fails (chain() is then unusable until a reopen succeeds).
    bool reopen(std::string* error = nullptr);
    const ChainParams& params() const { return params_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    int height() { return chain_->height(); }

    int64_t now() const { return clock_->load(); }
    void set_now(int64_t t) { clock_->store(t); }
    void advance(int64_t seconds) { clock_->fetch_add(seconds); }

    std::vector<TestKey> keys;

    // Mines a block on the tip with these transactions (in order) after the coinbase. The
    // coinbase pays the subsidy (fees are not claimed) in `coinbase_outputs` equal P2WPKH
    // outputs to keys[0..]. Fails the test (throws) if the block is rejected.
    Block mine(const std::vector<Transaction>& txs = {}, int coinbase_outputs = 10);
    // The same on another block (a fork); the chain state switches to it when it has more
    // work. `tag` (negative) makes the coinbase differ from a sibling's.
    Block mine_on(const BlockIndex* parent, const std::vector<Transaction>& txs, int tag);
    // Mines `n` blocks without transactions.
    void mine_blocks(int n, int coinbase_outputs = 10);

    // Coinbase outputs of the block at `height` (as Utxos).
    std::vector<Utxo> coinbase_utxos(int height);
    // Outputs of `tx` as Utxos (key found by script; -1 when not ours).
    std::vector<Utxo> outputs_of(const Transaction& tx) const;

    // A signed transaction spending `inputs` (P2WPKH of our keys) to `outputs`.
    Transaction spend(const std::vector<Utxo>& inputs, const std::vector<TxOut>& outputs,
                      const SpendOptions& options = {}) const;
    // One input to one P2WPKH output of keys[key], paying `fee`.
    Transaction spend1(const Utxo& input, Amount fee, int key = 1, const SpendOptions& options = {}) const;

private:
    ChainParams params_;
    TempDir dir_;
    std::shared_ptr<std::atomic<int64_t>> clock_;
    std::function<void(ChainstateOptions&)> configure_;
    std::unique_ptr<Chainstate> chain_;
    int blocks_mined_ = 0;  // in every coinbase, so no two blocks are the same
};

}  // namespace minicash::test
