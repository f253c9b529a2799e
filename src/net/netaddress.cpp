#include "net/netaddress.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "util/hash.h"

namespace minicash::net {

namespace {

constexpr uint8_t kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool parse_u16(std::string_view s, uint16_t& out) {
    if (s.empty() || s.size() > 5) return false;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
    out = uint16_t(v);
    return true;
}

}  // namespace

NetAddr NetAddr::from_ipv4(uint32_t host_order) {
    uint8_t b[4];
    write_be32(b, host_order);
    return from_v4_bytes(b);
}

NetAddr NetAddr::from_v4_bytes(const uint8_t b[4]) {
    NetAddr a;
    std::memcpy(a.ip_.data(), kV4Prefix, 12);
    std::memcpy(a.ip_.data() + 12, b, 4);
    return a;
}

NetAddr NetAddr::from_v6_bytes(const uint8_t b[16]) {
    NetAddr a;
    std::memcpy(a.ip_.data(), b, 16);
    return a;
}

std::optional<NetAddr> NetAddr::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 45) return std::nullopt;
    const std::string s(text);
    uint8_t buf[16];
    if (::inet_pton(AF_INET, s.c_str(), buf) == 1) return from_v4_bytes(buf);
    if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) return from_v6_bytes(buf);
    return std::nullopt;
}

bool NetAddr::is_ipv4() const { return std::memcmp(ip_.data(), kV4Prefix, 12) == 0; }

uint32_t NetAddr::ipv4() const { return read_be32(ip_.data() + 12); }

bool NetAddr::is_unspecified() const {
    if (is_ipv4()) return ipv4() == 0;
    for (uint8_t b : ip_)
        if (b) return false;
    return true;
}

bool NetAddr::is_loopback() const {
    if (is_ipv4()) return (ipv4() >> 24) == 127;
    static constexpr uint8_t kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(ip_.data(), kLoop, 16) == 0;
}

bool NetAddr::is_valid() const {
    if (is_unspecified()) return false;
    if (is_ipv4()) {
        const uint32_t v = ipv4();
        if (v == 0xffffffffu) return false;  // broadcast
        if ((v >> 24) == 0) return false;    // 0.0.0.0/8
        return true;
    }
    return true;
}

bool NetAddr::is_routable() const {
    if (!is_valid() || is_loopback()) return false;
    if (is_ipv4()) {
        const uint32_t v = ipv4();
        auto in = [v](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
        if (in(0x0a000000, 8) || in(0xc0a80000, 16) || in(0xac100000, 12)) return false;   // RFC1918
        if (in(0xc6120000, 15)) return false;                                              // RFC2544
        if (in(0xa9fe0000, 16)) return false;                                              // RFC3927
        if (in(0x64400000, 10)) return false;                                              // RFC6598
        if (in(0xc0000200, 24) || in(0xc6336400, 24) || in(0xcb007100, 24)) return false;  // RFC5737
        if (in(0xe0000000, 4) || in(0xf0000000, 4)) return false;                          // multicast, reserved
        return true;
    }
    const uint8_t* b = ip_.data();
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;           // RFC3849
    if ((b[0] & 0xfe) == 0xfc) return false;                                                  // RFC4193
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;                                  // RFC4862 link-local
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xf0) == 0x10) return false;  // ORCHID
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xf0) == 0x20) return false;  // ORCHIDv2
    if (b[0] == 0xff) return false;                                                           // multicast
    return true;
}

Bytes NetAddr::group() const {
    if (is_loopback()) return Bytes{0};  // every local address shares one group
    if (!is_routable()) {
        Bytes g{0xff};  // each unroutable address is its own group
        g.insert(g.end(), ip_.begin(), ip_.end());
        return g;
    }
    if (is_ipv4()) return Bytes{uint8_t(NetworkId::IPV4), ip_[12], ip_[13]};
    return Bytes{uint8_t(NetworkId::IPV6), ip_[0], ip_[1], ip_[2], ip_[3]};
}

std::string NetAddr::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_ipv4()) {
        ::inet_ntop(AF_INET, ip_.data() + 12, buf, sizeof(buf));
    } else {
        ::inet_ntop(AF_INET6, ip_.data(), buf, sizeof(buf));
    }
    return buf;
}

