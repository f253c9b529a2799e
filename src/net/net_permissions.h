// Peer permissions granted by the operator (-whitelist, -whitebind), with Core's names,
// flags and parsing. What each one does in minicash:
//   noban       never discouraged or disconnected for misbehaviour (only logged); let in
//               even when banned or discouraged; never evicted for an inbound
//               connection. Implies download.
//   relay       transaction announcements from it are not capped at 5,000 pending, and
//               its transactions are taken even with -blocksonly.
//   forcerelay  implies relay; a transaction it sends that we already hold in the
//               mempool is announced again to every peer; no feefilter is sent to it.
//   mempool     may send BIP35 "mempool" (answered with an inv of the mempool above its
//               fee filter); without it the message disconnects the peer (unless noban).
//   download    served beyond an upload target (minicash has no -maxuploadtarget, so
//               every peer is; accepted and shown).
//   addr        addresses from it are not rate-limited; its getaddr is answered from the
//               address manager directly rather than a per-network cached response.
//   bloomfilter accepted and shown; BIP37 is not implemented, so it grants nothing.
// -whitelist entries without "perms@" get the implicit set: noban, mempool, relay (if
// -whitelistrelay, default 1) and forcerelay (if -whitelistforcerelay, default 0).
//
// Thread rules: none (values and pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/netaddress.h"

namespace minicash::net {

// Core's NetPermissionFlags values (forcerelay includes relay, noban includes download).
enum NetPermissionFlags : uint32_t {
    PF_NONE = 0,
    PF_BLOOMFILTER = 1u << 1,
    PF_RELAY = 1u << 3,
    PF_FORCERELAY = (1u << 2) | PF_RELAY,
    PF_DOWNLOAD = 1u << 6,
    PF_NOBAN = (1u << 4) | PF_DOWNLOAD,
    PF_MEMPOOL = 1u << 5,
    PF_ADDR = 1u << 7,
    PF_IMPLICIT = 1u << 31,  // no "perms@" given: the defaults apply
    PF_ALL = PF_BLOOMFILTER | PF_FORCERELAY | PF_RELAY | PF_NOBAN | PF_MEMPOOL | PF_DOWNLOAD | PF_ADDR,
};

inline bool has_permission(uint32_t flags, NetPermissionFlags f) { return (flags & f) == f; }

// getpeerinfo's "permissions" strings, in Core's order.
std::vector<std::string> permission_names(uint32_t flags);

// Which connections a -whitelist entry applies to ("in", "out" or both; default in).
enum ConnectionDirection : uint8_t { DIR_NONE = 0, DIR_IN = 1, DIR_OUT = 2, DIR_BOTH = 3 };

struct WhitelistEntry {
    uint32_t flags = PF_NONE;
    SubNet subnet;
    uint8_t directions = DIR_IN;
};

struct WhitebindEntry {
    uint32_t flags = PF_NONE;
    Service service;
};

// "[perm1,perm2@]subnet" (-whitelist). nullopt with Core's message in `error`.
std::optional<WhitelistEntry> parse_whitelist(std::string_view text, std::string* error);
// "[perm1,perm2@]addr:port" (-whitebind; the port is required). nullopt with Core's
// message in `error`.
std::optional<WhitebindEntry> parse_whitebind(std::string_view text, std::string* error);

// The permissions a connection gets: `base` (its -whitebind), plus those of every
// -whitelist entry of its direction that contains `addr`; an implicit set is then
// replaced by the defaults (see above).
uint32_t apply_whitelist(uint32_t base, const NetAddr& addr, const std::vector<WhitelistEntry>& whitelist,
                         ConnectionDirection direction, bool whitelist_relay, bool whitelist_forcerelay);

}  // namespace minicash::net
