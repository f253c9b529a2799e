// What the wallet needs from a node. minicash-wallet implements it over JSON-RPC with
// Bitcoin Core's calls (wallet/rpc_chain_source.h); tests implement it in memory.
//
// Every method throws ChainSourceError when the node answers with an error (its Core
// error code and message are kept) and std::runtime_error when it cannot be reached.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/silent_payments.h"
#include "consensus/amount.h"
#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash::wallet {

struct ChainSourceError : std::runtime_error {
    int code;
    ChainSourceError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
};

struct ChainTip {
    std::string chain;  // "main", "test", "testnet4", "signet", "regtest" (getblockchaininfo's)
    int height = -1;
    uint256 hash;
};

struct AcceptResult {
    bool allowed = false;
    std::string reject_reason;
};

// getmempoolentry's numbers.
struct MempoolEntry {
    size_t vsize = 0;
    Amount fee = 0;            // fees.base
    int ancestor_count = 0;    // itself included
    size_t ancestor_size = 0;  // vsize of itself and its unconfirmed ancestors
    Amount ancestor_fees = 0;  // fees.ancestor
};

// A block with the outputs its transactions spend (getblock <hash> 3): spent[i] for the
// i-th non-coinbase transaction, one script per input.
struct BlockWithPrevouts {
    Block block;
    std::vector<std::vector<Script>> spent;
};

class ChainSource {
public:
    virtual ~ChainSource() = default;

    virtual ChainTip tip() = 0;                  // getblockchaininfo
    virtual uint256 block_hash(int height) = 0;  // getblockhash
    // The BIP158 basic filter of a block (getblockfilter), or nullopt when the node keeps
    // no filter index.
    virtual std::optional<Bytes> block_filter(const uint256& hash) = 0;
    virtual Block block(const uint256& hash) = 0;  // getblock <hash> 0

    // Batched forms (one JSON-RPC batch each); by default one call per item. Hashes of
    // heights [from, from + count); filters as block_filter, in the order given.
    virtual std::vector<uint256> block_hashes(int from, int count) {
        std::vector<uint256> out;
        for (int h = from; h < from + count; ++h) out.push_back(block_hash(h));
        return out;
    }
    virtual std::vector<std::optional<Bytes>> block_filters(const std::vector<uint256>& hashes) {
        std::vector<std::optional<Bytes>> out;
        for (const uint256& h : hashes) out.push_back(block_filter(h));
        return out;
    }

    virtual std::vector<uint256> mempool() = 0;                                 // getrawmempool
    virtual std::optional<Transaction> mempool_tx(const uint256& txid) = 0;     // getrawtransaction
    virtual uint256 broadcast(const Transaction& tx) = 0;                       // sendrawtransaction
    [[nodiscard]] virtual AcceptResult test_accept(const Transaction& tx) = 0;  // testmempoolaccept
    // Fee rate in sat/kvB for confirmation within `target` blocks (estimatesmartfee), or
    // nullopt when the node has no estimate.
    virtual std::optional<Amount> estimate_fee(int target) = 0;

    // getmempoolentry; nullopt when the transaction is not in the mempool.
    virtual std::optional<MempoolEntry> mempool_entry(const uint256& txid) {
        (void)txid;
        return std::nullopt;
    }

    // Silent payments. The BIP352 tweak data of a block (getsilentpaymentblockdata, the
    // node's -silentpaymentindex), or nullopt when the node serves none; batched by
    // default one call per hash.
    virtual std::optional<std::vector<sp::PubKey>> silent_payment_tweaks(const uint256& hash) {
        (void)hash;
        return std::nullopt;
    }
    virtual std::vector<std::optional<std::vector<sp::PubKey>>> silent_payment_tweaks(
        const std::vector<uint256>& hashes) {
        std::vector<std::optional<std::vector<sp::PubKey>>> out;
        for (const uint256& h : hashes) out.push_back(silent_payment_tweaks(h));
        return out;
    }
    // The block with its prevouts (getblock <hash> 3, any Core-compatible node).
    virtual BlockWithPrevouts block_with_prevouts(const uint256& hash) = 0;
};

}  // namespace minicash::wallet
