#include "net/addrman.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "consensus/serialize.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace minicash::net {

namespace {

constexpr char kFileMagic[8] = {'m', 'c', 'p', 'e', 'e', 'r', 's', 0};
constexpr uint32_t kFileVersion = 2;      // addresses with their BIP155 network id
constexpr uint32_t kFileVersionIpv6 = 1;  // 16-byte IPv6(-mapped) addresses only
constexpr int64_t kHorizonDays = 30;      // not heard of in this long: terrible
constexpr int kRetries = 3;               // attempts without ever succeeding
constexpr int kMaxFailures = 10;          // failures in kMinFailDays
constexpr int64_t kMinFailDays = 7;
constexpr int64_t kDay = 24 * 60 * 60;
constexpr size_t kEntrySizeV1 = 1 + 16 + 2 + 8 + 8 + 16 + 8 + 8 + 4;
constexpr size_t kMaxEntrySize = 1 + 33 + 2 + 8 + 8 + 33 + 8 + 8 + 4;

void write_address(Writer& w, const NetAddr& a) {
    w.u8(uint8_t(a.id()));
    w.bytes(a.bip155_bytes());
}

std::optional<NetAddr> read_address(Reader& r, uint32_t version) {
    if (version == kFileVersionIpv6) {
        ByteView ip = r.view(16);
        if (!r.ok()) return std::nullopt;
        return NetAddr::from_v6_bytes(ip.data());
    }
    const uint8_t id = r.u8();
    const size_t size = bip155_address_size(id);
    if (!r.ok() || size == 0) return std::nullopt;
    ByteView bytes = r.view(size);
    if (!r.ok()) return std::nullopt;
    return NetAddr::from_bip155(id, bytes);
}

}  // namespace

