// BIP325 signet block solutions.
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "consensus/signature_checker.h"

namespace minicash {
namespace {

constexpr uint8_t kSignetHeader[4] = {0xec, 0xc7, 0xda, 0xa2};

// Finds the first push in the commitment script that starts with the signet header and
// carries more bytes; moves those bytes to `solution` and rewrites the script with the
// push cut down to the header. Returns false (script untouched) when there is none.
bool take_signet_solution(Script& commitment, Bytes& solution) {
    Script rewritten;
    bool found = false;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    while (commitment.get_op(pc, op, &push)) {
        if (push.empty()) {
            rewritten.push_op(op);
            continue;
        }
        if (!found && push.size() > sizeof kSignetHeader &&
            std::equal(kSignetHeader, kSignetHeader + 4, push.begin())) {
            solution.assign(push.begin() + 4, push.end());
            push = push.first(4);
            found = true;
        }
        rewritten.push_data(push);
    }
    if (found) commitment = std::move(rewritten);
    return found;
}

}  // namespace

bool check_signet_block_solution(const Block& block, const ConsensusParams& params) {
    if (block.hash() == params.genesis_hash) return true;
    if (block.txs.empty()) return false;
    const auto commit_pos = witness_commitment_index(block);
    if (!commit_pos) return false;

    // The transaction that "spends" the challenge, signed over the block minus the solution.
    Transaction to_sign;
    to_sign.version = 0;
    to_sign.locktime = 0;
    to_sign.vin.push_back(TxIn{OutPoint{}, Script(), 0, {}});
    to_sign.vout.push_back(TxOut{0, Script(Bytes{OP_RETURN})});

    Transaction coinbase = block.txs[0];
    Bytes solution;
    if (take_signet_solution(coinbase.vout[*commit_pos].script_pubkey, solution)) {
        Reader r(solution);
        to_sign.vin[0].script_sig = Script(r.var_bytes());
        const uint64_t n = r.count(1);
        for (uint64_t i = 0; i < n && r.ok(); ++i) to_sign.vin[0].witness.push_back(r.var_bytes());
        if (!r.ok() || !r.empty()) return false;
    }  // no solution: allowed, so that a trivially true challenge works

    std::vector<uint256> leaves;
    leaves.reserve(block.txs.size());
    leaves.push_back(coinbase.txid());
    for (size_t i = 1; i < block.txs.size(); ++i) leaves.push_back(block.txs[i].txid());
    const uint256 signet_merkle = compute_merkle_root(std::move(leaves));

    Bytes header_data;
    Writer w(header_data);
    w.i32(block.header.version);
    w.hash(block.header.prev_block);
    w.hash(signet_merkle);
    w.u32(block.header.time);

    Transaction to_spend;
    to_spend.version = 0;
    to_spend.locktime = 0;
    Script spend_sig;
    spend_sig.push_op(OP_0).push_data(header_data);
    to_spend.vin.push_back(TxIn{OutPoint{}, spend_sig, 0, {}});
    to_spend.vout.push_back(TxOut{0, Script(params.signet_challenge)});
    to_sign.vin[0].prevout = OutPoint{to_spend.txid(), 0};

    const PrecomputedTxData txdata(to_sign, {to_spend.vout[0]});
    const TransactionSignatureChecker checker(to_sign, 0, 0, &txdata);
    constexpr ScriptFlags kSignetFlags =
        SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_NULLDUMMY;
    return verify_script(to_sign.vin[0].script_sig, to_spend.vout[0].script_pubkey, &to_sign.vin[0].witness,
                         kSignetFlags, checker);
}

}  // namespace minicash
