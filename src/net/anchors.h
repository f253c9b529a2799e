// anchors.dat: the block-relay-only peers of the last clean run, reconnected first on
// the next start so that an attacker who fills our address manager while we are down
// cannot take over every outbound slot (Core's anchors). Written at shutdown (at most
// two addresses), read once at start and deleted right after reading, so anchors are
// used for one start only.
//
// Format (Core's, so the files are interchangeable): network magic (4) | compact size n |
// n x address | sha256d of everything before (32); address (Core's CAddress "V2 disk"
// form): u32 220000|2^29 (LE) | u32 time (LE) | compact size services | u8 BIP155
// network id | compact size length | address bytes | u16 port (BE).
//
// Thread rules: none (functions over a file; the caller serialises access).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "net/protocol.h"

namespace minicash::net {

inline constexpr size_t kMaxAnchors = 2;  // MAX_BLOCK_RELAY_ONLY_ANCHORS

// Writes `anchors` (atomically). False with `error`.
bool write_anchors(const std::filesystem::path& file, const Magic& magic, const std::vector<AddrEntry>& anchors,
                   std::string* error);
// Reads the file and deletes it, whatever it held. A missing, damaged or foreign file
// yields no anchors (and `error`, except when missing); at most kMaxAnchors are returned.
std::vector<AddrEntry> read_anchors(const std::filesystem::path& file, const Magic& magic, std::string* error);

}  // namespace minicash::net
