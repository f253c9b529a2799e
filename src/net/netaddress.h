// Network addresses as the P2P protocol carries them: IPv4 and IPv6 hosts, host:port
// services, and subnets (for bans).
//
// Only IPv4 and IPv6 are reachable by minicash. Addresses of other networks (Tor v3,
// I2P, CJDNS) that arrive in addrv2 messages are parsed, length-checked and then
// dropped by the caller; they never enter the address manager.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash::net {

// BIP155 network ids.
enum class NetworkId : uint8_t { IPV4 = 1, IPV6 = 2, TORV2 = 3, TORV3 = 4, I2P = 5, CJDNS = 6 };

// An IP address. IPv4 addresses are kept in their IPv4-mapped IPv6 form
// (::ffff:a.b.c.d), as the legacy addr message encodes them.
class NetAddr {
public:
    NetAddr() = default;  // :: (unspecified)
    static NetAddr from_ipv4(uint32_t host_order);
    static NetAddr from_v4_bytes(const uint8_t b[4]);
    static NetAddr from_v6_bytes(const uint8_t b[16]);  // maps ::ffff:0:0/96 to IPv4
    // "1.2.3.4", "::1", "[::1]" (no port). nullopt for anything else (no DNS lookups).
    [[nodiscard]] static std::optional<NetAddr> parse(std::string_view text);

    bool is_ipv4() const;
    bool is_ipv6() const { return !is_ipv4(); }
    const std::array<uint8_t, 16>& v6_bytes() const { return ip_; }  // network order
    uint32_t ipv4() const;                                           // host order; REQUIRES: is_ipv4()

    bool is_unspecified() const;  // 0.0.0.0 or ::
    bool is_loopback() const;     // 127.0.0.0/8 or ::1 (Core's IsLocal)
    // Routable on the public internet (not RFC1918, link-local, documentation, ...).
    bool is_routable() const;
    bool is_valid() const;  // neither unspecified nor a reserved marker

    // The group used to spread connections and address buckets: /16 for IPv4, /32 for
    // IPv6, one group for all loopback addresses, one for each non-routable address.
    Bytes group() const;

    std::string to_string() const;  // "1.2.3.4" or "2001:db8::1"

    friend bool operator==(const NetAddr&, const NetAddr&) = default;
    friend auto operator<=>(const NetAddr&, const NetAddr&) = default;

private:
    std::array<uint8_t, 16> ip_{};
};

// An address and a port.
struct Service {
    NetAddr addr;
    uint16_t port = 0;

    // "1.2.3.4:8333", "[::1]:18444", or an address alone (then `default_port`).
    [[nodiscard]] static std::optional<Service> parse(std::string_view text, uint16_t default_port);
    std::string to_string() const;  // "1.2.3.4:8333" / "[::1]:8333"
    Bytes key() const;              // 18 bytes, for hashing

    friend bool operator==(const Service&, const Service&) = default;
    friend auto operator<=>(const Service&, const Service&) = default;
};

struct ServiceHasher {
    size_t operator()(const Service& s) const;
};

// A subnet: an address and a prefix length (a single address is /32 or /128).
class SubNet {
public:
    SubNet() = default;
    explicit SubNet(const NetAddr& single);
    // "1.2.3.0/24", "1.2.3.4", "1.2.3.0/255.255.255.0", "2001:db8::/32". nullopt if invalid.
    [[nodiscard]] static std::optional<SubNet> parse(std::string_view text);

    bool contains(const NetAddr& a) const;
    bool is_single() const;
    std::string to_string() const;  // "1.2.3.4/32", "2001:db8::/32" (Core's shape)
    const NetAddr& network() const { return net_; }
    int prefix_bits() const { return bits_; }  // of the IPv6 form

    friend bool operator==(const SubNet&, const SubNet&) = default;
    friend auto operator<=>(const SubNet&, const SubNet&) = default;

private:
    NetAddr net_;   // with host bits cleared
    int bits_ = 0;  // prefix length in the 128-bit (mapped) space
};

}  // namespace minicash::net
