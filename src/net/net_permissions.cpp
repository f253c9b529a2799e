#include "net/net_permissions.h"

namespace minicash::net {

namespace {

// Parses "perm1,perm2@" at the start of `text`: the flags, the directions named ("in",
// "out"; only when `directions` is given) and where the address starts. Without '@' the
// flags are implicit. False with Core's message in `error`.
bool parse_flags(std::string_view text, uint32_t& flags, uint8_t* directions, size_t& address_start,
                 std::string* error) {
    flags = PF_NONE;
    uint8_t dirs = DIR_NONE;
    const size_t at = text.find('@');
    if (at == std::string_view::npos) {
        flags = PF_IMPLICIT;
        address_start = 0;
    } else {
        std::string_view list = text.substr(0, at);
        while (true) {
            const size_t comma = list.find(',');
            const std::string_view name = list.substr(0, comma);
            if (name == "bloomfilter" || name == "bloom") flags |= PF_BLOOMFILTER;
            else if (name == "noban") flags |= PF_NOBAN;
            else if (name == "forcerelay") flags |= PF_FORCERELAY;
            else if (name == "mempool") flags |= PF_MEMPOOL;
            else if (name == "download") flags |= PF_DOWNLOAD;
            else if (name == "all") flags |= PF_ALL;
            else if (name == "relay") flags |= PF_RELAY;
            else if (name == "addr") flags |= PF_ADDR;
            else if (name == "in") dirs |= DIR_IN;
            else if (name == "out") {
                if (!directions) {
                    if (error) *error = "whitebind may only be used for incoming connections (\"out\" was passed)";
                    return false;
                }
                dirs |= DIR_OUT;
            } else if (!name.empty()) {
                if (error) *error = "Invalid P2P permission: '" + std::string(name) + "'";
                return false;
            }
            if (comma == std::string_view::npos) break;
            list = list.substr(comma + 1);
        }
        address_start = at + 1;
    }
    if (dirs == DIR_NONE) {
        dirs = DIR_IN;  // by default a whitelist applies to inbound connections only
    } else if (flags == PF_NONE) {
        if (error) *error = "Only direction was set, no permissions: '" + std::string(text) + "'";
        return false;
    }
    if (directions) *directions = dirs;
    return true;
}

}  // namespace

std::vector<std::string> permission_names(uint32_t flags) {
    std::vector<std::string> out;
    if (has_permission(flags, PF_BLOOMFILTER)) out.push_back("bloomfilter");
    if (has_permission(flags, PF_NOBAN)) out.push_back("noban");
    if (has_permission(flags, PF_FORCERELAY)) out.push_back("forcerelay");
    if (has_permission(flags, PF_RELAY)) out.push_back("relay");
    if (has_permission(flags, PF_MEMPOOL)) out.push_back("mempool");
    if (has_permission(flags, PF_DOWNLOAD)) out.push_back("download");
    if (has_permission(flags, PF_ADDR)) out.push_back("addr");
    return out;
}

std::optional<WhitelistEntry> parse_whitelist(std::string_view text, std::string* error) {
    WhitelistEntry e;
    size_t start = 0;
    if (!parse_flags(text, e.flags, &e.directions, start, error)) return std::nullopt;
    const std::string_view net = text.substr(start);
    auto subnet = SubNet::parse(net);
    if (!subnet) {
        if (error) *error = "Invalid netmask specified in -whitelist: '" + std::string(net) + "'";
        return std::nullopt;
    }
    e.subnet = *subnet;
    return e;
}

std::optional<WhitebindEntry> parse_whitebind(std::string_view text, std::string* error) {
    WhitebindEntry e;
    size_t start = 0;
    if (!parse_flags(text, e.flags, nullptr, start, error)) return std::nullopt;
    const std::string_view bind = text.substr(start);
    auto service = Service::parse(bind, 0);
    if (!service || !service->addr.is_ip()) {
        if (error) *error = "Cannot resolve -whitebind address: '" + std::string(bind) + "'";
        return std::nullopt;
    }
    if (service->port == 0) {
        if (error) *error = "Need to specify a port with -whitebind: '" + std::string(bind) + "'";
        return std::nullopt;
    }
    e.service = *service;
    return e;
}

uint32_t apply_whitelist(uint32_t base, const NetAddr& addr, const std::vector<WhitelistEntry>& whitelist,
                         ConnectionDirection direction, bool whitelist_relay, bool whitelist_forcerelay) {
    uint32_t flags = base;
    for (const WhitelistEntry& e : whitelist)
        if ((e.directions & direction) && e.subnet.contains(addr)) flags |= e.flags;
    if (flags & PF_IMPLICIT) {
        flags &= ~uint32_t(PF_IMPLICIT);
        if (whitelist_forcerelay) flags |= PF_FORCERELAY;
        if (whitelist_relay) flags |= PF_RELAY;
        flags |= PF_MEMPOOL | PF_NOBAN;
    }
    return flags;
}

}  // namespace minicash::net
