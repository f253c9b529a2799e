#include "net/netaddress.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "util/hash.h"

namespace minicash::net {

namespace {

constexpr uint8_t kV4Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr size_t kTorV3PubkeySize = 32;
constexpr size_t kTorV3ChecksumSize = 2;
constexpr uint8_t kTorV3Version = 3;
constexpr size_t kI2PSize = 32;
constexpr uint8_t kCjdnsPrefix = 0xfc;
constexpr std::string_view kOnionSuffix = ".onion";
constexpr std::string_view kI2PSuffix = ".b32.i2p";
constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";

bool parse_u16(std::string_view s, uint16_t& out) {
    if (s.empty() || s.size() > 5) return false;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
    out = uint16_t(v);
    return true;
}

// RFC 4648 base32, lower case, no padding (as Tor and I2P names use it).
std::string base32_encode(ByteView data) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : data) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out.push_back(kBase32[(acc >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(kBase32[(acc << (5 - bits)) & 31]);
    return out;
}

// Decodes base32 (either case) into exactly the bytes it encodes; nullopt on a bad
// character or non-zero leftover bits.
std::optional<Bytes> base32_decode(std::string_view text) {
    Bytes out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const char lc = char(std::tolower(static_cast<unsigned char>(c)));
        const char* p = std::strchr(kBase32, lc);
        if (lc == 0 || !p) return std::nullopt;
        acc = ((acc << 5) | uint32_t(p - kBase32)) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            out.push_back(uint8_t(acc >> (bits - 8)));
            bits -= 8;
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

// SHA3-256(".onion checksum" || pubkey || version), first two bytes (Tor's rend-spec-v3).
std::array<uint8_t, 2> torv3_checksum(ByteView pubkey) {
    Bytes pre;
    static constexpr std::string_view kPrefix = ".onion checksum";
    pre.insert(pre.end(), kPrefix.begin(), kPrefix.end());
    pre.insert(pre.end(), pubkey.begin(), pubkey.end());
    pre.push_back(kTorV3Version);
    const uint256 h = sha3_256(pre);
    return {h.data()[0], h.data()[1]};
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The network class byte Core puts first in a group.
uint8_t group_class(NetType n) { return uint8_t(n); }

}  // namespace

size_t bip155_address_size(uint8_t network_id) {
    switch (network_id) {
    case 1: return 4;
    case 2: return 16;
    case 3: return 10;
    case 4: return 32;
    case 5: return 32;
    case 6: return 16;
    }
    return 0;
}

const char* network_name(NetType n) {
    switch (n) {
    case NetType::UNROUTABLE: return "not_publicly_routable";
    case NetType::IPV4: return "ipv4";
    case NetType::IPV6: return "ipv6";
    case NetType::ONION: return "onion";
    case NetType::I2P: return "i2p";
    case NetType::CJDNS: return "cjdns";
    }
    return "not_publicly_routable";
}

std::optional<NetType> parse_network(std::string_view name) {
    std::string n(name);
    for (char& c : n) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (n == "ipv4") return NetType::IPV4;
    if (n == "ipv6") return NetType::IPV6;
    if (n == "onion" || n == "tor") return NetType::ONION;
    if (n == "i2p") return NetType::I2P;
    if (n == "cjdns") return NetType::CJDNS;
    return std::nullopt;
}

NetAddr NetAddr::from_ipv4(uint32_t host_order) {
    uint8_t b[4];
    write_be32(b, host_order);
    return from_v4_bytes(b);
}

NetAddr NetAddr::from_v4_bytes(const uint8_t b[4]) {
    NetAddr a;
    a.id_ = NetworkId::IPV4;
    std::memcpy(a.ip_.data(), kV4Prefix, 12);
    std::memcpy(a.ip_.data() + 12, b, 4);
    return a;
}

NetAddr NetAddr::from_v6_bytes(const uint8_t b[16]) {
    NetAddr a;
    std::memcpy(a.ip_.data(), b, 16);
    a.id_ = std::memcmp(b, kV4Prefix, 12) == 0 ? NetworkId::IPV4 : NetworkId::IPV6;
    return a;
}

std::optional<NetAddr> NetAddr::from_bip155(uint8_t network_id, ByteView bytes) {
    if (bip155_address_size(network_id) != bytes.size()) return std::nullopt;
    NetAddr a;
    switch (NetworkId(network_id)) {
    case NetworkId::IPV4: return from_v4_bytes(bytes.data());
    case NetworkId::IPV6:
        a = from_v6_bytes(bytes.data());
        if (a.is_ipv4()) return std::nullopt;  // must use the IPv4 id
        return a;
    case NetworkId::TORV3:
    case NetworkId::I2P:
        a.id_ = NetworkId(network_id);
        std::copy(bytes.begin(), bytes.end(), a.key_.begin());
        return a;
    case NetworkId::CJDNS:
        if (bytes[0] != kCjdnsPrefix) return std::nullopt;
        a.id_ = NetworkId::CJDNS;
        std::copy(bytes.begin(), bytes.end(), a.ip_.begin());
        return a;
    case NetworkId::TORV2: break;
    }
    return std::nullopt;
}

std::optional<NetAddr> NetAddr::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 128 || text.find('\0') != std::string_view::npos) return std::nullopt;
    if (ends_with(text, kOnionSuffix)) {
        auto raw = base32_decode(text.substr(0, text.size() - kOnionSuffix.size()));
        if (!raw || raw->size() != kTorV3PubkeySize + kTorV3ChecksumSize + 1) return std::nullopt;
        const ByteView pubkey(raw->data(), kTorV3PubkeySize);
        if ((*raw)[raw->size() - 1] != kTorV3Version) return std::nullopt;
        const auto sum = torv3_checksum(pubkey);
        if ((*raw)[kTorV3PubkeySize] != sum[0] || (*raw)[kTorV3PubkeySize + 1] != sum[1]) return std::nullopt;
        return from_bip155(uint8_t(NetworkId::TORV3), pubkey);
    }
    std::string lower_suffix(text.substr(text.size() >= kI2PSuffix.size() ? text.size() - kI2PSuffix.size() : 0));
    for (char& c : lower_suffix) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (text.size() > kI2PSuffix.size() && lower_suffix == kI2PSuffix) {  // Core accepts ".b32.I2P" too
        const std::string_view b32 = text.substr(0, text.size() - kI2PSuffix.size());
        if (b32.size() != 52) return std::nullopt;
        auto raw = base32_decode(b32);
        if (!raw || raw->size() != kI2PSize) return std::nullopt;
        return from_bip155(uint8_t(NetworkId::I2P), *raw);
    }
    if (text.size() > 45) return std::nullopt;
    const std::string s(text);
    uint8_t buf[16];
    if (::inet_pton(AF_INET, s.c_str(), buf) == 1) return from_v4_bytes(buf);
    if (::inet_pton(AF_INET6, s.c_str(), buf) == 1) return from_v6_bytes(buf);
    return std::nullopt;
}

NetAddr NetAddr::maybe_cjdns(bool cjdns_reachable) const {
    if (!cjdns_reachable || !is_ipv6() || ip_[0] != kCjdnsPrefix) return *this;
    NetAddr a = *this;
    a.id_ = NetworkId::CJDNS;
    return a;
}

uint32_t NetAddr::ipv4() const { return read_be32(ip_.data() + 12); }

ByteView NetAddr::bip155_bytes() const {
    switch (id_) {
    case NetworkId::IPV4: return ByteView(ip_.data() + 12, 4);
    case NetworkId::TORV3:
    case NetworkId::I2P: return ByteView(key_.data(), key_.size());
    default: return ByteView(ip_.data(), ip_.size());
    }
}

bool NetAddr::is_unspecified() const {
    if (is_ipv4()) return ipv4() == 0;
    if (!is_ipv6()) return false;
    for (uint8_t b : ip_)
        if (b) return false;
    return true;
}

bool NetAddr::is_loopback() const {
    if (is_ipv4()) return (ipv4() >> 24) == 127;
    if (!is_ipv6()) return false;
    static constexpr uint8_t kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(ip_.data(), kLoop, 16) == 0;
}

bool NetAddr::is_valid() const {
    if (is_cjdns()) return ip_[0] == kCjdnsPrefix;
    if (is_tor() || is_i2p()) return true;
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
    if (!is_valid()) return false;
    if (!is_ip()) return true;  // Tor, I2P, CJDNS
    if (is_loopback()) return false;
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

NetType NetAddr::network() const {
    if (!is_routable()) return NetType::UNROUTABLE;
    switch (id_) {
    case NetworkId::IPV4: return NetType::IPV4;
    case NetworkId::IPV6: return NetType::IPV6;
    case NetworkId::TORV3: return NetType::ONION;
    case NetworkId::I2P: return NetType::I2P;
    case NetworkId::CJDNS: return NetType::CJDNS;
    case NetworkId::TORV2: break;
    }
    return NetType::UNROUTABLE;
}

Bytes NetAddr::group() const {
    if (is_loopback()) return Bytes{0};  // every local address shares one group
    if (!is_routable()) {
        Bytes g{0xff};  // each unroutable address is its own group
        g.insert(g.end(), ip_.begin(), ip_.end());
        return g;
    }
    if (is_ipv4()) return Bytes{uint8_t(NetworkId::IPV4), ip_[12], ip_[13]};
    if (is_ipv6()) return Bytes{uint8_t(NetworkId::IPV6), ip_[0], ip_[1], ip_[2], ip_[3]};
    // Tor and I2P: the first 4 bits; CJDNS: the 12 bits after the fixed prefix byte
    // (the remaining bits of the last byte set to 1, as Core).
    if (is_cjdns()) return Bytes{group_class(NetType::CJDNS), ip_[0], uint8_t(ip_[1] | 0x0f)};
    return Bytes{group_class(network()), uint8_t(key_[0] | 0x0f)};
}

std::string NetAddr::to_string() const {
    if (is_tor()) {
        Bytes raw(key_.begin(), key_.end());
        const auto sum = torv3_checksum(ByteView(key_.data(), key_.size()));
        raw.push_back(sum[0]);
        raw.push_back(sum[1]);
        raw.push_back(kTorV3Version);
        return base32_encode(raw) + std::string(kOnionSuffix);
    }
    if (is_i2p()) return base32_encode(ByteView(key_.data(), key_.size())) + std::string(kI2PSuffix);
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_ipv4()) {
        ::inet_ntop(AF_INET, ip_.data() + 12, buf, sizeof(buf));
    } else {
        ::inet_ntop(AF_INET6, ip_.data(), buf, sizeof(buf));
    }
    return buf;
}

bool split_host_port(std::string_view in, std::string& host, uint16_t& port) {
    bool valid = true;
    const size_t colon = in.rfind(':');
    const bool have_colon = colon != std::string_view::npos;
    const bool bracketed = have_colon && colon > 0 && in.front() == '[' && in[colon - 1] == ']';
    const bool multi_colon = have_colon && colon > 0 && in.rfind(':', colon - 1) != std::string_view::npos;
    if (have_colon && (colon == 0 || bracketed || !multi_colon)) {
        uint16_t n = 0;
        if (parse_u16(in.substr(colon + 1), n)) {
            in = in.substr(0, colon);
            port = n;
            valid = n != 0;
        } else {
            valid = false;
        }
    }
    if (in.size() >= 2 && in.front() == '[' && in.back() == ']') in = in.substr(1, in.size() - 2);
    host = std::string(in);
    return valid;
}

std::optional<Service> Service::parse(std::string_view text, uint16_t default_port) {
    if (text.empty() || text.size() > 128) return std::nullopt;
    Service s;
    s.port = default_port;
    if (text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto a = NetAddr::parse(text.substr(1, close - 1));
        if (!a || !a->is_ipv6()) return std::nullopt;
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
        if (!a || a->is_ipv6()) return std::nullopt;
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
    if (addr.is_ipv6() || addr.is_cjdns()) return "[" + addr.to_string() + "]:" + std::to_string(port);
    return addr.to_string() + ":" + std::to_string(port);
}

Bytes Service::key() const {
    Bytes k;
    if (addr.is_ip()) {
        k.assign(addr.v6_bytes().begin(), addr.v6_bytes().end());  // the IPv6 form, as always
    } else {
        k.push_back(uint8_t(addr.id()));
        const ByteView b = addr.bip155_bytes();
        k.insert(k.end(), b.begin(), b.end());
    }
    k.push_back(uint8_t(port >> 8));
    k.push_back(uint8_t(port));
    return k;
}

size_t ServiceHasher::operator()(const Service& s) const {
    // Not attacker-resistant by itself; containers keyed by peer input are bounded.
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : s.key()) h = (h ^ b) * 1099511628211ull;
    return size_t(h);
}

SubNet::SubNet(const NetAddr& single) : net_(single), bits_(128) {}

std::optional<SubNet> SubNet::parse(std::string_view text) {
    const size_t slash = text.find('/');
    auto a = NetAddr::parse(text.substr(0, slash));
    if (!a) return std::nullopt;
    if (!a->is_ip()) {
        if (slash != std::string_view::npos) return std::nullopt;  // Tor/I2P: single addresses only
        return SubNet(*a);
    }
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
            if (!m || !m->is_ip() || m->is_ipv4() != a->is_ipv4()) return std::nullopt;
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
    if (!net_.is_ip() || !a.is_ip()) return net_ == a;  // Tor, I2P, CJDNS: single addresses
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
    if (!net_.is_ip()) return net_.to_string();  // Core: no prefix length for other networks
    const int bits = net_.is_ipv4() ? bits_ - 96 : bits_;
    return net_.to_string() + "/" + std::to_string(bits);
}

}  // namespace minicash::net
