// Which automatic outbound connection to open next, and whether an address-manager entry
// may be used for it: Core's ThreadOpenConnections decisions as pure functions, so that
// Connman only keeps the timers and the sockets.
//
// Order (one connection per decision, every 500 ms tick):
//   1. an anchor (a block-relay-only peer of the last run, anchors.dat) while fewer than
//      the block-relay-only target are connected;
//   2. full-relay peers up to their target (8);
//   3. block-relay-only peers up to their target (2);
//   4. one extra full-relay peer while the stale-tip check asks for one;
//   5. an extra block-relay-only peer every ~5 minutes (exponential) once the initial
//      sync is done (it is disconnected again unless it gives us a block first);
//   6. a feeler every ~2 minutes (exponential): a short connection that tests an address
//      (a tried-table collision first, else a new-table entry) and leaves.
// Addresses: IPv4/IPv6 peers other than feelers in distinct network groups; only
// reachable networks; not tried in the last 10 minutes (before 30 selections); the
// services we need (feelers: any full node); no bad ports (before 50 selections); never
// an -addnode peer, a banned or discouraged one, or one we are connected to.
//
// Thread rules: none (pure functions).
#pragma once

#include <cstdint>

#include "net/addrman.h"

namespace minicash::net {

inline constexpr int kMaxOutboundFullRelay = 8;   // MAX_OUTBOUND_FULL_RELAY_CONNECTIONS
inline constexpr int kMaxOutboundBlockRelay = 2;  // MAX_BLOCK_RELAY_ONLY_CONNECTIONS
inline constexpr int kMaxFeelers = 1;             // MAX_FEELER_CONNECTIONS

enum class OutboundChoice { NONE, ANCHOR, FULL_RELAY, BLOCK_RELAY, EXTRA_FULL_RELAY, EXTRA_BLOCK_RELAY, FEELER };
const char* outbound_choice_name(OutboundChoice c);

struct OutboundState {
    int full_relay = 0;   // automatic full-relay connections, including attempts under way
    int block_relay = 0;  // block-relay-only connections, including attempts under way
    int max_full_relay = kMaxOutboundFullRelay;
    int max_block_relay = kMaxOutboundBlockRelay;
    bool anchors_left = false;               // anchors.dat entries not tried yet
    bool try_new_outbound_peer = false;      // the stale-tip check wants one extra peer
    bool extra_block_relay_enabled = false;  // the initial sync is done
    bool extra_block_relay_due = false;      // its timer expired
    bool feeler_due = false;                 // its timer expired
};

OutboundChoice next_outbound(const OutboundState& s);

// Core's HasAllDesirableServiceFlags: full blocks with witnesses (NODE_NETWORK, or only
// NODE_NETWORK_LIMITED once our initial download is done).
bool has_desirable_services(uint64_t services, bool initial_download_done);
// Core's MayHaveUsefulAddressDB: any full node (NODE_NETWORK or NODE_NETWORK_LIMITED).
bool may_have_useful_address_db(uint64_t services);
// Ports Core does not connect to automatically (well-known services: ssh, smtp, ...).
bool is_bad_port(uint16_t port);

struct AddressCheck {
    int tries = 0;  // selections so far in this round, this one included
    bool feeler = false;
    int64_t now = 0;                 // unix seconds
    bool group_taken = false;        // an outbound peer shares its (IPv4/IPv6) group
    bool reachable = true;           // its network is reachable
    bool is_local = false;           // one of our own addresses
    bool is_added_node = false;      // an -addnode/addnode target
    bool already_connected = false;  // connected or being connected
    bool banned = false;             // banned or discouraged
    bool initial_download_done = false;
};
enum class AddressVerdict { USE, SKIP, STOP };  // STOP: end this round of selections
AddressVerdict check_outbound_address(const AddrInfo& info, const AddressCheck& c);

}  // namespace minicash::net
