// Network addresses as the P2P protocol carries them (BIP155): IPv4, IPv6, Tor v3 onion
// services, I2P destinations and CJDNS addresses; host:port services; subnets (bans,
// -whitelist); the network classes Core names in its RPCs ("ipv4", "ipv6", "onion",
// "i2p", "cjdns", "not_publicly_routable").
//
// Text forms, as Core writes and reads them:
//   IPv4 "1.2.3.4", IPv6 "2001:db8::1" ("[2001:db8::1]" accepted), Tor v3
//   "<56 base32 characters>.onion" (checksum and version checked), I2P
//   "<52 base32 characters>.b32.i2p", CJDNS like IPv6 ("fc00::1"). Text never yields a
//   CJDNS address by itself: an IPv6 address in fc00::/8 becomes one only when CJDNS is
//   reachable (NetAddr::maybe_cjdns, Core's MaybeFlipIPv6toCJDNS); addrv2 carries the
//   network explicitly.
//
// Tor v2 (BIP155 id 3) is obsolete and never represented; unknown network ids neither.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"

namespace minicash::net {

// BIP155 network ids (the byte addrv2 carries).
enum class NetworkId : uint8_t { IPV4 = 1, IPV6 = 2, TORV2 = 3, TORV3 = 4, I2P = 5, CJDNS = 6 };

// The address size BIP155 requires for a network id; 0 for ids it does not define.
size_t bip155_address_size(uint8_t network_id);

// Network types (NetType) as Core reports and configures them (getpeerinfo "network",
// getnetworkinfo "networks", -onlynet).
enum class NetType : uint8_t { UNROUTABLE = 0, IPV4, IPV6, ONION, I2P, CJDNS };
inline constexpr NetType kAllNetTypes[] = {NetType::IPV4, NetType::IPV6, NetType::ONION, NetType::I2P, NetType::CJDNS};
const char* network_name(NetType n);  // "ipv4", ..., "not_publicly_routable"
// -onlynet / getnodeaddresses names: "ipv4", "ipv6", "onion" (or "tor"), "i2p", "cjdns"
// (any case). nullopt for anything else.
std::optional<NetType> parse_network(std::string_view name);

class NetAddr {
public:
    NetAddr() = default;  // :: (unspecified IPv6)
    static NetAddr from_ipv4(uint32_t host_order);
    static NetAddr from_v4_bytes(const uint8_t b[4]);
    static NetAddr from_v6_bytes(const uint8_t b[16]);  // maps ::ffff:0:0/96 to IPv4
    // From addrv2's (network id, bytes). nullopt for Tor v2, unknown ids, a wrong size,
    // an IPv4-mapped address sent as IPv6, or a CJDNS address outside fc00::/8.
    [[nodiscard]] static std::optional<NetAddr> from_bip155(uint8_t network_id, ByteView bytes);
    // An IP address, a .onion or a .b32.i2p name (no port). nullopt for anything else
    // (no DNS lookups).
    [[nodiscard]] static std::optional<NetAddr> parse(std::string_view text);
    // This address as CJDNS when it is IPv6 in fc00::/8 and `cjdns_reachable` (Core's
    // MaybeFlipIPv6toCJDNS); otherwise unchanged.
    NetAddr maybe_cjdns(bool cjdns_reachable) const;

    NetworkId id() const { return id_; }
    bool is_ipv4() const { return id_ == NetworkId::IPV4; }
    bool is_ipv6() const { return id_ == NetworkId::IPV6; }
    bool is_tor() const { return id_ == NetworkId::TORV3; }
    bool is_i2p() const { return id_ == NetworkId::I2P; }
    bool is_cjdns() const { return id_ == NetworkId::CJDNS; }
    bool is_ip() const { return is_ipv4() || is_ipv6(); }
    // Representable in the legacy (v1) addr and version encodings: IPv4 and IPv6.
    bool is_addr_v1_compatible() const { return is_ip(); }
    // The 16-byte IPv6 form: IPv4-mapped for IPv4, the address for IPv6 and CJDNS,
    // zeros for Tor and I2P.
    const std::array<uint8_t, 16>& v6_bytes() const { return ip_; }
    uint32_t ipv4() const;  // host order; REQUIRES: is_ipv4()
    // The bytes addrv2 carries: 4 (IPv4), 16 (IPv6, CJDNS) or 32 (Tor v3, I2P).
    ByteView bip155_bytes() const;

    bool is_unspecified() const;  // 0.0.0.0 or ::
    bool is_loopback() const;     // 127.0.0.0/8 or ::1 (Core's IsLocal)
    // Routable on its network (not RFC1918, link-local, documentation, ...). Tor, I2P and
    // CJDNS addresses always are.
    bool is_routable() const;
    bool is_valid() const;  // neither unspecified nor a reserved marker
    // Core's GetNetwork(): the address's network, or UNROUTABLE when it is not routable.
    NetType network() const;

    // The group used to spread connections and address buckets: /16 for IPv4, /32 for
    // IPv6, the network and the first 4 bits for Tor and I2P (12 for CJDNS, whose first
    // byte is fixed), one group for all loopback addresses, one for each other
    // non-routable address.
    Bytes group() const;

    std::string to_string() const;  // "1.2.3.4", "2001:db8::1", "<base32>.onion", "<base32>.b32.i2p"

    friend bool operator==(const NetAddr&, const NetAddr&) = default;
    friend auto operator<=>(const NetAddr&, const NetAddr&) = default;

private:
    NetworkId id_ = NetworkId::IPV6;
    std::array<uint8_t, 16> ip_{};   // IPv4 (mapped), IPv6, CJDNS
    std::array<uint8_t, 32> key_{};  // Tor v3 public key, I2P destination hash
};

// An address and a port.
struct Service {
    NetAddr addr;
    uint16_t port = 0;

    // "1.2.3.4:8333", "[::1]:18444", "<name>.onion:8333", or an address alone (then
    // `default_port`).
    [[nodiscard]] static std::optional<Service> parse(std::string_view text, uint16_t default_port);
    std::string to_string() const;  // "1.2.3.4:8333" / "[::1]:8333" / "<name>.onion:8333"
    Bytes key() const;              // network id, address bytes, port: for hashing

    friend bool operator==(const Service&, const Service&) = default;
    friend auto operator<=>(const Service&, const Service&) = default;
};

struct ServiceHasher {
    size_t operator()(const Service& s) const;
};

// Splits "host:port", "[v6]:port", "host" (then `port` is left alone). False when the
// port part is not a number in 1..65535 (Core's "Invalid port specified" cases).
bool split_host_port(std::string_view text, std::string& host, uint16_t& port);

// A subnet: an address and a prefix length (a single address is /32 or /128). Tor, I2P
// and CJDNS addresses only form single-address subnets.
class SubNet {
public:
    SubNet() = default;
    explicit SubNet(const NetAddr& single);
    // "1.2.3.0/24", "1.2.3.4", "1.2.3.0/255.255.255.0", "2001:db8::/32", "<name>.onion".
    // nullopt if invalid.
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
    int bits_ = 0;  // prefix length in the 128-bit (mapped) space; 128 for non-IP addresses
};

}  // namespace minicash::net
