// The sync and relay logic (BlockSync, sync.h, and PeerManager, processing.h) built
// from narrow dependencies, the way Core's PeerManager::make and btcd's netsync.Config
// are: a clock, the chain state (ChainAccess), the mempool (TxPool, optional), the
// peers (PeerNetwork), two job runners and the event loop. Connman then sees it only as
// NetEvents; app/net_setup wires the production pieces, tests wire fakes.
//
// Thread rules: as NetEvents (net_events.h). The dependencies must outlive the logic;
// `io` is the event loop every event runs on and where job results resume.
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "consensus/params.h"
#include "net/net_events.h"
#include "net/protocol.h"

namespace minicash::net {

class BlockFilterSource;
class ChainAccess;
class Clock;
class JobRunner;
class PeerNetwork;
class TxPool;

struct PeerLogicOptions {
    std::string user_agent = "/minicash:0.1.0/";
    bool allow_local_addresses = false;        // regtest: loopback addresses enter the address manager
    int64_t max_tip_age = 24 * 60 * 60;        // older tips mean initial block download
    uint64_t local_services = kLocalServices;  // our version's services (| NODE_COMPACT_FILTERS with -peerblockfilters)
    // -blocksonly: peers' transactions are refused (our version says relay=0; a tx or a tx
    // inv disconnects) unless the peer has relay permission; our own are still announced.
    bool blocks_only = false;
};

struct PeerLogicDeps {
    const ChainParams& params;
    PeerLogicOptions options;
    const Clock& clock;
    ChainAccess& chain;
    TxPool* txpool;  // null: no transaction relay
    PeerNetwork& network;
    JobRunner& query;       // chain-state and mempool look-ups for peers (blocking jobs)
    JobRunner& validation;  // block validation, fed by a bounded queue
    asio::io_context& io;
    const BlockFilterSource* filters = nullptr;  // BIP157 serving (-peerblockfilters); null: not served
};

std::unique_ptr<NetEvents> make_peer_logic(const PeerLogicDeps& deps);

}  // namespace minicash::net
