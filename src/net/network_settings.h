// Which networks this node connects to, and through which SOCKS5 proxy (Core's
// g_reachable_nets and per-network proxies; set by -onlynet, -proxy, -onion,
// -cjdnsreachable and -proxyrandomize, see app/net_setup).
//
// Defaults: IPv4 and IPv6 reachable, directly. Tor (onion) is reachable only through a
// proxy (-proxy or -onion). CJDNS only with -cjdnsreachable. I2P never: Core reaches it
// through an I2P router's SAM interface (-i2psam), which minicash does not implement;
// I2P addresses are still kept and relayed.
//
// Thread rules: a value; read-only once Connman has started.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "net/netaddress.h"

namespace minicash::net {

struct Proxy {
    Service address;
    bool randomize_credentials = false;  // Tor stream isolation (-proxyrandomize)
    std::string to_string() const { return address.to_string(); }
    friend bool operator==(const Proxy&, const Proxy&) = default;
};

struct NetworkSettings {
    // Indexed by NetType (UNROUTABLE's entry unused).
    std::array<bool, 6> reachable{false, true, true, false, false, false};
    std::array<std::optional<Proxy>, 6> proxy{};
    std::optional<Proxy> name_proxy;  // host names are resolved by this proxy, not locally

    bool is_reachable(NetType n) const { return n != NetType::UNROUTABLE && reachable[size_t(n)]; }
    // Addresses that are not publicly routable (loopback, private ranges) count as
    // reachable directly, as in Core: its reachability is by the address's network.
    bool is_reachable(const NetAddr& a) const {
        const NetType n = a.network();
        return n == NetType::UNROUTABLE ? true : is_reachable(n);
    }
    const std::optional<Proxy>& proxy_for(NetType n) const { return proxy[size_t(n)]; }
    bool cjdns_reachable() const { return is_reachable(NetType::CJDNS); }
};

}  // namespace minicash::net
