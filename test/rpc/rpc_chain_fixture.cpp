#include "test/rpc/rpc_chain_fixture.h"

#include <stdexcept>

#include "common/address.h"
#include "common/taproot.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::test {

namespace json = boost::json;

void RpcChainTest::SetUpTestSuite() {
    chain_ = new TestChain("rpc-chain");
    chain_->mine_blocks(110);
    rpc_ = new RpcCaller(*chain_);
    next_height_ = 1;
    next_index_ = 0;
}

void RpcChainTest::TearDownTestSuite() {
    delete rpc_;
    rpc_ = nullptr;
    delete chain_;
    chain_ = nullptr;
}

Utxo RpcChainTest::next_coin() {
    if (next_index_ == 10) {
        next_index_ = 0;
        ++next_height_;
    }
    if (next_height_ + 100 > chain_->height()) throw std::runtime_error("no mature coin left");
    return chain_->coinbase_utxos(next_height_)[size_t(next_index_++)];
}

Utxo RpcChainTest::fund(const Script& script_pubkey, Amount value) {
    const Transaction tx = chain_->spend({next_coin()}, {TxOut{value, script_pubkey}});
    chain_->mine({tx});
    return Utxo{OutPoint{tx.txid(), 0}, tx.vout[0], -1};
}

Utxo RpcChainTest::fund_in_mempool(const Script& script_pubkey, Amount value) {
    const Utxo coin = next_coin();
    const Transaction tx = chain_->spend({coin}, {TxOut{value, script_pubkey}});
    const AcceptResult r = rpc_->mempool().accept(tx);
    if (!r.accepted) throw std::runtime_error("funding transaction refused: " + r.state.reason());
    return Utxo{OutPoint{tx.txid(), 0}, tx.vout[0], -1};
}

SecretKey RpcChainTest::key(const std::string& label) {
    const uint256 h = sha256(ByteView(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
    return SecretKey(std::span<const uint8_t, 32>(h.data(), 32));
}

std::string RpcChainTest::wif(const SecretKey& k) { return encode_wif(k.span(), true, chain_->params()); }

std::string RpcChainTest::hex(const Bytes& b) { return hex_encode(b); }

Script RpcChainTest::p2pkh(const Bytes& pubkey) {
    Script s;
    s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash160(pubkey)).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    return s;
}

Script RpcChainTest::p2wpkh(const Bytes& pubkey) {
    Script s;
    s.push_op(OP_0).push_data(hash160(pubkey));
    return s;
}

Script RpcChainTest::p2sh(const Script& redeem) {
    Script s;
    s.push_op(OP_HASH160).push_data(hash160(redeem.view())).push_op(OP_EQUAL);
    return s;
}

Script RpcChainTest::p2wsh(const Script& witness_script) {
    Script s;
    s.push_op(OP_0).push_data(sha256(witness_script.view()).view());
    return s;
}

Script RpcChainTest::p2tr_key_path(const SecretKey& k) {
    return TaprootBuilder().finalize(k.xonly_pubkey())->script_pubkey();
}

Script RpcChainTest::multisig(int required, const std::vector<Bytes>& pubkeys) {
    Script s;
    s.push_int(required);
    for (const Bytes& pk : pubkeys) s.push_data(pk);
    s.push_int(int64_t(pubkeys.size())).push_op(OP_CHECKMULTISIG);
    return s;
}

bool RpcChainTest::accepted(const std::string& hex) {
    const json::value r = rpc_->call("testmempoolaccept", json::array{json::array{json::value(hex)}});
    const json::object& o = r.as_array().at(0).as_object();
    if (!o.at("allowed").as_bool()) ADD_FAILURE() << "refused: " << rpc::write_json(r);
    return o.at("allowed").as_bool();
}

}  // namespace minicash::test