std::optional<Service> Service::parse(std::string_view text, uint16_t default_port) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    Service s;
    s.port = default_port;
    if (text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto a = NetAddr::parse(text.substr(1, close - 1));
        if (!a || a->is_ipv4()) return std::nullopt;
        s.addr = *a;
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':' || !parse_u16(rest.substr(1), s.port)) return std::nullopt;
        }
        return s;
    }
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
        auto a = NetAddr::parse(text.substr(0, colon));
        if (!a || !a->is_ipv4()) return std::nullopt;
        if (!parse_u16(text.substr(colon + 1), s.port)) return std::nullopt;
        s.addr = *a;
        return s;
    }
    auto a = NetAddr::parse(text);
    if (!a) return std::nullopt;
    s.addr = *a;
    return s;
}

std::string Service::to_string() const {
    if (addr.is_ipv4()) return addr.to_string() + ":" + std::to_string(port);
    return "[" + addr.to_string() + "]:" + std::to_string(port);
}

Bytes Service::key() const {
    Bytes k(addr.v6_bytes().begin(), addr.v6_bytes().end());
    k.push_back(uint8_t(port >> 8));
    k.push_back(uint8_t(port));
    return k;
}

size_t ServiceHasher::operator()(const Service& s) const {
    // Not attacker-resistant by itself; containers keyed by peer input are bounded.
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : s.addr.v6_bytes()) h = (h ^ b) * 1099511628211ull;
    h = (h ^ s.port) * 1099511628211ull;
    return size_t(h);
}

SubNet::SubNet(const NetAddr& single) : net_(single), bits_(128) {}

std::optional<SubNet> SubNet::parse(std::string_view text) {
    const size_t slash = text.find('/');
    auto a = NetAddr::parse(text.substr(0, slash));
    if (!a) return std::nullopt;
    SubNet n;
    n.bits_ = 128;
    if (slash != std::string_view::npos) {
        std::string_view mask = text.substr(slash + 1);
        uint16_t bits = 0;
        if (parse_u16(mask, bits)) {
            const int max = a->is_ipv4() ? 32 : 128;
            if (bits > max) return std::nullopt;
            n.bits_ = a->is_ipv4() ? 96 + bits : bits;
        } else {
            // A netmask: must be contiguous ones, of the same family.
            auto m = NetAddr::parse(mask);
            if (!m || m->is_ipv4() != a->is_ipv4()) return std::nullopt;
            const auto& mb = m->v6_bytes();
            int ones = a->is_ipv4() ? 96 : 0;
            bool zero_seen = false;
            for (int i = a->is_ipv4() ? 12 : 0; i < 16; ++i) {
                for (int bit = 7; bit >= 0; --bit) {
                    const bool one = (mb[i] >> bit) & 1;
                    if (one && zero_seen) return std::nullopt;
                    if (one) ++ones;
                    else zero_seen = true;
                }
            }
            n.bits_ = ones;
        }
    }
    std::array<uint8_t, 16> b = a->v6_bytes();
    for (int i = 0; i < 16; ++i) {
        const int keep = std::max(0, std::min(8, n.bits_ - i * 8));
        b[i] &= keep == 0 ? 0 : uint8_t(0xff << (8 - keep));
    }
    n.net_ = NetAddr::from_v6_bytes(b.data());
    return n;
}

bool SubNet::contains(const NetAddr& a) const {
    const auto& x = a.v6_bytes();
    const auto& y = net_.v6_bytes();
    for (int i = 0; i < 16; ++i) {
        const int keep = std::max(0, std::min(8, bits_ - i * 8));
        if (keep == 0) break;
        const uint8_t mask = uint8_t(0xff << (8 - keep));
        if ((x[i] & mask) != y[i]) return false;
    }
    return true;
}

bool SubNet::is_single() const { return bits_ == 128; }

std::string SubNet::to_string() const {
    const int bits = net_.is_ipv4() ? bits_ - 96 : bits_;
    return net_.to_string() + "/" + std::to_string(bits);
}

}  // namespace minicash::net
