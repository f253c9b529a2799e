#include "wallet/spend.h"

#include <algorithm>

#include "common/money.h"
#include "wallet/input_size.h"
#include "wallet/keychain.h"
#include "wallet/signer.h"

namespace minicash::wallet {

std::optional<FeeRate> parse_fee_rate_sat_per_vb(std::string_view text) {
    auto v = parse_btc(text);  // 8 decimals: sats -> value * 1e8
    if (!v || *v <= 0 || *v % 100000 != 0) return std::nullopt;
    return FeeRate{*v / 100000};  // sat/vB * 1e8 / 1e5 = sat/kvB
}

FeeRate estimated_fee_rate(ChainSource& node, Network network, int conf_target) {
    if (conf_target < 1 || conf_target > 1008) throw SpendError("-conftarget must be between 1 and 1008");
    if (auto est = node.estimate_fee(conf_target)) return FeeRate{*est};
    if (network == Network::REGTEST) return FeeRate{kRegtestFallbackFeeRate};
    throw SpendError("the node has no fee estimate for " + std::to_string(conf_target) +
                     " blocks yet; give -feerate=SAT_PER_VB");
}

std::optional<InputSize> wallet_input_size(const WalletState& state, const Script& script_pubkey) {
    if (const ScriptOwner* o = state.owner_of(script_pubkey))
        if (auto s = descriptor_input_size(state.descriptors[o->descriptor].desc, o->index, script_pubkey)) return s;
    return estimate_input_size(script_pubkey);
}

std::vector<SpendableCoin> spendable_coins(const WalletState& state, int tip) {
    std::vector<SpendableCoin> out;
    for (const WalletCoin& c : state.unspent(tip)) {
        if (c.coinbase && c.confirmations < kCoinbaseMaturity) continue;
        if (c.state != TxState::CONFIRMED && !c.from_me) continue;
        if (auto size = wallet_input_size(state, c.out.script_pubkey))
            out.push_back(SpendableCoin{c.outpoint, c.out, *size, c.confirmations, c.from_me});
    }
    return out;
}

Script new_change_script(WalletState& state) {
    for (AddressType t : {AddressType::BECH32, AddressType::BECH32M, AddressType::P2SH_SEGWIT, AddressType::LEGACY})
        if (state.active_descriptor(t, true)) {
            std::string why;
            if (auto script = state.new_script(t, true, &why)) return *script;
        }
    // Policies without an address type of their own (sh(multi), bare scripts): their
    // change descriptor, else their receive descriptor.
    for (bool internal : {true, false})
        for (WalletDescriptor& d : state.descriptors)
            if (d.internal == internal && d.desc.is_range()) {
                std::string why;
                if (auto script = state.next_script(d, &why)) return *script;
            }
    throw SpendError("the wallet has no descriptor to receive change");
}

namespace {

[[noreturn]] void build_failed(const BuildError& e) {
    throw SpendError(e.message, e.kind == BuildError::Kind::kInsufficientFunds ? SpendError::Kind::kInsufficientFunds
                                                                               : SpendError::Kind::kFailed);
}

}  // namespace

BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients, FeeRate rate, int tip) {
    const std::vector<SpendableCoin> coins = spendable_coins(state, tip);
    BuildOptions options;
    options.fee_rate = rate;
    options.rbf = true;
    if (tip >= 0) options.tip_height = uint32_t(tip);
    const Script change = new_change_script(state);
    if (auto size = wallet_input_size(state, change)) options.change_spend_vsize = (size->weight + 3) / 4;
    BuildError error;
    auto built = build_transaction(coins, recipients, change, options, &error);
    if (!built) build_failed(error);
    return std::move(*built);
}

