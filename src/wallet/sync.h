// Bringing a wallet up to date with a node.
//
//  1. Reorgs: the hashes of recently scanned blocks are compared with the node's chain
//     from the top down; confirmations above the fork point are undone. A fork deeper
//     than the kept window (or a wallet that lost track) rescans from its birthday.
//  2. Blocks: for every block after the last scanned one, the BIP158 filter is fetched
//     and matched against every watched script (lookahead included); only matching
//     blocks are downloaded and scanned. Without a filter index on the node (or with
//     ScanMode::FULL) every block is downloaded. When a block uses an address near the
//     end of the gap window the window moves and the block is scanned again.
//  2b. Silent payments (once the wallet scans for them, from SilentPaymentAccount::
//     scan_from): with the node's -silentpaymentindex, the block's tweak data
//     (getsilentpaymentblockdata) gives each eligible transaction's first output key for
//     this wallet (and its labels); those keys join the filter query, so only blocks
//     that hold one are downloaded, and only the transaction holding it is scanned.
//     Without the index, every block is downloaded with its prevouts (getblock 3) and
//     every eligible transaction scanned. Payments are found once confirmed.
//  3. Mempool: wallet transactions in the node's mempool are MEMPOOL; the wallet's own
//     transactions missing from it are offered again (sendrawtransaction); conflicts are
//     resolved by WalletState::update_unconfirmed.
// Progress is saved through SyncOptions::save every `save_every` blocks, so an
// interrupted sync resumes where it stopped.
#pragma once

#include <functional>
#include <string>

#include "wallet/chain_source.h"
#include "wallet/wallet_state.h"

namespace minicash::wallet {

enum class ScanMode { FILTERS, FULL };
// Where silent payment tweak data comes from: the node's index when it has one (AUTO),
// or blocks with prevouts (BLOCKS, also AUTO's fallback).
enum class SilentPaymentSource { AUTO, INDEX, BLOCKS };

struct SyncProgress {
    int height = 0;  // block just scanned
    int start = 0;   // first block of this sync
    int tip = 0;
    int blocks_done = 0;  // blocks scanned in this sync
    int blocks_fetched = 0;
};

struct SyncOptions {
    ScanMode mode = ScanMode::FILTERS;
    SilentPaymentSource silent_payments = SilentPaymentSource::AUTO;
    bool mempool = true;
    int save_every = 1000;                              // blocks between saves
    std::function<void(const WalletState&)> save;       // may be empty
    std::function<void(const SyncProgress&)> progress;  // after every block; may be empty
    std::function<int64_t()> now;                       // unix time; default: the clock
};

struct SyncResult {
    int tip_height = -1;
    int blocks_scanned = 0;
    int blocks_fetched = 0;
    int reorg_depth = 0;        // blocks disconnected
    bool used_filters = false;  // filters were used for every block scanned
    bool fell_back = false;     // the node had no filter index: full blocks were scanned
    // Silent payments: "" (not scanned), "index" or "blocks"; transactions whose tweak
    // was computed or read, outputs found.
    std::string silent_payment_source;
    int silent_payment_tweaks = 0;
    int silent_payment_found = 0;
};

// Throws ChainSourceError / std::runtime_error from the source, and std::runtime_error
// when the node is on another network or sends data that does not match what was
// asked for. The state is consistent after any exception (each block is applied whole).
SyncResult sync_wallet(WalletState& state, ChainSource& source, const SyncOptions& options = {});

// getblockchaininfo's chain name for a network ("main", "testnet4", "signet", "regtest").
std::string core_chain_name(Network network);

}  // namespace minicash::wallet
