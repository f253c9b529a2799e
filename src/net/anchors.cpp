#include "net/anchors.h"

#include <fstream>
#include <iterator>

#include "consensus/serialize.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace minicash::net {

namespace {

constexpr uint32_t kDiskVersion = 220000u | (1u << 29);  // Core's DISK_VERSION_INIT | DISK_VERSION_ADDRV2
constexpr uint32_t kDiskVersionIgnored = 0x7ffffu;       // Core ignores the low bits (the client version)
constexpr uintmax_t kMaxFileSize = 64 * 1024;            // far above two addresses

bool set_error(std::string* error, const std::string& what) {
    if (error) *error = what;
    return false;
}

}  // namespace

bool write_anchors(const std::filesystem::path& file, const Magic& magic, const std::vector<AddrEntry>& anchors,
                   std::string* error) {
    Bytes out;
    Writer w(out);
    w.bytes(magic);
    size_t n = 0;
    for (const AddrEntry& a : anchors)
        if (a.service) ++n;
    w.compact_size(n);
    for (const AddrEntry& a : anchors) {
        if (!a.service) continue;
        w.u32(kDiskVersion);
        w.u32(a.time);
        w.compact_size(a.services);
        w.u8(uint8_t(a.service->addr.id()));
        w.var_bytes(a.service->addr.bip155_bytes());
        w.u8(uint8_t(a.service->port >> 8));
        w.u8(uint8_t(a.service->port));
    }
    w.hash(sha256d(out));
    return write_file_atomically(file, out, error);
}

std::vector<AddrEntry> read_anchors(const std::filesystem::path& file, const Magic& magic, std::string* error) {
    std::vector<AddrEntry> out;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return out;
    auto fail = [&](const std::string& why) {
        set_error(error, file.filename().string() + ": " + why);
        out.clear();
    };
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size > kMaxFileSize) {
        fail("unreadable or too large");
    } else {
        std::ifstream in(file, std::ios::binary);
        const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const ByteView all(data);
        if (all.size() < 4 + 1 + 32) {
            fail("too short");
        } else if (sha256d(all.first(all.size() - 32)) != uint256(all.last(32))) {
            fail("checksum mismatch");
        } else {
            Reader r(all.first(all.size() - 32));
            const ByteView m = r.view(4);
            const uint64_t n = r.count(4 + 4 + 1 + 1 + 1 + 2);
            if (!std::equal(m.begin(), m.end(), magic.begin())) {
                fail("belongs to another network");
            } else {
                for (uint64_t i = 0; i < n && r.ok(); ++i) {
                    AddrEntry e;
                    const uint32_t version = r.u32() & ~kDiskVersionIgnored;
                    e.time = r.u32();
                    e.services = r.compact_size(false);
                    const uint8_t id = r.u8();
                    const uint64_t len = r.compact_size();
                    if (r.ok() && len > kMaxAddrV2Length) r.fail("address too long");
                    const ByteView bytes = r.view(size_t(len));
                    const uint8_t hi = r.u8(), lo = r.u8();
                    if (!r.ok()) break;
                    if (version != (kDiskVersion & ~kDiskVersionIgnored)) {
                        r.fail("unknown address format");
                        break;
                    }
                    if (auto a = NetAddr::from_bip155(id, bytes)) e.service = Service{*a, uint16_t((hi << 8) | lo)};
                    if (e.service && out.size() < kMaxAnchors) out.push_back(e);
                }
                if (!r.ok() || !r.empty()) fail(r.ok() ? "trailing data" : r.error());
            }
        }
    }
    std::filesystem::remove(file, ec);  // anchors serve one start only, whatever they held
    return out;
}

}  // namespace minicash::net
