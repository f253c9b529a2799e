// Bans and discouragement.
//
// Bans are set by the operator (RPC setban) for a subnet and a time, persisted to
// <netdir>/banlist.json in Bitcoin Core's shape:
//   {"banned_nets": [{"version": 1, "ban_created": <unix s>, "banned_until": <unix s>,
//                     "address": "1.2.3.0/24"}, ...]}
// Banned addresses are refused inbound and never connected to.
//
// Discouragement is automatic (misbehaving peers), per single address, for 24 hours,
// never persisted, and bounded (kMaxDiscouraged entries, the oldest forgotten first).
// A discouraged address is not connected to and its inbound connections are refused.
//
// Thread-safety: every method locks an internal mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "net/netaddress.h"

namespace minicash::net {

struct BanEntry {
    SubNet subnet;
    int64_t created = 0;  // unix seconds
    int64_t until = 0;    // unix seconds
};

class BanMan {
public:
    static constexpr int64_t kDefaultBanSeconds = 24 * 60 * 60;  // -bantime
    static constexpr int64_t kDiscourageSeconds = 24 * 60 * 60;
    static constexpr size_t kMaxDiscouraged = 50000;
    static constexpr size_t kMaxBans = 100000;  // operator-set; bounded all the same

    // `file` may be empty (nothing persisted). `clock` returns unix seconds.
    explicit BanMan(std::filesystem::path file, std::function<int64_t()> clock = {});

    // Reads the file if it exists (expired entries are dropped). False with `error` on a
    // malformed file; the ban list is then left empty.
    [[nodiscard]] bool load(std::string* error);
    // Writes the file atomically (util/atomic_file.h). False with `error`.
    [[nodiscard]] bool save(std::string* error) const;

    // Adds or replaces a ban; returns false when the table is full.
    [[nodiscard]] bool ban(const SubNet& subnet, int64_t until);
    [[nodiscard]] bool unban(const SubNet& subnet);  // false when not banned
    void clear_bans();
    bool is_banned(const NetAddr& addr) const;
    bool is_banned_exactly(const SubNet& subnet) const;  // that subnet has an entry
    std::vector<BanEntry> list() const;                  // expired entries removed first

    void discourage(const NetAddr& addr);
    bool is_discouraged(const NetAddr& addr) const;
    void clear_discouraged();
    size_t discouraged_count() const;

    int64_t now() const;

private:
    void sweep_locked() const;

    std::filesystem::path file_;
    std::function<int64_t()> clock_;
    mutable std::mutex mutex_;
    mutable std::map<SubNet, BanEntry> bans_;
    mutable std::map<NetAddr, int64_t> discouraged_;             // address -> until
    mutable std::multimap<int64_t, NetAddr> discouraged_order_;  // until -> address
};

}  // namespace minicash::net
