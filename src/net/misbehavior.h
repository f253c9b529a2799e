// What a peer's bad message or bad data costs it, as Bitcoin Core's current release
// decides (there is no misbehaviour score since Core 28: one Misbehaving call marks the
// peer, which is then disconnected and its address discouraged for 24 hours).
//
// Every case the P2P code rejects is a `Misbehavior`; `misbehavior_rule()` is the one
// place that says what follows from it, and `act_on_misbehavior()` applies it: one
// `-debug=net` line with the peer id and the reason, then
//   DROP        the message is ignored, the connection goes on;
//   DISCONNECT  the connection is closed (manual and noban peers too), the address is
//               not punished;
//   DISCOURAGE  Core's Misbehaving (Peer::misbehaving): disconnect and discourage the
//               address for 24 hours; a noban or manual peer is only logged, a local
//               (loopback or inbound onion) peer only disconnected.
// The table in src/net/README.md lists the same rows.
//
// Thread rules: event loop thread only (like the Peer it acts on).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "consensus/validation_state.h"

namespace minicash::net {

class Peer;

enum class PeerAction : uint8_t { DROP, DISCONNECT, DISCOURAGE };
const char* peer_action_name(PeerAction a);  // "drop", "disconnect", "discourage"

enum class Misbehavior : uint8_t {
    // v1 framing (v1_transport.h)
    WRONG_MAGIC,
    OVERSIZED_MESSAGE,
    BAD_CHECKSUM,
    BAD_COMMAND,
    // handshake
    BEFORE_VERSION,
    DUPLICATE_VERSION,
    BEFORE_VERACK,
    DUPLICATE_VERACK,
    FEATURE_AFTER_VERACK,  // wtxidrelay or sendaddrv2 after verack
    // payloads
    UNDECODABLE,  // a payload that does not decode (truncated, trailing bytes, bad field)
    UNKNOWN_COMMAND,
    TOO_MANY_INVENTORY,   // inv or getdata above 50,000 entries
    TOO_MANY_ADDRESSES,   // addr or addrv2 above 1,000 entries
    TOO_MANY_HEADERS,     // headers above 2,000 entries
    LOCATOR_TOO_LONG,     // getheaders or getblocks with more than 101 locator hashes
    BAD_FEEFILTER,        // a fee rate outside 0..21M BTC
    TX_RELAY_NOT_AGREED,  // a transaction (or its inv) on a block-relay-only connection
    MEMPOOL_NOT_SERVED,   // `mempool` while we offer no bloom filters (noban peers excepted)
    // headers and blocks
    NON_CONTINUOUS_HEADERS,
    HEADER_INVALID_POW,
    INVALID_HEADER,  // rejected by the chain state, and punishable (block_rejection_punishable)
    INVALID_BLOCK,   // rejected by validation, and punishable (block_rejection_punishable)
    // compact blocks (BIP152)
    INVALID_COMPACT_BLOCK,
    BLOCKTXN_MISMATCH,
    GETBLOCKTXN_OUT_OF_BOUNDS,
    // block filters (BIP157)
    BAD_FILTER_REQUEST,
};

struct MisbehaviorRule {
    Misbehavior what;
    PeerAction action;
    const char* reason;  // the log text (followed by ": detail" when there is one)
    const char* core;    // what Core does in the same case, for the README table
};

const MisbehaviorRule& misbehavior_rule(Misbehavior m);
std::span<const MisbehaviorRule> misbehavior_rules();  // every row, in enum order

// Logs the case under -debug=net (peer id, reason, detail) and applies its action.
void act_on_misbehavior(Peer& peer, Misbehavior m, const std::string& detail = {});

// Core's MaybePunishNodeForBlock: whether a header or block that validation rejected
// with `result` costs its sender the address. `cached`: it was already known invalid
// ("duplicate-invalid", Core's BLOCK_CACHED_INVALID), which only punishes outbound
// peers; `via_compact`: it came as a compact block (BIP152 lets those be relayed before
// full validation), which exempts consensus, mutation and cached failures.
bool block_rejection_punishable(ValidationResult result, bool cached, bool via_compact, bool inbound);

}  // namespace minicash::net
