// Network commands: getconnectioncount, getpeerinfo, getnetworkinfo, addnode,
// getaddednodeinfo, disconnectnode, setban, listbanned, clearbanned, getnettotals,
// setnetworkactive, ping, getnodeaddresses. Names, fields and errors as Bitcoin Core's.
#include "rpc/net.h"

#include <cstdio>

#include "net/connman.h"
#include "net/protocol.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr int kClientVersion = 100;  // 0.1.0 as Core encodes versions (major*10000 + minor*100 + patch)

net::Connman& require_connman(NodeContext& node) {
    if (!node.connman) throw RpcError(RPC_CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled");
    return *node.connman;
}

// Core's ParseHashV (rpc/util.h's parse_hash, which this layer cannot include).
uint256 block_hash_argument(const RpcRequest& req, size_t i, const std::string& name) {
    const std::string s = req.get_str(i);
    if (s.size() != 64)
        throw RpcError(RPC_INVALID_PARAMETER,
                       name + " must be of length 64 (not " + std::to_string(s.size()) + ", for '" + s + "')");
    const std::optional<uint256> h = uint256::from_hex(s);
    if (!h || !is_hex(s)) throw RpcError(RPC_INVALID_PARAMETER, name + " must be hexadecimal string (not '" + s + "')");
    return *h;
}

std::string services_hex(uint64_t services) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)services);
    return buf;
}

json::array services_names(uint64_t services) {
    json::array a;
    for (const std::string& n : net::service_flag_names(services)) a.push_back(json::value(n));
    return a;
}

json::object peer_json(const net::PeerInfo& p) {
    json::object o;
    o["id"] = p.id;
    o["addr"] = p.addr;
    if (!p.addr_bind.empty()) o["addrbind"] = p.addr_bind;
    if (!p.addr_local.empty()) o["addrlocal"] = p.addr_local;
    o["network"] = p.network;
    o["services"] = services_hex(p.services);
    o["servicesnames"] = services_names(p.services);
    o["relaytxes"] = p.relay_txs;
    o["lastsend"] = p.last_send;
    o["lastrecv"] = p.last_recv;
    o["last_transaction"] = p.last_transaction;
    o["last_block"] = p.last_block;
    o["bytessent"] = p.bytes_sent;
    o["bytesrecv"] = p.bytes_recv;
    o["conntime"] = p.conn_time;
    o["timeoffset"] = p.time_offset;
    if (p.ping_time >= 0) o["pingtime"] = p.ping_time;
    if (p.min_ping >= 0) o["minping"] = p.min_ping;
    if (p.ping_wait >= 0) o["pingwait"] = p.ping_wait;
    o["version"] = p.version;
    o["subver"] = p.subver;
    o["inbound"] = p.inbound;
    o["bip152_hb_to"] = p.bip152_hb_to;
    o["bip152_hb_from"] = p.bip152_hb_from;
    o["startingheight"] = p.starting_height;
    o["presynced_headers"] = p.presynced_headers;
    o["synced_headers"] = p.synced_headers;
    o["synced_blocks"] = p.synced_blocks;
    json::array inflight;
    for (int h : p.inflight) inflight.push_back(h);
    o["inflight"] = std::move(inflight);
    o["addr_relay_enabled"] = p.addr_relay_enabled;
    o["addr_processed"] = p.addr_processed;
    o["addr_rate_limited"] = p.addr_rate_limited;
    json::array permissions;
    for (const std::string& name : p.permissions) permissions.push_back(json::value(name));
    o["permissions"] = std::move(permissions);
    o["minfeefilter"] = amount_value(p.min_fee_filter);
    json::object sent, recv;
    for (const auto& [k, v] : p.bytes_sent_per_msg) sent[k] = v;
    for (const auto& [k, v] : p.bytes_recv_per_msg) recv[k] = v;
    o["bytessent_per_msg"] = std::move(sent);
    o["bytesrecv_per_msg"] = std::move(recv);
    o["connection_type"] = p.connection_type;
    o["transport_protocol_type"] = p.transport_protocol_type;  // "v1" or "v2" (BIP324)
    o["session_id"] = p.session_id;                            // v2 only, else ""
    return o;
}

