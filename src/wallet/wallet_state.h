// What a wallet knows: its descriptors and how far each has been used, the transactions
// that touch its scripts and where they are (block, mempool, nowhere, conflicted), and
// how far it has scanned the chain. Coins and balances are computed from the
// transactions, never stored, so they cannot drift from them.
//
// INVARIANTS:
//  - every descriptor has scripts derived for indices [0, range_end()), and
//    range_end() >= max(next_index, max_used + 1) + kGapLimit for range descriptors;
//  - a transaction in `txs` pays one of the wallet's scripts or spends one of its outputs;
//  - block_hashes holds the hashes of the last scanned blocks (at most kReorgWindow), all
//    at heights <= synced_height, the highest being synced_height's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/bip32.h"
#include "common/descriptor.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "util/uint256.h"
#include "wallet/labels.h"
#include "wallet/silent_payment_account.h"

namespace minicash::wallet {

inline constexpr uint32_t kGapLimit = 20;
// Confirmations before the wallet spends or counts a coinbase output as confirmed: one more
// than consensus's 100, as Bitcoin Core's wallet (so "mine 101 blocks" gives 50 BTC).
inline constexpr int kCoinbaseMaturity = 101;
inline constexpr int kReorgWindow = 288;  // recent block hashes kept to find a fork point

enum class AddressType { LEGACY, P2SH_SEGWIT, BECH32, BECH32M };
// "legacy", "p2sh-segwit", "bech32", "bech32m".
const char* address_type_name(AddressType t);
[[nodiscard]] std::optional<AddressType> parse_address_type(std::string_view name);

struct WalletDescriptor {
    Descriptor desc;
    bool internal = false;            // change chain
    std::optional<AddressType> type;  // set for the descriptors getnewaddress draws from
    uint32_t next_index = 0;          // next index getnewaddress hands out
    int64_t max_used = -1;            // highest index seen paid in a transaction
    uint32_t derived = 0;             // scripts derived so far: indices [0, derived)

    // How far scripts must be derived: the gap window past the last used/handed out index.
    uint32_t range_end() const;
};

// Where a wallet transaction is.
enum class TxState {
    CONFIRMED,   // in the best chain at `height`
    MEMPOOL,     // in the node's mempool
    INACTIVE,    // neither (e.g. dropped by a reorg and not back in the mempool); still
                 // counts as spending its inputs if it is ours
    CONFLICTED,  // an input is spent by another confirmed or mempool transaction
};
const char* tx_state_name(TxState s);

// "txid:vout" and back.
std::optional<OutPoint> parse_outpoint(std::string_view text);
std::string format_outpoint(const OutPoint& op);
// "d34db33f/48h/1h/0h/2h" (fingerprint, path) and back.
std::string format_key_origin(const KeyOriginInfo& origin);
std::optional<KeyOriginInfo> parse_key_origin(std::string_view text);

struct WalletTx {
    Transaction tx;
    uint256 txid;
    TxState state = TxState::INACTIVE;
    int height = -1;          // CONFIRMED only
    uint256 block_hash;       // CONFIRMED only
    uint32_t block_time = 0;  // CONFIRMED only
    int64_t time = 0;         // when the wallet first saw it (unix seconds)
    bool from_me = false;     // spends the wallet's outputs: the wallet signed it
};

// Which descriptor and index a script belongs to; silent payment outputs have no
// descriptor (their keys are in WalletState::silent_payments).
struct ScriptOwner {
    static constexpr size_t kSilentPayment = SIZE_MAX;
    size_t descriptor = 0;
    uint32_t index = 0;
    bool is_silent_payment() const { return descriptor == kSilentPayment; }
};

// An account-level extended private key kept to sign for policies the wallet does not
// watch itself (a multisig coordinated elsewhere): PSBT inputs whose key origin starts
// with `origin` are signed with `key` derived along the rest of the path.
struct SigningAccount {
    KeyOriginInfo origin;
    ExtPrivKey key;
};

struct WalletCoin {
    OutPoint outpoint;
    TxOut out;
    ScriptOwner owner;
    TxState state = TxState::CONFIRMED;
    int height = -1;  // -1 unless confirmed
    int confirmations = 0;
    bool coinbase = false;
    bool from_me = false;  // created by one of our own transactions (change)
};

struct Balances {
    Amount confirmed = 0;
    Amount unconfirmed = 0;
    Amount immature = 0;
};

// One line of `history`: the net effect of a transaction on the wallet.
struct HistoryEntry {
    uint256 txid;
    TxState state;
    int height;
    int confirmations;
    Amount received = 0;        // outputs to us
    Amount sent = 0;            // our inputs spent
    std::optional<Amount> fee;  // when every input is ours
    bool coinbase = false;
    int64_t time = 0;
};

class WalletState {
public:
    Network network = Network::REGTEST;
    int birthday = 0;
    int synced_height = -1;  // last block scanned (birthday - 1 before the first sync)
    bool watch_only = false;
    std::map<int, uint256> block_hashes;
    std::vector<WalletDescriptor> descriptors;
    std::map<uint256, WalletTx> txs;
    std::set<OutPoint> locked;  // lockunspent: never chosen by coin selection
    Labels labels;              // BIP329
    std::vector<SigningAccount> signing_accounts;
    std::optional<SilentPaymentAccount> silent_payments;
    std::set<uint256> silent_payment_sends;  // sent transactions with silent payment outputs

