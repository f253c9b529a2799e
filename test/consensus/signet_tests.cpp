// BIP325 signet block solutions, checked with a challenge whose key the test holds.
#include <gtest/gtest.h>
#include <secp256k1.h>

#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "consensus/sighash.h"
#include "util/hash.h"

using namespace minicash;

namespace {

struct Signer {
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t secret[32];
    Bytes pubkey;
    Signer() {
        for (int i = 0; i < 32; ++i) secret[i] = uint8_t(i + 1);
        secp256k1_pubkey pk;
        EXPECT_TRUE(secp256k1_ec_pubkey_create(ctx, &pk, secret));
        pubkey.resize(33);
        size_t len = 33;
        secp256k1_ec_pubkey_serialize(ctx, pubkey.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    }
    ~Signer() { secp256k1_context_destroy(ctx); }
    Bytes sign(const uint256& hash) const {
        secp256k1_ecdsa_signature sig;
        EXPECT_TRUE(secp256k1_ecdsa_sign(ctx, &sig, hash.data(), secret, nullptr, nullptr));
        Bytes der(72);
        size_t len = der.size();
        secp256k1_ecdsa_signature_serialize_der(ctx, der.data(), &len, &sig);
        der.resize(len);
        der.push_back(SIGHASH_ALL);
        return der;
    }
};

constexpr uint8_t kSignetHeader[4] = {0xec, 0xc7, 0xda, 0xa2};

// Coinbase at height 1 with a witness commitment whose script ends in `signet_push`.
Block block_with_signet_push(const ChainParams& p, ByteView signet_push) {
    Transaction cb;
    cb.vin.resize(1);
    cb.vin[0].script_sig.push_int(1).push_int(0);
    cb.vin[0].witness = {Bytes(32, 0)};
    cb.vout.push_back(TxOut{50 * kCoin, Script(Bytes{OP_TRUE})});
    Block block;
    block.header.version = 0x20000000;
    block.header.prev_block = p.consensus.genesis_hash;
    block.header.time = p.genesis.header.time + 600;
    block.header.bits = p.genesis.header.bits;
    block.txs.push_back(cb);
    const uint256 commitment = witness_commitment(block_witness_merkle_root(block), Bytes(32, 0));
    Bytes commit{0xaa, 0x21, 0xa9, 0xed};
    append(commit, commitment.view());
    Script spk;
    spk.push_op(OP_RETURN).push_data(commit).push_data(signet_push);
    block.txs[0].vout.push_back(TxOut{0, spk});
    block.header.merkle_root = block_merkle_root(block);
    return block;
}

// Builds the BIP325 "to_sign" transaction for `block` (whose signet push holds only the
// header) and returns its legacy signature hash under `challenge`.
uint256 signet_sighash(const Block& block, const Script& challenge) {
    Bytes header_data;
    Writer w(header_data);
    w.i32(block.header.version);
    w.hash(block.header.prev_block);
    w.hash(block_merkle_root(block));  // the coinbase already has the solution cut off
    w.u32(block.header.time);
    Transaction to_spend;
    to_spend.version = 0;
    Script sig;
    sig.push_op(OP_0).push_data(header_data);
    to_spend.vin.push_back(TxIn{OutPoint{}, sig, 0, {}});
    to_spend.vout.push_back(TxOut{0, challenge});
    Transaction to_sign;
    to_sign.version = 0;
    to_sign.vin.push_back(TxIn{OutPoint{to_spend.txid(), 0}, Script(), 0, {}});
    to_sign.vout.push_back(TxOut{0, Script(Bytes{OP_RETURN})});
    return legacy_signature_hash(challenge, to_sign, 0, SIGHASH_ALL);
}

}  // namespace

TEST(Signet, SolutionSignedByChallengeKey) {
    const Signer signer;
    Script challenge;
    challenge.push_data(signer.pubkey).push_op(OP_CHECKSIG);
    const ChainParams p = make_chain_params(Network::SIGNET, challenge.bytes());

    const Block unsigned_block = block_with_signet_push(p, kSignetHeader);
    Script solution_sig;
    solution_sig.push_data(signer.sign(signet_sighash(unsigned_block, challenge)));
    Bytes push(kSignetHeader, kSignetHeader + 4);
    Writer w(push);
    w.var_bytes(solution_sig.view());
    w.compact_size(0);  // empty witness stack
    const Block signed_block = block_with_signet_push(p, push);
    EXPECT_TRUE(check_signet_block_solution(signed_block, p.consensus));

    // No solution, a solution for another block, or trailing bytes: all rejected.
    EXPECT_FALSE(check_signet_block_solution(unsigned_block, p.consensus));
    Block other = signed_block;
    other.header.time += 1;
    EXPECT_FALSE(check_signet_block_solution(other, p.consensus));
    Bytes trailing = push;
    trailing.push_back(0);
    EXPECT_FALSE(check_signet_block_solution(block_with_signet_push(p, trailing), p.consensus));
    // The default signet's challenge does not accept this key's solution.
    const ChainParams default_signet = make_chain_params(Network::SIGNET);
    EXPECT_FALSE(check_signet_block_solution(signed_block, default_signet.consensus));
}

TEST(Signet, TrivialChallengeNeedsNoSolutionAndGenesisIsValid) {
    const ChainParams trivial = make_chain_params(Network::SIGNET, Bytes{OP_TRUE});
    EXPECT_TRUE(check_signet_block_solution(block_with_signet_push(trivial, kSignetHeader), trivial.consensus));
    const ChainParams def = make_chain_params(Network::SIGNET);
    EXPECT_TRUE(check_signet_block_solution(def.genesis, def.consensus));
    // A block without a witness commitment has no place for a solution.
    Block bare = block_with_signet_push(trivial, kSignetHeader);
    bare.txs[0].vout.pop_back();
    EXPECT_FALSE(check_signet_block_solution(bare, trivial.consensus));
}
