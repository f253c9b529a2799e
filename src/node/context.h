// Everything a running node is made of, shared by the RPC server, the P2P layer and the
// daemon's main(). Components from higher layers (net/) are held by shared_ptr so that
// node/ only needs their declarations.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "consensus/params.h"

namespace minicash {

class Chainstate;
class Mempool;
class Connman;             // net/connman.h: peers, address manager, bans
class TxIndex;             // node/index/tx_index.h
class BlockFilterIndex;    // node/index/block_filter_index.h
class SilentPaymentIndex;  // node/index/silent_payment_index.h
class AddressIndex;        // node/index/address_index.h
class AddressMempool;      // node/index/address_mempool.h
class TipWaiter;           // node/tip_waiter.h

struct NodeContext {
    ChainParams params;
    std::filesystem::path datadir;  // network data directory (datadir/<network subdir>)
    std::shared_ptr<Chainstate> chainstate;
    std::shared_ptr<Mempool> mempool;
    std::shared_ptr<Connman> connman;  // null when networking is off
    int64_t start_time = 0;            // seconds since epoch, for uptime
    std::atomic<bool> shutdown_requested{false};
    std::function<void()> request_shutdown;                    // RPC stop, signals: wakes main()
    bool txindex = false;                                      // -txindex given
    bool blockfilterindex = false;                             // -blockfilterindex=basic given
    std::shared_ptr<TxIndex> tx_index;                         // running when txindex
    std::shared_ptr<BlockFilterIndex> block_filter_index;      // running when blockfilterindex
    bool silentpaymentindex = false;                           // -silentpaymentindex given
    std::shared_ptr<SilentPaymentIndex> silent_payment_index;  // running when silentpaymentindex
    bool addressindex = false;                                 // -addressindex given (or implied)
    std::shared_ptr<AddressIndex> address_index;               // running when addressindex
    std::shared_ptr<AddressMempool> address_mempool;           // its mempool half
    int64_t block_min_tx_fee = -1;                             // -blockmintxfee in sat/kvB; -1: the miner's default
    size_t block_max_weight = 0;                               // -blockmaxweight; 0: the miner's default
    std::shared_ptr<TipWaiter> tip_waiter;                     // waitfor* RPCs; set with chainstate
};

}  // namespace minicash