    const ChainParams& params() const;

    // Adds a descriptor (checked: ranged or not, solvable) and derives its scripts.
    // False with `*error` when it cannot be used.
    [[nodiscard]] bool add_descriptor(const Descriptor& desc, bool internal, std::optional<AddressType> type,
                                      std::string* error);
    // Derives scripts so that the invariant on range_end() holds. True when new scripts
    // were added (the caller may have to rescan the current block).
    bool top_up();

    const ScriptOwner* owner_of(const Script& script) const;
    bool is_mine(const Script& script) const { return owner_of(script) != nullptr; }
    // Every script watched (for filter matching), including the lookahead.
    std::vector<Bytes> watched_scripts() const;
    size_t script_count() const { return scripts_.size(); }

    // The descriptor getnewaddress uses for `type` (internal: change), or nullptr.
    WalletDescriptor* active_descriptor(AddressType type, bool internal);
    // Hands out the next address of `type` (advancing next_index). nullopt with `*error`.
    [[nodiscard]] std::optional<Script> new_script(AddressType type, bool internal, std::string* error);
    // Hands out the next script of `descriptor` (one of `descriptors`).
    [[nodiscard]] std::optional<Script> next_script(WalletDescriptor& descriptor, std::string* error);

    // Records a transaction seen in a block (height, hash, time) or in the mempool
    // (height < 0). Returns true when it concerns the wallet (and was stored). Marks the
    // indices it pays as used; call top_up() afterwards.
    bool add_transaction(const Transaction& tx, TxState state, int height = -1, const uint256& block_hash = {},
                         uint32_t block_time = 0, int64_t now = 0);
    // Undoes confirmations above `height` (a reorg): those transactions become INACTIVE
    // (coinbases are dropped) and recent block hashes above it are forgotten.
    void disconnect_above(int height);
    // Records a scanned block and trims block_hashes to the reorg window.
    void set_synced(int height, const uint256& hash);
    // Re-evaluates unconfirmed transactions given the node's mempool: MEMPOOL when listed,
    // CONFLICTED when another confirmed or mempool transaction spends one of the same
    // inputs (or it spends a conflicted one's output), INACTIVE otherwise. Nothing is
    // forgotten: an INACTIVE transaction may come back with the next block or rebroadcast.
    void update_unconfirmed(const std::set<uint256>& mempool);

    // Outputs of ours not spent by any active (confirmed, mempool or inactive) transaction.
    // `tip_height` gives confirmations.
    std::vector<WalletCoin> unspent(int tip_height) const;
    Balances balances(int tip_height) const;
    std::vector<HistoryEntry> history(int tip_height) const;
    // The output `op` spends if it is ours, else nullopt.
    std::optional<TxOut> wallet_output(const OutPoint& op) const;

    // Records a silent payment output found (or made as change) so that it is ours.
    // REQUIRES: silent_payments.
    void add_silent_payment_output(const Script& script, const SilentPaymentOutput& out);

    // Serialization of everything (private keys included) to JSON and back.
    boost::json::object to_json() const;
    [[nodiscard]] static std::optional<WalletState> from_json(const boost::json::value& v, std::string* error);

private:
    void derive_scripts(size_t descriptor_index, uint32_t end);
    bool is_active(const WalletTx& wtx) const { return wtx.state != TxState::CONFLICTED; }
    std::map<Script, ScriptOwner> scripts_;
};

}  // namespace minicash::wallet