// setban's subnet argument: an address (a single host) or address/prefix or address/mask.
std::optional<net::SubNet> parse_subnet(const std::string& s) {
    if (s.find('/') == std::string::npos) {
        auto a = net::NetAddr::parse(s);
        if (!a) return std::nullopt;
        return net::SubNet(*a);
    }
    return net::SubNet::parse(s);
}

json::value network_entry(net::NetType net, const net::NetworkSettings& settings) {
    json::object o;
    const bool reachable = settings.is_reachable(net);
    const auto& proxy = settings.proxy_for(net);
    o["name"] = net::network_name(net);
    o["limited"] = !reachable;
    o["reachable"] = reachable;
    o["proxy"] = proxy ? proxy->to_string() : std::string();
    o["proxy_randomize_credentials"] = proxy ? proxy->randomize_credentials : false;
    return o;
}

// addconnection's connection types (Core's names).
std::optional<net::ConnType> parse_connection_type(const std::string& s) {
    if (s == "outbound-full-relay") return net::ConnType::OUTBOUND_FULL_RELAY;
    if (s == "block-relay-only") return net::ConnType::BLOCK_RELAY;
    if (s == "addr-fetch") return net::ConnType::ADDR_FETCH;
    if (s == "feeler") return net::ConnType::FEELER;
    return std::nullopt;
}

}  // namespace

