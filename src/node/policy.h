// Relay policy ("standardness"): the rules Bitcoin Core's default configuration applies to
// unconfirmed transactions on top of consensus. None of this decides block validity; a
// block may contain transactions that break every rule here.
//
// Behaviour follows Bitcoin Core 29/30 (policy/policy.cpp, policy/truc_policy.cpp,
// policy/ephemeral_policy.cpp). Where the two releases differ, the later one is used:
//   - OP_RETURN outputs: any number per transaction, their scriptPubKeys together at most
//     kMaxOpReturnRelay (100000) bytes (Core 30; Core 29 allowed one of at most 83 bytes).
//   - legacy sigops per transaction at most kMaxTxLegacySigops (2500, BIP54; Core 30).
// Functions here are pure: they see a transaction and the coins it spends, nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/fee_rate.h"
#include "common/money.h"
#include "common/script_solver.h"
#include "consensus/amount.h"
#include "consensus/transaction.h"

namespace minicash::policy {

// ---- Limits (Core's names in comments) ----
inline constexpr size_t kMaxStandardTxWeight = 400000;                 // MAX_STANDARD_TX_WEIGHT
inline constexpr size_t kMinStandardTxNonWitnessSize = 65;             // MIN_STANDARD_TX_NONWITNESS_SIZE
inline constexpr size_t kMaxStandardScriptSigSize = 1650;              // MAX_STANDARD_SCRIPTSIG_SIZE
inline constexpr unsigned kMaxP2SHSigops = 15;                         // MAX_P2SH_SIGOPS
inline constexpr int64_t kMaxStandardTxSigopsCost = 16000;             // MAX_STANDARD_TX_SIGOPS_COST
inline constexpr unsigned kMaxTxLegacySigops = 2500;                   // MAX_TX_LEGACY_SIGOPS (BIP54)
inline constexpr size_t kMaxStandardP2WSHStackItems = 100;             // MAX_STANDARD_P2WSH_STACK_ITEMS
inline constexpr size_t kMaxStandardP2WSHStackItemSize = 80;           // MAX_STANDARD_P2WSH_STACK_ITEM_SIZE
inline constexpr size_t kMaxStandardTapscriptStackItemSize = 80;       // MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE
inline constexpr size_t kMaxStandardP2WSHScriptSize = 3600;            // MAX_STANDARD_P2WSH_SCRIPT_SIZE
inline constexpr unsigned kDefaultBytesPerSigop = 20;                  // DEFAULT_BYTES_PER_SIGOP
inline constexpr size_t kMaxOpReturnRelay = kMaxStandardTxWeight / 4;  // MAX_OP_RETURN_RELAY (Core 30)
inline constexpr size_t kMaxDustOutputsPerTx = 1;                      // MAX_DUST_OUTPUTS_PER_TX (ephemeral dust)
inline constexpr int32_t kTxMinStandardVersion = 1;                    // TX_MIN_STANDARD_VERSION
inline constexpr int32_t kTxMaxStandardVersion = 3;                    // TX_MAX_STANDARD_VERSION

// Topologically restricted until confirmation (BIP431, "TRUC", version 3).
inline constexpr int32_t kTrucVersion = 3;
inline constexpr size_t kTrucAncestorLimit = 2;    // the transaction itself and one parent
inline constexpr size_t kTrucDescendantLimit = 2;  // the transaction itself and one child
inline constexpr size_t kTrucMaxVsize = 10000;
inline constexpr size_t kTrucChildMaxVsize = 1000;

// Package and replacement limits.
inline constexpr size_t kMaxReplacementCandidates = 100;      // MAX_REPLACEMENT_CANDIDATES (BIP125 rule 5)
inline constexpr size_t kMaxPackageCount = 25;                // MAX_PACKAGE_COUNT
inline constexpr size_t kMaxPackageWeight = 404000;           // MAX_PACKAGE_WEIGHT
inline constexpr size_t kExtraDescendantTxSizeLimit = 10000;  // CPFP carve-out (vbytes)

// ---- Fee rates (FeeRate, fees and dust thresholds: common/fee_rate.h) ----

// Core's CFeeRate(fee, size): satoshis per 1000 vbytes, truncated. 0 when `vsize` is 0.
Amount rate_of(Amount fee, size_t vsize);
// Virtual size as the mempool counts it: weight, or sigop cost times `bytes_per_sigop`
// when larger, divided by four and rounded up (GetVirtualTransactionSize).
size_t virtual_size(size_t weight, int64_t sigop_cost, unsigned bytes_per_sigop = kDefaultBytesPerSigop);

// Core's FormatMoney ("0.0001", "1.00") and CFeeRate::ToString ("0.00001000 BTC/kvB"),
// used in debug messages so that they read as Core's.
using minicash::format_money;  // common/money.h
std::string format_feerate(Amount sat_per_kvb);

// ---- Output scripts ----

// Output script templates live in common/script_solver.h (shared with rpc/ and the wallet).
using minicash::classify;
using minicash::is_pay_to_anchor;
using minicash::txout_type_name;
using minicash::TxoutType;

// Indices of the outputs that are dust at `dust_relay_sat_per_kvb` (common/fee_rate.h).
std::vector<uint32_t> dust_outputs(const Transaction& tx, Amount dust_relay_sat_per_kvb);

struct StandardOptions {
    Amount dust_relay_sat_per_kvb = 3000;
    bool permit_bare_multisig = true;
    // nullopt: OP_RETURN outputs are not relayed (-datacarrier=0).
    std::optional<size_t> max_datacarrier_bytes = kMaxOpReturnRelay;
};

// IsStandardTx: version, weight, scriptSig size and push-only, output types, data
// carrier budget, bare multisig, dust count. On failure `reason` is Core's ("version",
// "tx-size", "scriptsig-size", "scriptsig-not-pushonly", "scriptpubkey", "datacarrier",
// "bare-multisig", "dust").
bool is_standard_tx(const Transaction& tx, const StandardOptions& options, std::string& reason);

// AreInputsStandard: every spent output has a known type (not WITNESS_UNKNOWN), P2SH
// redeem scripts have at most 15 sigops, and all legacy sigops together at most 2500.
// REQUIRES: spent.size() == tx.vin.size(); not a coinbase.
bool are_inputs_standard(const Transaction& tx, const std::vector<TxOut>& spent);

// IsWitnessStandard: witness only on witness programs (never on pay-to-anchor), P2WSH
// script/stack limits, no taproot annex, tapscript stack items at most 80 bytes.
// REQUIRES: as above.
bool is_witness_standard(const Transaction& tx, const std::vector<TxOut>& spent);

// True when some input spends a witness program other than pay-to-anchor (directly or
// P2SH-wrapped): a script failure of such a transaction without witness data may mean
// that its witness was stripped, not that it is invalid.
bool spends_non_anchor_witness_program(const Transaction& tx, const std::vector<TxOut>& spent);

}  // namespace minicash::policy