AddrMan::AddrMan(std::function<int64_t()> clock, uint64_t seed) : clock_(std::move(clock)) {
    if (!clock_) {
        clock_ = [] {
            return int64_t(
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
        };
    }
    if (seed == 0) {
        std::random_device rd;
        for (size_t i = 0; i < key_.size(); i += 4) {
            const uint32_t v = rd();
            std::memcpy(key_.data() + i, &v, 4);
        }
        rng_.seed((uint64_t(rd()) << 32) | rd());
    } else {
        for (size_t i = 0; i < key_.size(); ++i) key_[i] = uint8_t(seed >> ((i % 8) * 8)) ^ uint8_t(i);
        rng_.seed(seed);
    }
    clear_locked();
}

void AddrMan::clear_locked() {
    by_service_.clear();
    entries_.clear();
    free_ids_.clear();
    new_slots_.assign(size_t(kNewBuckets) * kBucketSize, -1);
    tried_slots_.assign(size_t(kTriedBuckets) * kBucketSize, -1);
    new_ids_.clear();
    tried_ids_.clear();
    tried_collisions_.clear();
}

uint64_t AddrMan::keyed_hash(std::initializer_list<ByteView> parts) const {
    HashWriter w;
    w.write(key_);
    for (ByteView p : parts) w.write_var_bytes(p);
    return w.sha256d().low64();
}

int AddrMan::new_slot(const Service& addr, const NetAddr& source) const {
    const Bytes src_group = source.group();
    const Bytes group = addr.addr.group();
    uint8_t n[8];
    write_le64(n, keyed_hash({group, src_group}) % 64);
    const uint64_t bucket = keyed_hash({src_group, ByteView(n, 8)}) % kNewBuckets;
    write_le64(n, bucket);
    const Bytes k = addr.key();
    const uint64_t pos =
        keyed_hash({ByteView(n, 8), k, ByteView(reinterpret_cast<const uint8_t*>("N"), 1)}) % kBucketSize;
    return int(bucket * kBucketSize + pos);
}

int AddrMan::tried_slot(const Service& addr) const {
    const Bytes k = addr.key();
    const Bytes group = addr.addr.group();
    uint8_t n[8];
    write_le64(n, keyed_hash({k}) % 8);
    const uint64_t bucket = keyed_hash({group, ByteView(n, 8)}) % kTriedBuckets;
    write_le64(n, bucket);
    const uint64_t pos =
        keyed_hash({ByteView(n, 8), k, ByteView(reinterpret_cast<const uint8_t*>("T"), 1)}) % kBucketSize;
    return int(bucket * kBucketSize + pos);
}

bool AddrMan::is_terrible(const AddrInfo& a, int64_t now) const {
    if (a.last_try && a.last_try >= now - 60) return false;  // just tried: give it a chance
    if (a.time > now + 10 * 60) return true;                 // from the future
    if (a.time == 0 || now - a.time > kHorizonDays * kDay) return true;
    if (a.last_success == 0 && a.attempts >= kRetries) return true;
    if (now - a.last_success > kMinFailDays * kDay && a.attempts >= kMaxFailures) return true;
    return false;
}

double AddrMan::chance(const AddrInfo& a, int64_t now) const {
    double c = 1.0;
    if (now - a.last_try < 10 * 60) c *= 0.01;
    for (int i = 0; i < std::min(a.attempts, 8); ++i) c *= 0.66;
    return c;
}

int AddrMan::alloc(const AddrInfo& info) {
    int id;
    if (!free_ids_.empty()) {
        id = free_ids_.back();
        free_ids_.pop_back();
        entries_[size_t(id)] = Entry{info};
    } else {
        id = int(entries_.size());
        entries_.push_back(Entry{info});
    }
    by_service_[info.service] = id;
    return id;
}

void AddrMan::place_new(int id, int slot) {
    Entry& e = entries_[size_t(id)];
    e.info.tried = false;
    e.slot = slot;
    e.list_pos = new_ids_.size();
    new_ids_.push_back(id);
    new_slots_[size_t(slot)] = id;
}

void AddrMan::place_tried(int id, int slot) {
    Entry& e = entries_[size_t(id)];
    e.info.tried = true;
    e.slot = slot;
    e.list_pos = tried_ids_.size();
    tried_ids_.push_back(id);
    tried_slots_[size_t(slot)] = id;
}

void AddrMan::unplace(int id) {
    Entry& e = entries_[size_t(id)];
    if (e.slot < 0) return;
    auto& slots = e.info.tried ? tried_slots_ : new_slots_;
    auto& ids = e.info.tried ? tried_ids_ : new_ids_;
    slots[size_t(e.slot)] = -1;
    const int last = ids.back();
    ids[e.list_pos] = last;
    entries_[size_t(last)].list_pos = e.list_pos;
    ids.pop_back();
    e.slot = -1;
}

void AddrMan::erase(int id) {
    tried_collisions_.erase(std::remove(tried_collisions_.begin(), tried_collisions_.end(), id),
                            tried_collisions_.end());
    unplace(id);
    by_service_.erase(entries_[size_t(id)].info.service);
    free_ids_.push_back(id);
}

bool AddrMan::add(const Service& service, uint64_t services, int64_t time, const NetAddr& source, int64_t time_penalty,
                  bool allow_local) {
    if (service.port == 0 || !service.addr.is_valid()) return false;
    if (!allow_local && !service.addr.is_routable()) return false;
    std::lock_guard lock(mutex_);
    const int64_t now = clock_();
    const int64_t t = std::max<int64_t>(0, std::min(time, now + 10 * 60) - time_penalty);
    auto it = by_service_.find(service);
    if (it != by_service_.end()) {
        AddrInfo& info = entries_[size_t(it->second)].info;
        // Refresh the time only when notably newer (an hour, or a day for old entries).
        const int64_t update_interval = (now - t < kDay) ? 60 * 60 : kDay;
        if (t > info.time + update_interval) info.time = t;
        info.services |= services;
        return false;
    }
    AddrInfo info;
    info.service = service;
    info.services = services;
    info.time = t;
    info.source = source;
    const int slot = new_slot(service, source);
    const int occupant = new_slots_[size_t(slot)];
    if (occupant >= 0) {
        if (!is_terrible(entries_[size_t(occupant)].info, now)) return false;
        erase(occupant);
    }
    place_new(alloc(info), slot);
    return true;
}

void AddrMan::make_tried(int id) {
    const Service service = entries_[size_t(id)].info.service;
    const int slot = tried_slot(service);
    const int occupant = tried_slots_[size_t(slot)];
    unplace(id);
    if (occupant >= 0) {
        // The occupant goes back to the new table, where it may find room.
        unplace(occupant);
        const AddrInfo& old = entries_[size_t(occupant)].info;
        const int nslot = new_slot(old.service, old.source);
        const int there = new_slots_[size_t(nslot)];
        if (there < 0) {
            place_new(occupant, nslot);
        } else {
            by_service_.erase(old.service);
            free_ids_.push_back(occupant);
        }
    }
    place_tried(id, slot);
}

bool AddrMan::good(const Service& service, bool test_before_evict) {
    std::lock_guard lock(mutex_);
    auto it = by_service_.find(service);
    if (it == by_service_.end()) return false;
    const int id = it->second;
    const int64_t now = clock_();
    AddrInfo& info = entries_[size_t(id)].info;
    info.last_success = now;
    info.last_try = now;
    info.attempts = 0;
    if (info.tried) return true;
    const int occupant = tried_slots_[size_t(tried_slot(service))];
    if (test_before_evict && occupant >= 0 && occupant != id) {
        // Test before evicting: a feeler connection to the occupant decides.
        if (tried_collisions_.size() < kMaxTriedCollisions &&
            std::find(tried_collisions_.begin(), tried_collisions_.end(), id) == tried_collisions_.end())
            tried_collisions_.push_back(id);
        return false;
    }
    make_tried(id);
    return true;
}

void AddrMan::resolve_collisions() {
    std::lock_guard lock(mutex_);
    const int64_t now = clock_();
    std::vector<int> keep;
    for (const int id : tried_collisions_) {
        if (id >= int(entries_.size()) || entries_[size_t(id)].slot < 0 || entries_[size_t(id)].info.tried)
            continue;  // gone (or already tried): nothing to settle
        const AddrInfo& fresh = entries_[size_t(id)].info;
        const int occupant = tried_slots_[size_t(tried_slot(fresh.service))];
        if (occupant < 0) {  // no longer a collision
            make_tried(id);
            continue;
        }
        const AddrInfo& old = entries_[size_t(occupant)].info;
        if (now - old.last_success < kReplacementSeconds) continue;  // the occupant answered: keep it
        if (now - old.last_try < kReplacementSeconds) {
            if (now - old.last_try > 60) {
                make_tried(id);  // tried at least a minute ago, no answer: replace it
                continue;
            }
            keep.push_back(id);  // being tested: give it time
            continue;
        }
        if (now - fresh.last_success > kTestWindowSeconds) {
            make_tried(id);  // could not test it in time: replace it anyway
            continue;
        }
        keep.push_back(id);
    }
    tried_collisions_ = std::move(keep);
}

std::optional<AddrInfo> AddrMan::select_tried_collision() {
    std::lock_guard lock(mutex_);
    if (tried_collisions_.empty()) return std::nullopt;
    const size_t i = size_t(rng_() % tried_collisions_.size());
    const int id = tried_collisions_[i];
    if (id >= int(entries_.size()) || entries_[size_t(id)].slot < 0 || entries_[size_t(id)].info.tried) {
        tried_collisions_.erase(tried_collisions_.begin() + long(i));
        return std::nullopt;
    }
    const int occupant = tried_slots_[size_t(tried_slot(entries_[size_t(id)].info.service))];
    if (occupant < 0) return std::nullopt;
    return entries_[size_t(occupant)].info;
}

size_t AddrMan::collision_count() const {
    std::lock_guard lock(mutex_);
    return tried_collisions_.size();
}

void AddrMan::attempt(const Service& service, bool count_failure) {
    std::lock_guard lock(mutex_);
    auto it = by_service_.find(service);
    if (it == by_service_.end()) return;
    AddrInfo& info = entries_[size_t(it->second)].info;
    info.last_try = clock_();
    if (count_failure) ++info.attempts;
}

void AddrMan::connected(const Service& service) {
    std::lock_guard lock(mutex_);
    auto it = by_service_.find(service);
    if (it == by_service_.end()) return;
    AddrInfo& info = entries_[size_t(it->second)].info;
    const int64_t now = clock_();
    if (now - info.time > 20 * 60) info.time = now;
}

void AddrMan::set_services(const Service& service, uint64_t services) {
    std::lock_guard lock(mutex_);
    auto it = by_service_.find(service);
    if (it != by_service_.end()) entries_[size_t(it->second)].info.services = services;
}

std::optional<AddrInfo> AddrMan::select(bool new_only) {
    std::lock_guard lock(mutex_);
    if (new_ids_.empty() && (new_only || tried_ids_.empty())) return std::nullopt;
    const int64_t now = clock_();
    bool use_tried = !new_only && !tried_ids_.empty() && (new_ids_.empty() || (rng_() & 1));
    const auto& ids = use_tried ? tried_ids_ : new_ids_;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double factor = 1.0;
    for (int round = 0; round < 10000; ++round) {
        const int id = ids[size_t(rng_() % ids.size())];
        const AddrInfo& info = entries_[size_t(id)].info;
        if (unit(rng_) < factor * chance(info, now)) return info;
        factor *= 1.2;
    }
    return entries_[size_t(ids[size_t(rng_() % ids.size())])].info;
}

std::vector<AddrInfo> AddrMan::get_addresses(size_t max_count, size_t max_pct) {
    std::lock_guard lock(mutex_);
    const int64_t now = clock_();
    std::vector<int> ids = new_ids_;
    ids.insert(ids.end(), tried_ids_.begin(), tried_ids_.end());
    size_t n = ids.size();
    if (max_pct < 100) n = (n * max_pct + 99) / 100;  // rounded up: a small table still shares
    n = std::min(n, max_count);
    std::vector<AddrInfo> out;
    out.reserve(n);
    for (size_t i = 0; i < ids.size() && out.size() < n; ++i) {
        const size_t j = i + size_t(rng_() % (ids.size() - i));
        std::swap(ids[i], ids[j]);
        const AddrInfo& info = entries_[size_t(ids[i])].info;
        if (!is_terrible(info, now)) out.push_back(info);
    }
    return out;
}

std::vector<AddrMan::Placed> AddrMan::placed_entries() const {
    std::lock_guard lock(mutex_);
    std::vector<Placed> out;
    out.reserve(new_ids_.size() + tried_ids_.size());
    for (const std::vector<int>* ids : {&new_ids_, &tried_ids_})
        for (int id : *ids) {
            const Entry& e = entries_[size_t(id)];
            out.push_back({e.info, e.slot / int(kBucketSize), e.slot % int(kBucketSize)});
        }
    return out;
}

size_t AddrMan::size() const {
    std::lock_guard lock(mutex_);
    return new_ids_.size() + tried_ids_.size();
}

size_t AddrMan::new_count() const {
    std::lock_guard lock(mutex_);
    return new_ids_.size();
}

size_t AddrMan::tried_count() const {
    std::lock_guard lock(mutex_);
    return tried_ids_.size();
}

std::optional<AddrInfo> AddrMan::find(const Service& service) const {
    std::lock_guard lock(mutex_);
    auto it = by_service_.find(service);
    if (it == by_service_.end()) return std::nullopt;
    return entries_[size_t(it->second)].info;
}

bool AddrMan::save(const std::filesystem::path& file, const Magic& magic, std::string* error) const {
    Bytes out;
    Writer w(out);
    {
        std::lock_guard lock(mutex_);
        w.bytes(ByteView(reinterpret_cast<const uint8_t*>(kFileMagic), 8));
        w.u32(kFileVersion);
        w.bytes(magic);
        w.bytes(key_);
        w.u32(uint32_t(new_ids_.size() + tried_ids_.size()));
        auto put = [&](int id) {
            const AddrInfo& a = entries_[size_t(id)].info;
            w.u8(a.tried ? 1 : 0);
            write_address(w, a.service.addr);
            w.u8(uint8_t(a.service.port >> 8));
            w.u8(uint8_t(a.service.port));
            w.u64(a.services);
            w.i64(a.time);
            write_address(w, a.source);
            w.i64(a.last_try);
            w.i64(a.last_success);
            w.i32(a.attempts);
        };
        for (int id : tried_ids_) put(id);
        for (int id : new_ids_) put(id);
    }
    const uint256 sum = sha256d(out);
    w.hash(sum);
    return write_file_atomically(file, out, error);
}

bool AddrMan::load(const std::filesystem::path& file, const Magic& magic, std::string* error) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        std::lock_guard lock(mutex_);
        clear_locked();
        return true;
    }
    // A damaged file leaves the table empty, whatever is wrong with it.
    auto fail = [&](const std::string& why) {
        {
            std::lock_guard lock(mutex_);
            clear_locked();
        }
        if (error) *error = file.string() + ": " + why;
        return false;
    };
    const uint64_t max_size = 8 + 4 + 4 + 32 + 4 + kMaxEntries * kMaxEntrySize + 32;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size > max_size) return fail("unreadable or too large");
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    const ByteView all(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (all.size() < 8 + 4 + 4 + 32 + 4 + 32) return fail("file too short");
    if (sha256d(all.first(all.size() - 32)) != uint256(all.last(32))) return fail("checksum mismatch");
    Reader r(all.first(all.size() - 32));
    ByteView m = r.view(8);
    if (std::memcmp(m.data(), kFileMagic, 8) != 0) return fail("not a minicash peers file");
    const uint32_t version = r.u32();
    if (version != kFileVersion && version != kFileVersionIpv6) return fail("unsupported format version");
    ByteView net = r.view(4);
    if (!std::equal(net.begin(), net.end(), magic.begin())) return fail("belongs to another network");
    std::array<uint8_t, 32> key;
    ByteView k = r.view(32);
    std::copy(k.begin(), k.end(), key.begin());
    const uint32_t count = r.u32();
    if (!r.ok() || count > kMaxEntries ||
        (version == kFileVersionIpv6 && r.remaining() != size_t(count) * kEntrySizeV1))
        return fail("entry count does not match the file size");

    // Everything is read before the table is replaced.
    std::vector<AddrInfo> loaded;
    loaded.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        AddrInfo a;
        a.tried = r.u8() != 0;
        auto addr = read_address(r, version);
        const uint8_t hi = r.u8(), lo = r.u8();
        a.services = r.u64();
        a.time = r.i64();
        auto source = read_address(r, version);
        a.last_try = r.i64();
        a.last_success = r.i64();
        a.attempts = r.i32();
        if (!r.ok() || !addr || !source) return fail("truncated or malformed entry");
        a.service = Service{*addr, uint16_t((hi << 8) | lo)};
        a.source = *source;
        loaded.push_back(a);
    }
    if (r.remaining() != 0) return fail("entry count does not match the file size");

    std::lock_guard lock(mutex_);
    clear_locked();
    key_ = key;
    for (AddrInfo& a : loaded) {
        if (a.service.port == 0 || !a.service.addr.is_valid() || by_service_.count(a.service)) continue;
        if (a.tried) {
            const int slot = tried_slot(a.service);
            if (tried_slots_[size_t(slot)] < 0) {
                place_tried(alloc(a), slot);
                continue;
            }
            a.tried = false;
        }
        const int slot = new_slot(a.service, a.source);
        if (new_slots_[size_t(slot)] < 0) place_new(alloc(a), slot);
    }
    return true;
}

}  // namespace minicash::net
