// What the sync and relay logic needs of the connection manager to act on peers: the
// peer table, punishment, the address manager, randomness, fatal errors, the shutdown
// flag, and the outbound-connection controls the stale-tip check uses (Core's
// SetTryNewOutboundPeer, StartExtraBlockRelayPeers, GetExtra*Count). Sending to and disconnecting a peer go through the
// Peer itself (Peer::send, Peer::disconnect, which use its transport). Connman implements it; tests implement it over
// peers with recording transports (test/net/p2p_test_harness.h).
//
// Thread rules: event loop thread only, except random_u64(), report_fatal() and
// stopping(), which any thread may call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/misbehavior.h"
#include "net/netaddress.h"

namespace minicash::net {

class AddrMan;
class Peer;

class PeerNetwork {
public:
    virtual ~PeerNetwork() = default;

    // Every peer by id, including ones disconnected but not yet reported closed.
    virtual const std::map<int64_t, std::shared_ptr<Peer>>& peers() const = 0;
    virtual std::shared_ptr<Peer> find_peer(int64_t id) const = 0;
    // The peer sent something the protocol rejects: misbehavior.h's table says whether it
    // is dropped, disconnected or discouraged (act_on_misbehavior), and it is logged.
    virtual void misbehaving(Peer& peer, Misbehavior what, const std::string& detail = {}) = 0;
    virtual AddrMan& addrman() = 0;
    virtual uint64_t random_u64() = 0;
    // Storage failed in block processing: the node must shut down.
    virtual void report_fatal(const std::string& what) = 0;
    virtual bool stopping() const = 0;
    // Whether we accept inbound connections, and on which port (to advertise ourselves).
    virtual bool listening() const = 0;
    virtual uint16_t listen_port() const = 0;
    // The address to advertise to `peer` as ours (Core's GetLocalAddrForPeer): an
    // -externalip address, or the address the peer sees us at; nullopt when we do not
    // listen or have nothing routable to offer.
    virtual std::optional<Service> local_address_for(const Peer& peer) = 0;

    // ---- outbound connections (outbound_eviction.h) ----
    // Whether automatic outbound connections are made at all (network active, no -connect).
    virtual bool automatic_outbound() const = 0;
    // One extra full-relay outbound peer is wanted (our tip may be stale).
    virtual bool try_new_outbound_peer() const = 0;
    virtual void set_try_new_outbound_peer(bool wanted) = 0;
    // From now on an extra block-relay-only peer is tried every few minutes.
    virtual void start_extra_block_relay_peers() = 0;
    // Handshaken full-relay / block-relay-only outbound peers above their targets.
    virtual int extra_full_outbound_count() const = 0;
    virtual int extra_block_relay_count() const = 0;
};

}  // namespace minicash::net
