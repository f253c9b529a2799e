// gen_chain: writes a regtest chain for import benchmarks as a Core-style blk file.
//
//   gen_chain --out FILE [--blocks N] [--inputs-per-block M] [--seed S]
//
// Blocks 1..100 only mine coinbases (20 outputs each, alternately P2WPKH and P2TR);
// from block 101 on every block also holds about M inputs in 2-input, 2-output
// transactions spending random mature outputs: P2WPKH inputs signed with ECDSA
// (BIP143 sighash), P2TR key-path inputs signed with BIP340 Schnorr under the BIP341
// tweaked key (BIP341 sighash, SIGHASH_DEFAULT). Signing uses libsecp256k1 directly;
// sighashes come from consensus/sighash.h. Proof of work is ground until
// check_proof_of_work() accepts (regtest: about two tries).
//
// Output is deterministic for given arguments. Prints one summary line:
//   blocks=... transactions=... inputs=... p2wpkh_inputs=... p2tr_inputs=... bytes=...

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "consensus/interpreter.h"
#include "consensus/merkle.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/sighash.h"
#include "util/hash.h"

using namespace minicash;

namespace {

constexpr int kKeys = 64;
constexpr int kCoinbaseOutputs = 20;
constexpr Amount kFee = 1000;
constexpr uint8_t kSighashAll = 1;

struct Key {
    uint256 secret;
    Bytes pubkey;  // compressed, for P2WPKH
    Script p2wpkh;
    Script p2pkh_code;          // BIP143 script code of the P2WPKH output
    secp256k1_keypair tweaked;  // BIP341 key-path signing key
    Script p2tr;
};

struct Utxo {
    OutPoint outpoint;
    Amount value;
    int key;
    bool taproot;
    int mature_at;  // first height that may spend it
};

secp256k1_context* ctx() {
    static secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return c;
}

Key make_key(int i) {
    Key k;
    const std::string label = "minicash gen_chain key " + std::to_string(i);
    k.secret = sha256(ByteView(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
    if (!secp256k1_ec_seckey_verify(ctx(), k.secret.data())) throw std::runtime_error("bad secret key");
    secp256k1_pubkey pub;
    if (!secp256k1_ec_pubkey_create(ctx(), &pub, k.secret.data())) throw std::runtime_error("pubkey_create");
    k.pubkey.resize(33);
    size_t len = 33;
    secp256k1_ec_pubkey_serialize(ctx(), k.pubkey.data(), &len, &pub, SECP256K1_EC_COMPRESSED);
    const Hash160 h = hash160(k.pubkey);
    k.p2wpkh.push_op(OP_0).push_data(h);
    k.p2pkh_code.push_op(OP_DUP).push_op(OP_HASH160).push_data(h).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);

    // Key path only: tweak = TaggedHash("TapTweak", internal x-only key).
    if (!secp256k1_keypair_create(ctx(), &k.tweaked, k.secret.data())) throw std::runtime_error("keypair_create");
    secp256k1_xonly_pubkey internal;
    if (!secp256k1_keypair_xonly_pub(ctx(), &internal, nullptr, &k.tweaked)) throw std::runtime_error("xonly_pub");
    uint8_t internal_bytes[32];
    secp256k1_xonly_pubkey_serialize(ctx(), internal_bytes, &internal);
    const uint256 tweak = tagged_hash("TapTweak", ByteView(internal_bytes, 32));
    if (!secp256k1_keypair_xonly_tweak_add(ctx(), &k.tweaked, tweak.data())) throw std::runtime_error("tweak_add");
    secp256k1_xonly_pubkey output;
    if (!secp256k1_keypair_xonly_pub(ctx(), &output, nullptr, &k.tweaked)) throw std::runtime_error("xonly_pub");
    uint8_t output_bytes[32];
    secp256k1_xonly_pubkey_serialize(ctx(), output_bytes, &output);
    k.p2tr.push_op(OP_1).push_data(ByteView(output_bytes, 32));
    return k;
}

Bytes sign_ecdsa(const Key& k, const uint256& hash) {
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ecdsa_sign(ctx(), &sig, hash.data(), k.secret.data(), nullptr, nullptr))
        throw std::runtime_error("ecdsa_sign");
    Bytes der(72);
    size_t len = der.size();
    secp256k1_ecdsa_signature_serialize_der(ctx(), der.data(), &len, &sig);
    der.resize(len);
    der.push_back(kSighashAll);
    return der;
}

Bytes sign_schnorr(const Key& k, const uint256& msg) {
    Bytes sig(64);
    if (!secp256k1_schnorrsig_sign32(ctx(), sig.data(), msg.data(), &k.tweaked, nullptr))
        throw std::runtime_error("schnorrsig_sign32");
    return sig;
}

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "gen_chain: " << why
              << "\nusage: gen_chain --out FILE [--blocks N] [--inputs-per-block M] [--seed S]\n";
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path;
    int blocks = 2000;
    int inputs_per_block = 100;
    uint64_t seed = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        try {
            if (a == "--out") out_path = value();
            else if (a == "--blocks") blocks = std::stoi(value());
            else if (a == "--inputs-per-block") inputs_per_block = std::stoi(value());
            else if (a == "--seed") seed = std::stoull(value());
            else usage("unknown argument " + a);
        } catch (const std::logic_error&) { usage("bad number for " + a); }
    }
    if (out_path.empty()) usage("--out is required");
    if (blocks < 101 || inputs_per_block < 2) usage("need --blocks >= 101 and --inputs-per-block >= 2");

    const ChainParams params = make_chain_params(Network::REGTEST);
    std::vector<Key> keys;
    for (int i = 0; i < kKeys; ++i) keys.push_back(make_key(i));

    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) usage("cannot write " + out_path);

    std::mt19937_64 rng(seed);
    std::vector<Utxo> utxos;  // unspent, mature or not
    uint256 prev = params.genesis.hash();
    uint32_t time = params.genesis.header.time;
    uint64_t n_txs = 0, n_inputs = 0, n_wpkh = 0, n_tr = 0, n_bytes = 0;
    int out_counter = 0;

    for (int height = 1; height <= blocks; ++height) {
        Block block;
        // Spends: random mature outputs, two per transaction.
        std::vector<Transaction> spends;
        Amount fees = 0;
        for (int t = 0; t < inputs_per_block / 2; ++t) {
            Transaction tx;
            tx.version = 2;
            std::vector<Utxo> used;
            for (int j = 0; j < 2; ++j) {
                // A few tries to find a mature coin; young chains may have too few.
                for (int attempt = 0; attempt < 8 && !utxos.empty(); ++attempt) {
                    const size_t pick = size_t(rng() % utxos.size());
                    if (utxos[pick].mature_at > height) continue;
                    used.push_back(utxos[pick]);
                    utxos[pick] = utxos.back();
                    utxos.pop_back();
                    break;
                }
            }
            if (used.empty()) break;
            Amount in_total = 0;
            for (const Utxo& u : used) in_total += u.value;
            if (in_total < 2 * kFee) {  // dust (long chains with tiny subsidies): leave it
                utxos.insert(utxos.end(), used.begin(), used.end());
                continue;
            }
            std::vector<TxOut> spent;
            for (const Utxo& u : used) {
                TxIn in;
                in.prevout = u.outpoint;
                in.sequence = 0xfffffffe;
                tx.vin.push_back(in);
                spent.push_back(TxOut{u.value, u.taproot ? keys[size_t(u.key)].p2tr : keys[size_t(u.key)].p2wpkh});
            }
            const Amount available = in_total - kFee;
            const int outputs = available >= 20000 ? 2 : 1;
            for (int o = 0; o < outputs; ++o) {
                const int key = out_counter++ % kKeys;
                const bool taproot = (out_counter % 2) == 0;
                const Amount v = o == 0 ? available / outputs : available - available / outputs * (outputs - 1);
                tx.vout.push_back(TxOut{v, taproot ? keys[size_t(key)].p2tr : keys[size_t(key)].p2wpkh});
            }
            const PrecomputedTxData cache(tx, spent, true);
            for (size_t j = 0; j < used.size(); ++j) {
                const Key& k = keys[size_t(used[j].key)];
                if (used[j].taproot) {
                    ScriptExecutionData exec;
                    exec.annex_init = true;
                    exec.annex_present = false;
                    const auto msg = taproot_signature_hash(exec, tx, unsigned(j), 0, SigVersion::TAPROOT, cache);
                    if (!msg) throw std::runtime_error("taproot sighash failed");
                    tx.vin[j].witness = {sign_schnorr(k, *msg)};
                    ++n_tr;
                } else {
                    const uint256 h =
                        witness_v0_signature_hash(k.p2pkh_code, tx, unsigned(j), kSighashAll, used[j].value, &cache);
                    tx.vin[j].witness = {sign_ecdsa(k, h), k.pubkey};
                    ++n_wpkh;
                }
            }
            n_inputs += used.size();
            fees += kFee;
            spends.push_back(std::move(tx));
        }

        // Coinbase: BIP34 height, outputs to our keys, witness commitment.
        Transaction cb;
        cb.version = 2;
        TxIn cbin;
        cbin.script_sig.push_int(height).push_op(OP_0);
        cbin.witness = {Bytes(32, 0)};
        cb.vin.push_back(cbin);
        const Amount reward = block_subsidy(height, params.consensus) + fees;
        for (int o = 0; o < kCoinbaseOutputs; ++o) {
            const int key = out_counter++ % kKeys;
            const Amount v =
                o == 0 ? reward - reward / kCoinbaseOutputs * (kCoinbaseOutputs - 1) : reward / kCoinbaseOutputs;
            cb.vout.push_back(TxOut{v, (o % 2) ? keys[size_t(key)].p2tr : keys[size_t(key)].p2wpkh});
        }
        block.txs.push_back(cb);
        for (auto& tx : spends) block.txs.push_back(std::move(tx));
        const uint256 commitment = witness_commitment(block_witness_merkle_root(block), Bytes(32, 0));
        Script commit_script;
        Bytes commit_payload{0xaa, 0x21, 0xa9, 0xed};
        append(commit_payload, commitment.view());
        commit_script.push_op(OP_RETURN).push_data(commit_payload);
        block.txs[0].vout.push_back(TxOut{0, commit_script});

        // New outputs enter the pool (coinbase ones mature after 100 blocks).
        for (size_t t = 0; t < block.txs.size(); ++t) {
            const Transaction& tx = block.txs[t];
            const uint256 txid = tx.txid();
            for (uint32_t o = 0; o < tx.vout.size(); ++o) {
                const Script& spk = tx.vout[o].script_pubkey;
                if (spk.is_unspendable()) continue;
                int key = -1;
                bool taproot = false;
                for (int k = 0; k < kKeys && key < 0; ++k) {
                    if (spk == keys[size_t(k)].p2wpkh) key = k;
                    else if (spk == keys[size_t(k)].p2tr) key = k, taproot = true;
                }
                utxos.push_back(
                    Utxo{OutPoint{txid, o}, tx.vout[o].value, key, taproot, t == 0 ? height + 100 : height + 1});
            }
        }

        time += 600;
        block.header.version = 0x20000000;
        block.header.prev_block = prev;
        block.header.merkle_root = block_merkle_root(block);
        block.header.time = time;
        block.header.bits = params.genesis.header.bits;
        block.header.nonce = 0;
        while (!check_proof_of_work(block.header.hash(), block.header.bits, params.consensus)) ++block.header.nonce;
        prev = block.hash();

        const Bytes payload = block.serialize();
        Bytes record;
        append_blk_record(record, params.magic, payload);
        out.write(reinterpret_cast<const char*>(record.data()), std::streamsize(record.size()));
        n_txs += block.txs.size();
        n_bytes += 8 + payload.size();
    }
    out.close();
    if (!out) usage("error writing " + out_path);
    std::cout << "blocks=" << blocks << " transactions=" << n_txs << " inputs=" << n_inputs
              << " p2wpkh_inputs=" << n_wpkh << " p2tr_inputs=" << n_tr << " bytes=" << n_bytes
              << " tip=" << prev.to_hex() << "\n";
    return 0;
}