void sign_and_verify(const WalletState& state, Transaction& tx, const std::vector<TxOut>& spent) {
    if (state.watch_only)
        throw SpendError(
            "this wallet is watch-only: use 'psbt create' and sign the PSBT with the wallet that holds "
            "the keys");
    KeyStore keys;
    std::vector<Script> scripts;
    for (const TxOut& o : spent) scripts.push_back(o.script_pubkey);
    add_keys_for_scripts(state, scripts, keys);
    std::string why;
    if (!sign_transaction(tx, spent, keys, {}, &why)) throw SpendError("signing failed: " + why);
    if (!verify_transaction_scripts(tx, spent, &why))
        throw SpendError("signature check failed, nothing was sent: " + why);
}

uint256 test_and_broadcast(ChainSource& node, const Transaction& tx) {
    const AcceptResult accept = node.test_accept(tx);
    if (!accept.allowed)
        throw SpendError("the node would reject the transaction (" + accept.reject_reason + "); nothing was sent");
    return node.broadcast(tx);
}

void record_sent(WalletState& state, const Transaction& tx, int64_t now) {
    state.add_transaction(tx, TxState::MEMPOOL, -1, {}, 0, now);
    if (auto it = state.txs.find(tx.txid()); it != state.txs.end()) it->second.from_me = true;
}

FeeBump build_fee_bump(WalletState& state, const uint256& txid, std::optional<FeeRate> new_rate,
                       const std::function<FeeRate()>& estimate, int tip) {
    auto it = state.txs.find(txid);
    if (it == state.txs.end()) throw SpendError("the transaction is not in this wallet");
    const WalletTx original = it->second;
    if (original.state == TxState::CONFIRMED) throw SpendError("the transaction is already confirmed");
    if (original.state == TxState::CONFLICTED)
        throw SpendError("the transaction was already replaced or conflicts with another one");
    bool signals = false;
    for (const TxIn& in : original.tx.vin) signals = signals || in.sequence < kSequenceLocktimeFinal;
    if (!signals) throw SpendError("the transaction does not signal replaceability (BIP125)");
    std::vector<TxOut> spent;
    for (const TxIn& in : original.tx.vin) {
        auto prev = state.wallet_output(in.prevout);
        if (!prev) throw SpendError("the transaction spends outputs that are not this wallet's");
        spent.push_back(*prev);
    }
    std::optional<size_t> change_index;
    for (size_t i = 0; i < original.tx.vout.size() && !change_index; ++i)
        if (const ScriptOwner* o = state.owner_of(original.tx.vout[i].script_pubkey);
            o && state.descriptors[o->descriptor].internal)
            change_index = i;
    Amount in_total = 0;
    for (const TxOut& o : spent) in_total += o.value;
    const Amount old_fee = in_total - original.tx.value_out();
    const size_t old_vsize = (original.tx.weight() + 3) / 4;
    const FeeRate old_rate = FeeRate::of(old_fee, old_vsize);
    BumpOptions options;
    // Core's default: the estimate, but at least the old rate plus 1 sat/vB.
    options.new_fee_rate = new_rate ? *new_rate : std::max(estimate(), FeeRate{old_rate.sat_per_kvb + 1000});
    for (const TxOut& o : spent) {
        auto size = wallet_input_size(state, o.script_pubkey);
        if (!size) throw SpendError("the size of an input of the transaction cannot be estimated");
        options.original_input_sizes.push_back(*size);
    }
    options.fallback_change_script = new_change_script(state);
    const std::vector<SpendableCoin> extra = spendable_coins(state, tip);
    BuildError error;
    auto built = build_bump(original.tx, spent, change_index, extra, options, &error);
    if (!built) build_failed(error);
    return FeeBump{std::move(*built), old_fee};
}

bool psbt_complete(const Psbt& psbt) {
    return std::all_of(psbt.inputs.begin(), psbt.inputs.end(), [](const PsbtInput& in) { return in.is_final(); });
}

std::vector<TxOut> psbt_spent_outputs(const Psbt& psbt) {
    std::vector<TxOut> out;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        auto o = psbt.spent_output(i);
        if (!o) throw SpendError("the PSBT lacks the UTXO of input " + std::to_string(i));
        out.push_back(*o);
    }
    return out;
}

}  // namespace minicash::wallet
