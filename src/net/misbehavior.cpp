#include "net/misbehavior.h"

#include <array>

#include "net/peer.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

using enum Misbehavior;
constexpr PeerAction kDrop = PeerAction::DROP;
constexpr PeerAction kDisconnect = PeerAction::DISCONNECT;
constexpr PeerAction kDiscourage = PeerAction::DISCOURAGE;

// In enum order (checked at compile time below).
constexpr std::array kRules{
    MisbehaviorRule{WRONG_MAGIC, kDisconnect, "wrong network magic", "Header error: Wrong MessageStart; disconnect"},
    MisbehaviorRule{OVERSIZED_MESSAGE, kDisconnect, "oversized message",
                    "Header error: Size too large (above 4,000,000 bytes); disconnect"},
    MisbehaviorRule{BAD_CHECKSUM, kDrop, "checksum mismatch", "Header error: Wrong checksum; message dropped"},
    MisbehaviorRule{BAD_COMMAND, kDrop, "malformed command name",
                    "Header error: Invalid message type; message dropped"},
    MisbehaviorRule{BEFORE_VERSION, kDrop, "message before the version handshake",
                    "non-version message before version handshake; ignored"},
    MisbehaviorRule{DUPLICATE_VERSION, kDrop, "redundant version message", "redundant version message; ignored"},
    MisbehaviorRule{BEFORE_VERACK, kDrop, "message before verack", "Unsupported message prior to verack; ignored"},
    MisbehaviorRule{DUPLICATE_VERACK, kDrop, "redundant verack message", "ignoring redundant verack message"},
    MisbehaviorRule{FEATURE_AFTER_VERACK, kDisconnect, "feature negotiation after verack",
                    "wtxidrelay / sendaddrv2 received after verack; disconnect"},
    MisbehaviorRule{UNDECODABLE, kDrop, "undecodable payload",
                    "exception caught in ProcessMessages; message dropped (a version with a user agent over 256 bytes "
                    "too)"},
    MisbehaviorRule{UNKNOWN_COMMAND, kDrop, "unknown command", "Unknown command; ignored"},
    MisbehaviorRule{TOO_MANY_INVENTORY, kDiscourage, "too many inventory entries",
                    "Misbehaving: inv / getdata message size above 50,000"},
    MisbehaviorRule{TOO_MANY_ADDRESSES, kDiscourage, "too many addresses",
                    "Misbehaving: addr / addrv2 message size above 1,000"},
    MisbehaviorRule{TOO_MANY_HEADERS, kDiscourage, "too many headers", "Misbehaving: headers message size above 2,000"},
    MisbehaviorRule{LOCATOR_TOO_LONG, kDisconnect, "locator too long",
                    "getheaders / getblocks locator size above 101; disconnect"},
    MisbehaviorRule{BAD_FEEFILTER, kDrop, "fee filter out of range", "feefilter outside MoneyRange; ignored"},
    MisbehaviorRule{TX_RELAY_NOT_AGREED, kDisconnect,
                    "transaction on a block-relay-only connection or under -blocksonly",
                    "transaction (inv) sent in violation of protocol; disconnect"},
    MisbehaviorRule{MEMPOOL_NOT_SERVED, kDisconnect, "mempool request with bloom filters disabled",
                    "mempool request with bloom filters disabled; disconnect unless noban"},
    MisbehaviorRule{NON_CONTINUOUS_HEADERS, kDiscourage, "non-continuous headers sequence",
                    "Misbehaving: non-continuous headers sequence"},
    MisbehaviorRule{HEADER_INVALID_POW, kDiscourage, "header with invalid proof of work",
                    "Misbehaving: header with invalid proof of work"},
    MisbehaviorRule{INVALID_HEADER, kDiscourage, "invalid header received",
                    "MaybePunishNodeForBlock: Misbehaving by BlockValidationResult"},
    MisbehaviorRule{INVALID_BLOCK, kDiscourage, "invalid block",
                    "MaybePunishNodeForBlock: Misbehaving by BlockValidationResult"},
    MisbehaviorRule{INVALID_COMPACT_BLOCK, kDiscourage, "invalid compact block", "Misbehaving: invalid compact block"},
    MisbehaviorRule{BLOCKTXN_MISMATCH, kDiscourage, "invalid compact block/non-matching block transactions",
                    "Misbehaving: invalid compact block/non-matching block transactions"},
    MisbehaviorRule{GETBLOCKTXN_OUT_OF_BOUNDS, kDiscourage, "getblocktxn with out-of-bounds tx indices",
                    "Misbehaving: getblocktxn with out-of-bounds tx indices"},
    MisbehaviorRule{BAD_FILTER_REQUEST, kDisconnect, "bad block filter request",
                    "getcfilters / getcfheaders / getcfcheckpt: unsupported type, unknown stop hash, start above "
                    "stop, too many; disconnect"},
};

constexpr bool rules_in_order() {
    for (size_t i = 0; i < kRules.size(); ++i)
        if (size_t(kRules[i].what) != i) return false;
    return size_t(BAD_FILTER_REQUEST) + 1 == kRules.size();
}
static_assert(rules_in_order(), "kRules must list every Misbehavior once, in enum order");

}  // namespace

const char* peer_action_name(PeerAction a) {
    switch (a) {
    case PeerAction::DROP: return "drop";
    case PeerAction::DISCONNECT: return "disconnect";
    case PeerAction::DISCOURAGE: return "discourage";
    }
    return "unknown";
}

const MisbehaviorRule& misbehavior_rule(Misbehavior m) { return kRules.at(size_t(m)); }

std::span<const MisbehaviorRule> misbehavior_rules() { return kRules; }

void act_on_misbehavior(Peer& peer, Misbehavior m, const std::string& detail) {
    const MisbehaviorRule& rule = misbehavior_rule(m);
    std::string reason = rule.reason;
    if (!detail.empty()) reason += ": " + detail;
    switch (rule.action) {
    case PeerAction::DROP:
        log_debug(LogCategory::NET, "dropped a message from peer=%lld: %s", (long long)peer.id, reason.c_str());
        return;
    case PeerAction::DISCONNECT:
        if (!peer.disconnected())
            log_debug(LogCategory::NET, "%s, disconnecting peer=%lld", reason.c_str(), (long long)peer.id);
        peer.disconnect(reason);
        return;
    case PeerAction::DISCOURAGE: peer.misbehaving(reason); return;
    }
}

bool block_rejection_punishable(ValidationResult result, bool cached, bool via_compact, bool inbound) {
    if (cached) return !via_compact && !inbound;
    switch (result) {
    case ValidationResult::CONSENSUS:
    case ValidationResult::MUTATED: return !via_compact;
    case ValidationResult::INVALID_HEADER:
    case ValidationResult::INVALID_PREV:
    case ValidationResult::MISSING_PREV: return true;
    case ValidationResult::VALID:
    case ValidationResult::TIME_FUTURE:
    case ValidationResult::INPUTS: return false;
    }
    return false;
}

}  // namespace minicash::net
