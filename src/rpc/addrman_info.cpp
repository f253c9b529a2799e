// getaddrmaninfo and getrawaddrman (hidden): the address manager's tables as Core reports
// them, from net::AddrMan (internally locked, so read from the RPC thread).
#include <algorithm>
#include <tuple>

#include "net/addrman.h"
#include "net/connman.h"
#include "node/context.h"
#include "rpc/net.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

net::AddrMan& require_addrman(NodeContext& node) {
    if (!node.connman)
        throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Address manager functionality missing or disabled");
    return node.connman->addrman();
}

}  // namespace

void register_addrman_commands(RpcTable& t) {
    t.add({"network",
           "getaddrmaninfo",
           "Provides information about the node's address manager by returning the number of addresses in the `new` "
           "and `tried` tables and their sum for all networks.",
           {},
           "{                   (json object) json object with network type as keys\n"
           "  \"network\" : {     (json object) the network (ipv4, ipv6, onion, i2p, cjdns, all_networks)\n"
           "    \"new\" : n,      (numeric) number of addresses in the new table, which represent potential peers "
           "the node has discovered but hasn't yet successfully connected to.\n"
           "    \"tried\" : n,    (numeric) number of addresses in the tried table, which represent peers the node "
           "has successfully connected to in the past.\n"
           "    \"total\" : n     (numeric) total number of addresses in both new/tried tables\n"
           "  },\n"
           "  ...\n"
           "}",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const std::vector<net::AddrMan::Placed> entries = require_addrman(node).placed_entries();
               json::object r;
               auto counts = [&](std::optional<net::NetType> only) {
                   int64_t fresh = 0, tried = 0;
                   for (const net::AddrMan::Placed& e : entries) {
                       if (only && e.info.service.addr.network() != *only) continue;
                       (e.info.tried ? tried : fresh) += 1;
                   }
                   return json::object{{"new", fresh}, {"tried", tried}, {"total", fresh + tried}};
               };
               for (net::NetType n : {net::NetType::IPV4, net::NetType::IPV6, net::NetType::ONION, net::NetType::I2P,
                                      net::NetType::CJDNS})
                   r[net::network_name(n)] = counts(n);
               r["all_networks"] = counts(std::nullopt);
               return r;
           }});
    t.add({"hidden",
           "getrawaddrman",
           "EXPERIMENTAL warning: this call may be changed in future releases.\n\n"
           "Returns information on all address manager entries for the new and tried tables.",
           {},
           "{                                  (json object)\n"
           "  \"table\" : {                      (json object) buckets with addresses in the address manager table "
           "( new, tried )\n"
           "    \"bucket/position\" : {          (json object) the location in the address manager table "
           "(<bucket>/<position>)\n"
           "      \"address\" : \"str\",           (string) The address of the node\n"
           "      \"port\" : n,                  (numeric) The port number of the node\n"
           "      \"network\" : \"str\",           (string) The network (ipv4, ipv6, onion, i2p, cjdns) of the "
           "address\n"
           "      \"services\" : n,              (numeric) The services offered by the node\n"
           "      \"time\" : xxx,                (numeric) The UNIX epoch time when the node was last seen\n"
           "      \"source\" : \"str\",            (string) The address that relayed the address to us\n"
           "      \"source_network\" : \"str\"     (string) The network (ipv4, ipv6, onion, i2p, cjdns) of the "
           "source address\n"
           "    },\n"
           "    ...\n"
           "  },\n"
           "  ...\n"
           "}",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               std::vector<net::AddrMan::Placed> entries = require_addrman(node).placed_entries();
               std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
                   return std::tie(a.bucket, a.position) < std::tie(b.bucket, b.position);
               });
               json::object fresh, tried;
               for (const net::AddrMan::Placed& e : entries) {
                   json::object o;
                   o["address"] = e.info.service.addr.to_string();
                   o["port"] = e.info.service.port;
                   o["services"] = e.info.services;
                   o["time"] = e.info.time;
                   o["network"] = net::network_name(e.info.service.addr.network());
                   o["source"] = e.info.source.to_string();
                   o["source_network"] = net::network_name(e.info.source.network());
                   (e.info.tried ? tried : fresh)[std::to_string(e.bucket) + "/" + std::to_string(e.position)] =
                       std::move(o);
               }
               return json::object{{"new", std::move(fresh)}, {"tried", std::move(tried)}};
           }});
}

}  // namespace minicash::rpc
