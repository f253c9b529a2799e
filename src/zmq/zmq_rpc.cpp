#include "zmq/zmq_rpc.h"

#include "rpc/server.h"

namespace minicash::zmq {

void register_zmq_commands(rpc::RpcTable& table, std::vector<NotifierConfig> active) {
    table.add({"zmq",
               "getzmqnotifications",
               "Returns information about the active ZeroMQ notifications.",
               {},
               "[                         (json array)\n"
               "  {                       (json object)\n"
               "    \"type\" : \"str\",       (string) Type of notification\n"
               "    \"address\" : \"str\",    (string) Address of the publisher\n"
               "    \"hwm\" : n             (numeric) Outbound message high water mark\n"
               "  },\n"
               "  ...\n"
               "]",
               [active = std::move(active)](NodeContext&, const rpc::RpcRequest&) -> boost::json::value {
                   boost::json::array out;
                   for (const NotifierConfig& n : active) {
                       boost::json::object o;
                       o["type"] = notifier_type(n.topic);
                       o["address"] = n.address;
                       o["hwm"] = n.hwm;
                       out.push_back(std::move(o));
                   }
                   return out;
               }});
}

}  // namespace minicash::zmq