void register_net_commands(RpcTable& t) {
    register_addrman_commands(t);
    t.add({"blockchain",
           "getblockfrompeer",
           "Attempt to fetch block from a given peer.\n\n"
           "We must have the header for this block, e.g. using submitheader.\n"
           "The block will not have any undo data which can limit the usage of the block data in a context where the "
           "undo data is needed.\n"
           "Subsequent calls for the same block may cause the response from the previous peer to be ignored.\n"
           "Peers generally ignore requests for a stale block that they never fully verified, or one that is more "
           "than a month old.\n"
           "When a peer does not respond with a block, we will disconnect.\n\n"
           "Returns an empty JSON object if the request was successfully scheduled.",
           {{"blockhash", ArgType::STR_HEX, true, "", "The block hash to try to fetch"},
            {"peer_id", ArgType::NUM, true, "", "The peer to fetch it from (see getpeerinfo for peer IDs)"}},
           "{}    (json object) (empty)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const uint256 hash = block_hash_argument(req, 0, "blockhash");
               const int64_t id = req.get_int(1);
               net::Connman& c = require_connman(node);
               if (!node.chainstate) throw RpcError(RPC_IN_WARMUP, "Loading block index...");
               Chainstate& chain = *node.chainstate;
               const BlockIndex* b = chain.lookup(hash);
               if (!b) throw RpcError(RPC_MISC_ERROR, "Block header missing");
               bool have_data = false;
               chain.with_view([&](Chainstate::View&) { have_data = b->status & BLOCK_HAVE_DATA; });
               if (have_data) throw RpcError(RPC_MISC_ERROR, "Block already downloaded");
               if (chain.loading_blocks()) throw RpcError(RPC_MISC_ERROR, "Loading blocks ...");
               if (const std::optional<std::string> err = c.fetch_block(id, b)) throw RpcError(RPC_MISC_ERROR, *err);
               return json::object{};
           }});
    t.add(
        {"hidden",
         "sendmsgtopeer",
         "Send a p2p message to a peer specified by id.\n"
         "The message type and body must be provided, the message header will be generated.\n"
         "This RPC is for testing only.",
         {{"peer_id", ArgType::NUM, true, "", "The peer to send the message to."},
          {"msg_type", ArgType::STR, true, "",
           "The message type (maximum length " + std::to_string(net::kCommandSize) + ")"},
          {"msg", ArgType::STR_HEX, true, "", "The serialized message body to send, in hex, without a message header"}},
         "{}    (json object) (empty)",
         [](NodeContext& node, const RpcRequest& req) -> json::value {
             const int64_t id = req.get_int(0);
             const std::string type = req.get_str(1);
             if (type.size() > net::kCommandSize)
                 throw RpcError(RPC_INVALID_PARAMETER,
                                "Error: msg_type too long, max length is " + std::to_string(net::kCommandSize));
             std::optional<Bytes> payload = hex_decode(req.get_str(2));
             if (!payload) throw RpcError(RPC_INVALID_PARAMETER, "Error parsing input for msg");
             net::Connman& c = require_connman(node);
             if (!c.send_message(id, type, std::move(*payload)))
                 throw RpcError(RPC_MISC_ERROR, "Error: Could not send message to peer");
             return json::object{};
         }});
    t.add({"network",
           "getconnectioncount",
           "Returns the number of connections to other nodes.",
           {},
           "n    (numeric) The connection count",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const auto c = require_connman(node).connection_counts();
               return json::value(c.inbound + c.outbound);
           }});

    t.add({"network",
           "getpeerinfo",
           "Returns data about each connected network peer as a json array of objects.",
           {},
           "[{\"id\": n, \"addr\": \"host:port\", \"services\": \"hex\", ...}, ...]    (json array) Core's fields",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               json::array out;
               for (const net::PeerInfo& p : require_connman(node).peer_info()) out.push_back(peer_json(p));
               return out;
           }});

    t.add({"network",
           "getnetworkinfo",
           "Returns an object containing various state info regarding P2P networking.",
           {},
           "{\"version\": n, \"subversion\": \"str\", \"protocolversion\": n, \"localservices\": \"hex\", "
           "\"connections\": n, \"networkactive\": bool, \"networks\": [...], \"relayfee\": n, ...}",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               json::object o;
               o["version"] = kClientVersion;
               o["subversion"] = node.connman ? node.connman->user_agent() : std::string("/minicash:0.1.0/");
               o["protocolversion"] = net::kProtocolVersion;
               const uint64_t services = node.connman ? node.connman->local_services() : 0;
               o["localservices"] = services_hex(services);
               o["localservicesnames"] = services_names(services);
               o["localrelay"] = !(node.connman && node.connman->blocks_only());  // false with -blocksonly
               o["timeoffset"] = 0;
               if (node.connman) {
                   const auto c = node.connman->connection_counts();
                   o["networkactive"] = node.connman->network_active();
                   o["connections"] = c.inbound + c.outbound;
                   o["connections_in"] = c.inbound;
                   o["connections_out"] = c.outbound;
               }
               json::array networks;
               const net::NetworkSettings defaults;
               const net::NetworkSettings& settings = node.connman ? node.connman->network_settings() : defaults;
               for (net::NetType n : net::kAllNetTypes) networks.push_back(network_entry(n, settings));
               o["networks"] = std::move(networks);
               Amount relay = 100, incremental = 100;
               if (node.mempool) {
                   const MempoolInfo info = node.mempool->info();
                   relay = info.min_relay_feerate.sat_per_kvb;
                   incremental = info.incremental_relay_feerate.sat_per_kvb;
               }
               o["relayfee"] = amount_value(relay);
               o["incrementalfee"] = amount_value(incremental);
               json::array local;
               if (node.connman) {
                   for (const net::LocalAddress& l : node.connman->local_addresses()) {
                       json::object a;
                       a["address"] = l.address.addr.to_string();
                       a["port"] = l.address.port;
                       a["score"] = l.score;
                       local.push_back(std::move(a));
                   }
               }
               o["localaddresses"] = std::move(local);
               o["warnings"] = json::array();
               return o;
           }});

    t.add({"network",
           "addnode",
           "Attempts to add or remove a node from the addnode list.\nOr try a connection to a node once.",
           {{"node", ArgType::STR, true, "", "The address of the peer to connect to"},
            {"command", ArgType::STR, true, "",
             "'add' to add a node to the list, 'remove' to remove a node from the list, 'onetry' to try a "
             "connection to the node once"},
            {"v2transport", ArgType::BOOL, false, "set by -v2transport",
             "Attempt to connect using BIP324 v2 transport protocol (ignored for 'remove' command)"}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const std::string command = req.get_str(1);
               if (command != "add" && command != "remove" && command != "onetry")
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Error: invalid command '" + command + "' (expected add, remove or onetry)");
               net::Connman& c = require_connman(node);
               const bool v2 = req.get_bool(2, c.v2transport());
               if (v2 && !c.v2transport())
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Error: v2transport requested but not enabled (see -v2transport)");
               switch (c.add_node(req.get_str(0), command, v2)) {
               case net::Connman::AddNodeResult::OK: return nullptr;
               case net::Connman::AddNodeResult::ALREADY_ADDED:
                   throw RpcError(RPC_CLIENT_NODE_ALREADY_ADDED, "Error: Node already added");
               case net::Connman::AddNodeResult::NOT_ADDED:
                   throw RpcError(RPC_CLIENT_NODE_NOT_ADDED,
                                  "Error: Node could not be removed. It has not been added previously.");
               case net::Connman::AddNodeResult::INVALID: break;
               }
               throw RpcError(RPC_INVALID_PARAMETER, "Error: Invalid node address");
           }});

    t.add({"network",
           "getaddednodeinfo",
           "Returns information about the given added node, or all added nodes\n(note that onetry addnodes are not "
           "listed here)",
           {{"node", ArgType::STR, false, "all nodes", "If provided, return information about this specific node"}},
           "[{\"addednode\": \"str\", \"connected\": bool, \"addresses\": [...]}, ...]",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const auto filter = req.opt_str(0);
               json::array out;
               bool found = false;
               for (const net::AddedNodeInfo& i : require_connman(node).added_node_info()) {
                   if (filter && *filter != i.name) continue;
                   found = true;
                   json::object o;
                   o["addednode"] = i.name;
                   o["connected"] = i.connected;
                   json::array addrs;
                   if (i.connected) {
                       json::object a;
                       a["address"] = i.address;
                       a["connected"] = i.inbound ? "inbound" : "outbound";
                       addrs.push_back(std::move(a));
                   }
                   o["addresses"] = std::move(addrs);
                   out.push_back(std::move(o));
               }
               if (filter && !found) throw RpcError(RPC_CLIENT_NODE_NOT_ADDED, "Error: Node has not been added.");
               return out;
           }});

    t.add({"network",
           "disconnectnode",
           "Immediately disconnects from the specified peer node.\n\nStrictly one out of 'address' and 'nodeid' can "
           "be provided to identify the node.",
           {{"address", ArgType::STR, false, "fallback to nodeid", "The IP address/port of the node"},
            {"nodeid", ArgType::NUM, false, "fallback to address", "The node ID (see getpeerinfo for node IDs)"}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               net::Connman& c = require_connman(node);
               bool ok = false;
               const bool has_address = req.has(0);
               const bool has_id = req.has(1);
               if (has_address && !has_id) {
                   ok = c.disconnect_node(req.get_str(0));
               } else if (has_id && (!has_address || req.get_str(0).empty())) {
                   ok = c.disconnect_node(req.get_int(1));
               } else {
                   throw RpcError(RPC_INVALID_PARAMS, "Only one of address and nodeid should be provided.");
               }
               if (!ok) throw RpcError(RPC_CLIENT_NODE_NOT_CONNECTED, "Node not found in connected nodes");
               return nullptr;
           }});

    t.add({"network",
           "setban",
           "Attempts to add or remove an IP/Subnet from the banned list.",
           {{"subnet", ArgType::STR, true, "",
             "The IP/Subnet (see getpeerinfo for nodes IP) with an optional netmask (default is /32 = single IP)"},
            {"command", ArgType::STR, true, "",
             "'add' to add an IP/Subnet to the list, 'remove' to remove an IP/Subnet "
             "from the list"},
            {"bantime", ArgType::NUM, false, "0",
             "time in seconds how long (or until when if [absolute] is set) the IP is banned (0 or empty means using "
             "the default time of 24h which can also be overwritten by the -bantime startup argument)"},
            {"absolute", ArgType::BOOL, false, "false",
             "If set, the bantime must be an absolute timestamp expressed "
             "in UNIX epoch time"}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const std::string command = req.get_str(1);
               if (command != "add" && command != "remove")
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Error: invalid command '" + command + "' (expected add or remove)");
               net::Connman& c = require_connman(node);
               const auto subnet = parse_subnet(req.get_str(0));
               if (!subnet) throw RpcError(RPC_CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP/Subnet");
               net::BanMan& bans = c.banman();
               if (command == "add") {
                   if (bans.is_banned_exactly(*subnet))
                       throw RpcError(RPC_CLIENT_NODE_ALREADY_ADDED, "Error: IP/Subnet already banned");
                   const int64_t now = bans.now();
                   int64_t bantime = req.get_int(2, 0);
                   const bool absolute = req.get_bool(3, false);
                   int64_t until;
                   if (absolute) {
                       if (bantime < now)
                           throw RpcError(RPC_INVALID_PARAMETER, "Error: Absolute timestamp is in the past");
                       until = bantime;
                   } else {
                       if (bantime <= 0) bantime = net::BanMan::kDefaultBanSeconds;
                       until = now + bantime;
                   }
                   if (!bans.ban(*subnet, until)) throw RpcError(RPC_MISC_ERROR, "Error: the ban list is full");
                   c.ban_changed(&*subnet);
               } else {
                   if (!bans.unban(*subnet))
                       throw RpcError(
                           RPC_CLIENT_INVALID_IP_OR_SUBNET,
                           "Error: Unban failed. Requested address/subnet was not previously manually banned.");
                   c.ban_changed(nullptr);
               }
               return nullptr;
           }});

    t.add({"network",
           "listbanned",
           "List all manually banned IPs/Subnets.",
           {},
           "[{\"address\": \"str\", \"ban_created\": n, \"banned_until\": n, \"ban_duration\": n, "
           "\"time_remaining\": n}, ...]",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               net::Connman& c = require_connman(node);
               const int64_t now = c.banman().now();
               json::array out;
               for (const net::BanEntry& e : c.banman().list()) {
                   json::object o;
                   o["address"] = e.subnet.to_string();
                   o["ban_created"] = e.created;
                   o["banned_until"] = e.until;
                   o["ban_duration"] = e.until - e.created;
                   o["time_remaining"] = e.until - now;
                   out.push_back(std::move(o));
               }
               return out;
           }});

    t.add({"network",
           "clearbanned",
           "Clear all banned IPs.",
           {},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               net::Connman& c = require_connman(node);
               c.banman().clear_bans();
               c.banman().clear_discouraged();
               c.ban_changed(nullptr);
               return nullptr;
           }});

    t.add({"network",
           "getnettotals",
           "Returns information about network traffic, including bytes in, bytes out,\nand current system time.",
           {},
           "{\"totalbytesrecv\": n, \"totalbytessent\": n, \"timemillis\": n, \"uploadtarget\": {...}}",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const net::NetTotals totals = require_connman(node).totals();
               json::object o;
               o["totalbytesrecv"] = totals.bytes_recv;
               o["totalbytessent"] = totals.bytes_sent;
               o["timemillis"] = totals.time_millis;
               json::object target;
               target["timeframe"] = 86400;
               target["target"] = 0;
               target["target_reached"] = false;
               target["serve_historical_blocks"] = true;
               target["bytes_left_in_cycle"] = 0;
               target["time_left_in_cycle"] = 0;
               o["uploadtarget"] = std::move(target);
               return o;
           }});

    t.add({"network",
           "setnetworkactive",
           "Disable/enable all p2p network activity.",
           {{"state", ArgType::BOOL, true, "", "true to enable networking, false to disable"}},
           "bool    (boolean) The value that was passed in",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               net::Connman& c = require_connman(node);
               c.set_network_active(req.get_bool(0, true));
               return json::value(c.network_active());
           }});

    t.add({"network",
           "ping",
           "Requests that a ping be sent to all other nodes, to measure ping time.\nResults are provided in "
           "getpeerinfo, pingtime and pingwait fields are decimal seconds.",
           {},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               require_connman(node).request_pings();
               return nullptr;
           }});

    t.add({"network",
           "getnodeaddresses",
           "Return known addresses, after filtering for quality and recency.\nThese can potentially be used to find "
           "new peers in the network.",
           {{"count", ArgType::NUM, false, "1",
             "The maximum number of addresses to return. Specify 0 to return all "
             "known addresses."},
            {"network", ArgType::STR, false, "all networks",
             "Return only addresses of the specified network. Can be "
             "one of: ipv4, ipv6, onion, i2p, cjdns."}},
           "[{\"time\": n, \"services\": n, \"address\": \"str\", \"port\": n, \"network\": \"str\"}, ...]",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               net::Connman& c = require_connman(node);
               const int64_t count = req.get_int(0, 1);
               if (count < 0) throw RpcError(RPC_INVALID_PARAMETER, "Address count out of range");
               const auto network_text = req.opt_str(1);
               std::optional<net::NetType> network;
               if (network_text) {
                   network = net::parse_network(*network_text);
                   if (!network) throw RpcError(RPC_INVALID_PARAMETER, "Network not recognized: " + *network_text);
               }
               json::array out;
               const size_t max = count == 0 ? SIZE_MAX : size_t(count);
               for (const net::AddrInfo& a : c.addrman().get_addresses(SIZE_MAX, 100)) {
                   if (out.size() >= max) break;
                   const net::NetType net_type = a.service.addr.network();
                   if (network && *network != net_type) continue;
                   const std::string net_name = net::network_name(net_type);
                   json::object o;
                   o["time"] = a.time;
                   o["services"] = a.services;
                   o["address"] = a.service.addr.to_string();
                   o["port"] = a.service.port;
                   o["network"] = net_name;
                   out.push_back(std::move(o));
               }
               return out;
           }});

    t.add({"hidden",
           "addconnection",
           "Open an outbound connection to a specified node. This RPC is for testing only.",
           {{"address", ArgType::STR, true, "", "The IP address and port to attempt connecting to."},
            {"connection_type", ArgType::STR, true, "",
             "Type of connection to open (\"outbound-full-relay\", \"block-relay-only\", \"addr-fetch\" or "
             "\"feeler\")."},
            {"v2transport", ArgType::BOOL, true, "", "Attempt to connect using BIP324 v2 transport protocol"}},
           "{\"address\": \"str\", \"connection_type\": \"str\"}    (json object)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               if (node.params.network != Network::REGTEST)
                   throw RpcError(RPC_MISC_ERROR, "addconnection is for regression testing (-regtest mode) only.");
               const std::string address = req.get_str(0);
               const std::string type_text = req.get_str(1);
               const auto type = parse_connection_type(type_text);
               if (!type)
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Error: invalid connection_type '" + type_text +
                                      "' (expected outbound-full-relay, block-relay-only, addr-fetch or feeler)");
               net::Connman& c = require_connman(node);
               const bool v2 = req.get_bool(2, false);
               if (v2 && !c.v2transport())
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "Error: Adding v2transport connections requires -v2transport init flag to be set.");
               if (!c.add_connection(address, *type, v2))
                   throw RpcError(RPC_CLIENT_NODE_CAPACITY_REACHED,
                                  "Error: Already at capacity for specified connection type.");
               json::object o;
               o["address"] = address;
               o["connection_type"] = type_text;
               return o;
           }});

    t.add({"hidden",
           "addpeeraddress",
           "Add the address of a potential peer to an address manager table. This RPC is for testing only.",
           {{"address", ArgType::STR, true, "", "The IP address of the peer"},
            {"port", ArgType::NUM, true, "", "The port of the peer"},
            {"tried", ArgType::BOOL, false, "false", "If true, attempt to add the peer to the tried addresses table"}},
           "{\"success\": bool, \"error\": \"str\"}    (json object) whether the peer address was successfully "
           "added to the address manager table",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               net::Connman& c = require_connman(node);
               const int64_t port = req.get_int(1);
               if (port < 0 || port > 65535) throw RpcError(RPC_MISC_ERROR, "JSON integer out of range");  // as Core
               const bool tried = req.get_bool(2, false);
               json::object o;
               bool success = false;
               if (auto a = net::NetAddr::parse(req.get_str(0))) {
                   const net::Service s{a->maybe_cjdns(c.network_settings().cjdns_reachable()), uint16_t(port)};
                   const bool allow_local = node.params.network == Network::REGTEST;
                   // The address vouches for itself, as if the peer had announced it.
                   if (c.addrman().add(s, net::NODE_NETWORK | net::NODE_WITNESS, c.banman().now(), s.addr, 0,
                                       allow_local)) {
                       success = true;
                       if (tried && !c.addrman().good(s, /*test_before_evict=*/true)) {
                           success = false;
                           o["error"] = "failed-adding-to-tried";
                       }
                   } else {
                       o["error"] = "failed-adding-to-new";
                   }
               }
               o["success"] = success;
               return o;
           }});
}

}  // namespace minicash::rpc
