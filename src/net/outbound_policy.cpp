#include "net/outbound_policy.h"

#include <algorithm>

namespace minicash::net {

const char* outbound_choice_name(OutboundChoice c) {
    switch (c) {
    case OutboundChoice::NONE: return "none";
    case OutboundChoice::ANCHOR: return "anchor";
    case OutboundChoice::FULL_RELAY: return "full-relay";
    case OutboundChoice::BLOCK_RELAY: return "block-relay-only";
    case OutboundChoice::EXTRA_FULL_RELAY: return "extra full-relay";
    case OutboundChoice::EXTRA_BLOCK_RELAY: return "extra block-relay-only";
    case OutboundChoice::FEELER: return "feeler";
    }
    return "none";
}

OutboundChoice next_outbound(const OutboundState& s) {
    if (s.anchors_left && s.block_relay < s.max_block_relay) return OutboundChoice::ANCHOR;
    if (s.full_relay < s.max_full_relay) return OutboundChoice::FULL_RELAY;
    if (s.block_relay < s.max_block_relay) return OutboundChoice::BLOCK_RELAY;
    if (s.try_new_outbound_peer) return OutboundChoice::EXTRA_FULL_RELAY;
    if (s.extra_block_relay_enabled && s.extra_block_relay_due) return OutboundChoice::EXTRA_BLOCK_RELAY;
    if (s.feeler_due) return OutboundChoice::FEELER;
    return OutboundChoice::NONE;
}

bool has_desirable_services(uint64_t services, bool initial_download_done) {
    const uint64_t wanted = (initial_download_done && (services & NODE_NETWORK_LIMITED))
                                ? (NODE_NETWORK_LIMITED | NODE_WITNESS)
                                : (NODE_NETWORK | NODE_WITNESS);
    return (services & wanted) == wanted;
}

bool may_have_useful_address_db(uint64_t services) { return (services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) != 0; }

bool is_bad_port(uint16_t port) {
    static constexpr uint16_t kBad[] = {
        1,    7,    9,    11,   13,   15,   17,   19,   20,   21,   22,   23,   25,   37,   42,   43,
        53,   69,   77,   79,   87,   95,   101,  102,  103,  104,  109,  110,  111,  113,  115,  117,
        119,  123,  135,  137,  139,  143,  161,  179,  389,  427,  465,  512,  513,  514,  515,  526,
        530,  531,  532,  540,  548,  554,  556,  563,  587,  601,  636,  989,  990,  993,  995,  1719,
        1720, 1723, 2049, 3659, 4045, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080};
    return std::find(std::begin(kBad), std::end(kBad), port) != std::end(kBad);
}

AddressVerdict check_outbound_address(const AddrInfo& info, const AddressCheck& c) {
    const NetAddr& a = info.service.addr;
    if (!c.feeler && c.group_taken) return AddressVerdict::SKIP;
    if (!a.is_valid() || c.is_local) return AddressVerdict::STOP;
    if (!c.reachable) return AddressVerdict::SKIP;
    if (c.already_connected || c.banned) return AddressVerdict::SKIP;
    if (c.now - info.last_try < 10 * 60 && c.tries < 30) return AddressVerdict::SKIP;
    if (!c.feeler && !has_desirable_services(info.services, c.initial_download_done)) return AddressVerdict::SKIP;
    if (c.feeler && !may_have_useful_address_db(info.services)) return AddressVerdict::SKIP;
    if (c.tries < 50 && a.is_ip() && is_bad_port(info.service.port)) return AddressVerdict::SKIP;
    if (c.is_added_node) return AddressVerdict::SKIP;
    return AddressVerdict::USE;
}

}  // namespace minicash::net
