#include "test/node/mempool_test_util.h"

#include <secp256k1.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "consensus/pow.h"
#include "consensus/sighash.h"
#include "node/block_index.h"
#include "util/hash.h"

namespace minicash::test {
namespace {

secp256k1_context* signing_ctx() {
    static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

// secp256k1's group order n, big-endian.
constexpr uint8_t kOrder[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

// s := n - s (big-endian 32 bytes).
void negate_scalar(uint8_t* s) {
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        int v = int(kOrder[i]) - int(s[i]) - borrow;
        borrow = v < 0 ? 1 : 0;
        s[i] = uint8_t(v + (borrow ? 256 : 0));
    }
}

}  // namespace

TestKey make_test_key(const std::string& label) {
    TestKey k;
    k.secret = sha256(ByteView(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
    if (!secp256k1_ec_seckey_verify(signing_ctx(), k.secret.data())) throw std::runtime_error("bad test key");
    secp256k1_pubkey pub;
    if (!secp256k1_ec_pubkey_create(signing_ctx(), &pub, k.secret.data())) throw std::runtime_error("pubkey_create");
    k.pubkey.resize(33);
    size_t len = 33;
    secp256k1_ec_pubkey_serialize(signing_ctx(), k.pubkey.data(), &len, &pub, SECP256K1_EC_COMPRESSED);
    const Hash160 h = hash160(k.pubkey);
    k.p2wpkh.push_op(OP_0).push_data(h);
    k.script_code.push_op(OP_DUP).push_op(OP_HASH160).push_data(h).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    return k;
}

Bytes sign_hash(const TestKey& key, const uint256& hash, uint8_t hash_type, bool high_s) {
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ecdsa_sign(signing_ctx(), &sig, hash.data(), key.secret.data(), nullptr, nullptr))
        throw std::runtime_error("ecdsa_sign");
    if (high_s) {
        uint8_t compact[64];
        secp256k1_ecdsa_signature_serialize_compact(signing_ctx(), compact, &sig);
        negate_scalar(compact + 32);
        if (!secp256k1_ecdsa_signature_parse_compact(signing_ctx(), &sig, compact))
            throw std::runtime_error("parse_compact");
    }
    Bytes der(72);
    size_t len = der.size();
    secp256k1_ecdsa_signature_serialize_der(signing_ctx(), der.data(), &len, &sig);
    der.resize(len);
    der.push_back(hash_type);
    return der;
}

TestChain::TestChain(const std::string& tag, int64_t start_time, std::function<void(ChainstateOptions&)> configure)
    : params_(make_chain_params(Network::REGTEST)),
      dir_("mempool-" + tag),
      clock_(std::make_shared<std::atomic<int64_t>>(start_time)),
      configure_(std::move(configure)) {
    std::string error;
    if (!reopen(&error)) throw std::runtime_error("cannot open chain state: " + error);
    for (int i = 0; i < 8; ++i) keys.push_back(make_test_key("minicash mempool test key " + std::to_string(i)));
}

bool TestChain::reopen(std::string* error) {
    chain_.reset();
    ChainstateOptions o;
    o.datadir = dir_.path();
    o.dbcache_bytes = size_t(16) << 20;
    o.script_threads = 1;
    o.signature_cache_bytes = size_t(1) << 20;
    auto clock = clock_;
    o.clock = [clock] { return clock->load(); };
    if (configure_) configure_(o);
    chain_ = Chainstate::open(params_, o, error);
    return chain_ != nullptr;
}

TestChain::~TestChain() {
    chain_.reset();  // closed before dir_ removes the directory
}

Block build_test_block(const ChainParams& params, const std::vector<TestKey>& keys, const BlockLocation& at,
                       const std::vector<Transaction>& txs, int coinbase_outputs, int tag, Amount extra_subsidy) {
    Block block;
    Transaction cb;
    cb.version = 2;
    TxIn in;
    in.script_sig.push_int(at.height).push_int(tag);
    in.witness = {Bytes(32, 0)};
    cb.vin.push_back(in);
    const Amount subsidy = block_subsidy(at.height, params.consensus) + extra_subsidy;
    for (int o = 0; o < coinbase_outputs; ++o) {
        const Amount v =
            o == 0 ? subsidy - subsidy / coinbase_outputs * (coinbase_outputs - 1) : subsidy / coinbase_outputs;
        cb.vout.push_back(TxOut{v, keys[size_t(o) % keys.size()].p2wpkh});
    }
    block.txs.push_back(cb);
    for (const Transaction& tx : txs) block.txs.push_back(tx);
    const uint256 commitment = witness_commitment(block_witness_merkle_root(block), Bytes(32, 0));
    Bytes payload{0xaa, 0x21, 0xa9, 0xed};
    append(payload, commitment.view());
    Script commit;
    commit.push_op(OP_RETURN).push_data(payload);
    block.txs[0].vout.push_back(TxOut{0, commit});

    block.header.version = 0x20000000;
    block.header.prev_block = at.prev;
    block.header.merkle_root = block_merkle_root(block);
    block.header.time = at.time;
    block.header.bits = at.bits;
    while (!check_proof_of_work(block.header.hash(), block.header.bits, params.consensus)) ++block.header.nonce;
    return block;
}

namespace {

// A valid block on `tip`: BIP34 height (and `tag`) in the coinbase, witness commitment,
// proof of work.
Block build_block(TestChain& tc, const BlockIndex* tip, const std::vector<Transaction>& txs, int coinbase_outputs,
                  int tag) {
    BlockLocation at;
    at.prev = tip->hash;
    at.height = tip->height + 1;
    at.time = uint32_t(std::max<int64_t>(tip->median_time_past() + 1, tc.now()));
    at.bits = next_work_required(IndexAncestorView(tip), at.time, tc.params().consensus);
    return build_test_block(tc.params(), tc.keys, at, txs, coinbase_outputs, tag);
}

}  // namespace

Block TestChain::mine(const std::vector<Transaction>& txs, int coinbase_outputs) {
    const Block block = build_block(*this, chain_->tip(), txs, coinbase_outputs, ++blocks_mined_);
    ValidationState state;
    if (!chain_->process_block(block, state) || chain_->tip()->hash != block.hash())
        throw std::runtime_error("block rejected: " + state.to_string());
    return block;
}

Block TestChain::mine_on(const BlockIndex* parent, const std::vector<Transaction>& txs, int tag) {
    const Block block = build_block(*this, parent, txs, 10, tag);
    ValidationState state;
    if (!chain_->process_block(block, state)) throw std::runtime_error("block rejected: " + state.to_string());
    return block;
}

void TestChain::mine_blocks(int n, int coinbase_outputs) {
    for (int i = 0; i < n; ++i) mine({}, coinbase_outputs);
}

std::vector<Utxo> TestChain::coinbase_utxos(int height) {
    const BlockIndex* b = chain_->at_height(height);
    auto block = chain_->read_block(b);
    if (!block) throw std::runtime_error("cannot read block");
    return outputs_of(block->txs[0]);
}

std::vector<Utxo> TestChain::outputs_of(const Transaction& tx) const {
    std::vector<Utxo> out;
    const uint256 txid = tx.txid();
    for (uint32_t o = 0; o < tx.vout.size(); ++o) {
        if (tx.vout[o].script_pubkey.is_unspendable()) continue;
        int key = -1;
        for (size_t k = 0; k < keys.size(); ++k)
            if (keys[k].p2wpkh == tx.vout[o].script_pubkey) key = int(k);
        out.push_back(Utxo{OutPoint{txid, o}, tx.vout[o], key});
    }
    return out;
}

Transaction TestChain::spend(const std::vector<Utxo>& inputs, const std::vector<TxOut>& outputs,
                             const SpendOptions& options) const {
    Transaction tx;
    tx.version = options.version;
    tx.locktime = options.locktime;
    std::vector<TxOut> spent;
    for (const Utxo& u : inputs) {
        TxIn in;
        in.prevout = u.outpoint;
        in.sequence = options.sequence;
        tx.vin.push_back(in);
        spent.push_back(u.out);
    }
    tx.vout = outputs;
    const PrecomputedTxData cache(tx, spent, true);
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].key < 0) continue;  // not ours: the caller fills the witness
        const TestKey& k = keys[size_t(inputs[i].key)];
        uint256 h = witness_v0_signature_hash(k.script_code, tx, unsigned(i), 1, inputs[i].out.value, &cache);
        if (options.wrong_hash) h = sha256(h.view());
        tx.vin[i].witness = {sign_hash(k, h, 1, options.high_s), k.pubkey};
    }
    return tx;
}

Transaction TestChain::spend1(const Utxo& input, Amount fee, int key, const SpendOptions& options) const {
    return spend({input}, {TxOut{input.out.value - fee, keys[size_t(key)].p2wpkh}}, options);
}

}  // namespace minicash::test
