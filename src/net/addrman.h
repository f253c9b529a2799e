// The address manager: addresses of possible peers, where we learned them and how
// connecting to them went, in bounded tables (a simplified version of Bitcoin Core's
// addrman).
//
// Addresses live in exactly one slot of one of two tables:
//   new   (1024 buckets x 64 slots): heard of, never connected. The bucket is chosen by
//         a keyed hash of the *source's* group and the address's group, so one source
//         (or one /16) can fill at most 64 buckets, never the whole table.
//   tried (256 buckets x 64 slots): we completed a handshake with it. The bucket is
//         chosen by the address's group (at most 8 buckets per group).
// A new address whose slot is taken replaces the occupant only when the occupant is
// "terrible" (stale, from the future, or failing); otherwise it is dropped. An address
// that completed a handshake moves to tried; when its tried slot is taken, it stays in
// new and the collision is remembered (at most 10) until a feeler connection has tested
// the occupant (Core's test-before-evict, resolve_collisions()). So the total is at
// most 81,920 entries, whatever peers send.
//
// Every network BIP155 names is kept (IPv4, IPv6, Tor v3, I2P, CJDNS), whether or not
// this node can reach it: addresses are relayed for others too.
//
// Persistence: <netdir>/peers.dat in minicash's own format (not Core's):
//   "mcpeers\0" | u32 version (2) | network magic (4) | bucket key (32) | u32 count |
//   count x entry | sha256d of everything before (32)
//   entry: u8 tried | address | u16 port (BE) | u64 services | i64 time |
//          source address | i64 last_try | i64 last_success | i32 attempts
//   address: u8 BIP155 network id | its address bytes (4, 16 or 32, by the id)
// written atomically (temporary file, fsync, rename). Version 1 files (16-byte
// IPv6-mapped addresses) are still read. A damaged file is reported and ignored (the
// node starts with an empty table).
//
// Thread-safety: every method locks an internal mutex.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/netaddress.h"
#include "net/protocol.h"
#include "util/uint256.h"

namespace minicash::net {

struct AddrInfo {
    Service service;
    uint64_t services = 0;
    int64_t time = 0;          // when the address was last heard of (as claimed)
    NetAddr source;            // who told us
    int64_t last_try = 0;      // our last connection attempt
    int64_t last_success = 0;  // our last completed handshake
    int32_t attempts = 0;      // failed attempts since the last success
    bool tried = false;
};

class AddrMan {
public:
    static constexpr int kNewBuckets = 1024;
    static constexpr int kTriedBuckets = 256;
    static constexpr int kBucketSize = 64;
    static constexpr size_t kMaxEntries = size_t(kNewBuckets + kTriedBuckets) * kBucketSize;

    // `clock` returns unix seconds (default: system clock); `seed` 0 picks a random key.
    explicit AddrMan(std::function<int64_t()> clock = {}, uint64_t seed = 0);

    // Adds an address heard from `source`; `time_penalty` seconds are subtracted from its
    // claimed time (Core: 2 hours for addresses relayed by others). Unroutable addresses
    // (except when `allow_local`) and port 0 are refused. True when it was new.
    bool add(const Service& service, uint64_t services, int64_t time, const NetAddr& source, int64_t time_penalty = 0,
             bool allow_local = false);
    static constexpr size_t kMaxTriedCollisions = 10;            // ADDRMAN_SET_TRIED_COLLISION_SIZE
    static constexpr int64_t kReplacementSeconds = 4 * 60 * 60;  // ADDRMAN_REPLACEMENT
    static constexpr int64_t kTestWindowSeconds = 40 * 60;       // ADDRMAN_TEST_WINDOW

    // A handshake with this address completed: move it to the tried table. When
    // `test_before_evict` and its tried slot holds another address, it stays in new and
    // the collision is remembered instead (at most kMaxTriedCollisions); otherwise the
    // occupant is pushed back to new. True when the address is now in tried.
    bool good(const Service& service, bool test_before_evict = true);
    // Settles remembered collisions (Core's ResolveCollisions): the occupant stays when it
    // completed a handshake in the last 4 hours; it is replaced when we tried it in the
    // last 4 hours, at least 60 s ago, without success, or when the newcomer has waited
    // 40 minutes for a test.
    void resolve_collisions();
    // The occupant of a random remembered collision's tried slot (for a feeler to test);
    // nullopt when there is no collision.
    std::optional<AddrInfo> select_tried_collision();
    size_t collision_count() const;
    // We are about to connect; `count_failure` when the previous attempt failed.
    void attempt(const Service& service, bool count_failure);
    // Refreshes the address's time (on disconnect of a peer that worked).
    void connected(const Service& service);
    void set_services(const Service& service, uint64_t services);

    // An address to connect to, favouring ones that worked; nullopt when empty.
    std::optional<AddrInfo> select(bool new_only = false);
    // A random sample for a getaddr reply: at most `max_count` and `max_pct` percent of
    // all entries, without terrible ones.
    std::vector<AddrInfo> get_addresses(size_t max_count, size_t max_pct);

    size_t size() const;
    size_t new_count() const;
    size_t tried_count() const;
    std::optional<AddrInfo> find(const Service& service) const;
    // Every entry with its table place (getaddrmaninfo, getrawaddrman), tried ones with
    // info.tried set: bucket and position within it.
    struct Placed {
        AddrInfo info;
        int bucket = 0;
        int position = 0;
    };
    std::vector<Placed> placed_entries() const;

    // peers.dat. `magic` ties the file to a network.
    [[nodiscard]] bool save(const std::filesystem::path& file, const Magic& magic, std::string* error) const;
    [[nodiscard]] bool load(const std::filesystem::path& file, const Magic& magic, std::string* error);

private:
    struct Entry {
        AddrInfo info;
        int slot = -1;        // index into new_slots_ or tried_slots_
        size_t list_pos = 0;  // index into new_ids_ or tried_ids_
    };

    int new_slot(const Service& addr, const NetAddr& source) const;
    int tried_slot(const Service& addr) const;
    uint64_t keyed_hash(std::initializer_list<ByteView> parts) const;
    bool is_terrible(const AddrInfo& info, int64_t now) const;
    double chance(const AddrInfo& info, int64_t now) const;

    void place_new(int id, int slot);
    void place_tried(int id, int slot);
    void unplace(int id);
    void erase(int id);
    int alloc(const AddrInfo& info);
    void clear_locked();
    void make_tried(int id);  // REQUIRES: the entry is in new

    std::function<int64_t()> clock_;
    mutable std::mutex mutex_;
    std::array<uint8_t, 32> key_{};
    std::mt19937_64 rng_;
    std::unordered_map<Service, int, ServiceHasher> by_service_;
    std::vector<Entry> entries_;  // by id; free ids are reused
    std::vector<int> free_ids_;
    std::vector<int> new_slots_;  // -1 empty, else id
    std::vector<int> tried_slots_;
    std::vector<int> new_ids_;  // ids in new, for O(1) random choice
    std::vector<int> tried_ids_;
    std::vector<int> tried_collisions_;  // ids in new whose tried slot is taken
};

}  // namespace minicash::net
