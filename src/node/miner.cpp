#include "node/miner.h"

#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "consensus/pow.h"
#include "consensus/tx_verify.h"
#include "node/mempool.h"
#include "util/hash.h"
#include "util/mock_time.h"

namespace minicash {

namespace {

Script coinbase_script_sig(int height, uint32_t extra_nonce) {
    Script s;
    s.push_int(height);
    s.push_int(int64_t(extra_nonce));
    return s;
}

// The BIP141 commitment output script for `block` (whose coinbase witness holds the
// 32-byte zero reserved value).
Script commitment_script(const Block& block) {
    const Bytes reserved(32, 0);
    const uint256 c = witness_commitment(block_witness_merkle_root(block), reserved);
    Script s;
    s.push_op(OP_RETURN);
    Bytes payload{0xaa, 0x21, 0xa9, 0xed};
    append(payload, c.view());
    s.push_data(payload);
    return s;
}

int64_t now_seconds() { return unix_time(); }

// Coins spent by `tx`, from the block's own earlier outputs or the UTXO set. Returns
// false (with the missing input's outpoint) when an input is unavailable.
bool gather_coins(const Transaction& tx, const Chainstate::View& view, std::map<OutPoint, Coin>& created,
                  std::vector<Coin>& coins) {
    coins.clear();
    std::vector<OutPoint> used;
    for (const TxIn& in : tx.vin) {
        if (auto it = created.find(in.prevout); it != created.end()) {
            coins.push_back(it->second);
            used.push_back(in.prevout);
            continue;
        }
        auto c = view.coin(in.prevout);
        if (!c) return false;
        coins.push_back(*c);
    }
    for (const OutPoint& op : used) created.erase(op);  // spent only once all inputs were found
    return true;
}

}  // namespace

void set_extra_nonce(Block& block, int height, uint32_t extra_nonce) {
    block.txs[0].vin[0].script_sig = coinbase_script_sig(height, extra_nonce);
    block.header.merkle_root = block_merkle_root(block);
}

void regenerate_commitments(Block& block) {
    if (block.txs.empty()) return;
    if (auto pos = witness_commitment_index(block)) {
        Transaction& cb = block.txs[0];
        if (cb.vin.size() == 1 && cb.vin[0].witness.empty()) cb.vin[0].witness.assign(1, Bytes(32, 0));
        cb.vout[*pos].script_pubkey = commitment_script(block);
    }
    block.header.merkle_root = block_merkle_root(block);
}

void add_witness_nonce(Block& block, bool segwit_active) {
    if (!segwit_active || block.txs.empty() || !block.txs[0].is_coinbase()) return;
    if (!witness_commitment_index(block)) return;
    Witness& w = block.txs[0].vin[0].witness;
    if (w.empty()) w.assign(1, Bytes(32, 0));
}

BlockTemplate create_block_template(Chainstate& chain, const Mempool* mempool, const Script& coinbase_script,
                                    const TemplateOptions& options) {
    BlockTemplate t;
    std::string failure;
    // The mempool's selection is taken before the chain state's lock (the mempool may
    // consult the chain state itself); a transaction the tip moved under is left out.
    std::vector<std::shared_ptr<const Transaction>> txs;
    const bool explicit_txs = options.transactions.has_value();
    if (explicit_txs) {
        txs = *options.transactions;
    } else if (mempool) {
        Amount selected_fees = 0;
        const size_t budget =
            options.max_weight > kCoinbaseReservedWeight ? options.max_weight - kCoinbaseReservedWeight : 0;
        txs = mempool->select_for_block(budget, kMaxBlockSigopsCost - kCoinbaseReservedSigops, selected_fees,
                                        FeeRate{options.min_fee_rate});
    }
    chain.with_view([&](Chainstate::View& view) {
        const BlockIndex* prev = view.tip();
        if (!prev) {
            failure = "no chain tip";
            return;
        }
        const ConsensusParams& consensus = view.params().consensus;
        t.prev = prev;
        t.height = prev->height + 1;
        t.min_time = prev->median_time_past() + 1;
        int64_t time = std::max<int64_t>(t.min_time, std::max<int64_t>(view.now(), now_seconds()));
        if (consensus.enforce_bip94 && t.height % consensus.difficulty_adjustment_interval() == 0)
            time = std::max<int64_t>(time, int64_t(prev->header.time) - 600);  // BIP94 timewarp floor

        Block& block = t.block;
        block.header.version = 0x20000000;
        block.header.prev_block = prev->hash;
        block.header.time = uint32_t(time);
        const IndexAncestorView ancestors(prev);
        block.header.bits = next_work_required(ancestors, time, consensus);
        block.header.nonce = 0;

        // Transactions.
        const ScriptFlags flags = block_script_flags(t.height, uint256(), consensus);
        std::map<OutPoint, Coin> created;
        Amount fees = 0;
        t.fees.push_back(0);
        t.sigops_cost.push_back(0);
        block.txs.emplace_back();  // coinbase placeholder
        std::set<uint256> skipped;
        for (const auto& tx : txs) {
            std::vector<Coin> coins;
            bool ok = true;
            for (const TxIn& in : tx->vin) ok = ok && !skipped.count(in.prevout.txid);
            ok = ok && gather_coins(*tx, view, created, coins);
            Amount fee = 0;
            ValidationState tx_state;
            if (!ok) tx_state.invalid("bad-txns-inputs-missingorspent");
            else if (!check_tx_inputs(*tx, coins, t.height, fee, tx_state)) ok = false;
            if (!ok) {
                if (explicit_txs) {
                    failure = tx_state.reason();
                    return;
                }
                skipped.insert(tx->txid());
                continue;
            }
            fees += fee;
            t.fees.push_back(fee);
            t.sigops_cost.push_back(transaction_sigop_cost(*tx, coins, flags));
            const uint256 txid = tx->txid();
            for (uint32_t o = 0; o < tx->vout.size(); ++o)
                created[OutPoint{txid, o}] = Coin{tx->vout[o], t.height, false};
            block.txs.push_back(*tx);
        }

        // Coinbase.
        Transaction& cb = block.txs[0];
        cb.version = 2;
        cb.vin.resize(1);
        cb.vin[0].prevout = OutPoint{};
        cb.vin[0].script_sig = coinbase_script_sig(t.height, options.extra_nonce);
        cb.vin[0].sequence = TxIn::kSequenceFinal;
        t.coinbase_value = block_subsidy(t.height, consensus) + fees;
        cb.vout.assign(1, TxOut{t.coinbase_value, coinbase_script});
        cb.locktime = 0;
        t.fees[0] = -fees;
        t.sigops_cost[0] = int64_t(legacy_sigop_count(cb)) * kWitnessScaleFactor;
        if (t.height >= consensus.segwit_height) {
            cb.vin[0].witness.assign(1, Bytes(32, 0));
            t.witness_commitment = commitment_script(block);
            cb.vout.push_back(TxOut{0, t.witness_commitment});
        }
        block.header.merkle_root = block_merkle_root(block);
    });
    if (!failure.empty()) throw std::runtime_error(failure);
    return t;
}

bool test_block_validity(Chainstate& chain, const Block& block, ValidationState& state, bool check_pow,
                         bool check_merkle) {
    bool ok = false;
    chain.with_view([&](Chainstate::View& view) {
        const ConsensusParams& consensus = view.params().consensus;
        const BlockIndex* prev = view.tip();
        if (!prev || block.header.prev_block != prev->hash) {
            state.invalid("inconclusive-not-best-prevblk", "", ValidationResult::MISSING_PREV);
            return;
        }
        const IndexAncestorView ancestors(prev);
        if (!check_block(block, consensus, state, check_pow, check_merkle)) return;
        if (!contextual_check_block_header(block.header, ancestors, view.now(), consensus, state)) return;
        if (!contextual_check_block(block, ancestors, consensus, state)) return;

        const int height = prev->height + 1;
        const ScriptFlags flags = block_script_flags(height, block.hash(), consensus);
        const bool bip68 = enforce_sequence_locks(height, consensus);
        std::map<OutPoint, Coin> created;
        Amount fees = 0;
        int64_t sigops = 0;
        for (const Transaction& tx : block.txs) {
            std::vector<Coin> coins;
            if (!tx.is_coinbase()) {
                if (!gather_coins(tx, view, created, coins)) {
                    state.invalid("bad-txns-inputs-missingorspent",
                                  "CheckTxInputs: inputs missing/spent in transaction " + tx.txid().to_hex());
                    return;
                }
                Amount fee = 0;
                ValidationState tx_state;
                if (!check_tx_inputs(tx, coins, height, fee, tx_state)) {
                    state.invalid(tx_state.reason(), tx_state.debug());
                    return;
                }
                fees += fee;
                if (!money_range(fees)) {
                    state.invalid("bad-txns-accumulated-fee-outofrange", "accumulated fee in the block out of range");
                    return;
                }
                std::vector<int> prev_heights;
                for (const Coin& c : coins) prev_heights.push_back(c.height);
                const SequenceLocks locks = calculate_sequence_locks(tx, bip68, prev_heights, ancestors);
                if (!sequence_locks_satisfied(locks, ancestors)) {
                    state.invalid("bad-txns-nonfinal", "contains a non-BIP68-final transaction");
                    return;
                }
            }
            sigops += transaction_sigop_cost(tx, coins, flags);
            if (sigops > kMaxBlockSigopsCost) {
                state.invalid("bad-blk-sigops", "too many sigops");
                return;
            }
            const uint256 txid = tx.txid();
            for (uint32_t o = 0; o < tx.vout.size(); ++o)
                created[OutPoint{txid, o}] = Coin{tx.vout[o], height, tx.is_coinbase()};
        }
        const Amount reward = fees + block_subsidy(height, consensus);
        if (block.txs[0].value_out() > reward) {
            state.invalid("bad-cb-amount", "coinbase pays too much");
            return;
        }
        ok = true;
    });
    return ok;
}

bool grind_block(Block& block, int height, uint64_t& max_tries, const ConsensusParams& params,
                 const std::atomic<bool>* interrupt) {
    uint32_t extra_nonce = 0;
    while (max_tries > 0) {
        if (interrupt && interrupt->load()) return false;
        // Hash the 80-byte header while only the nonce changes.
        Bytes header = block.header.serialize();
        for (uint64_t n = 0; n <= 0xffffffffULL && max_tries > 0; ++n, --max_tries) {
            write_le32(header.data() + 76, uint32_t(n));
            if (check_proof_of_work(sha256d(header), block.header.bits, params)) {
                block.header.nonce = uint32_t(n);
                return true;
            }
            if ((n & 0xffff) == 0xffff && interrupt && interrupt->load()) return false;
        }
        set_extra_nonce(block, height, ++extra_nonce);
    }
    return false;
}

}  // namespace minicash
