#include "test/util/node_network.h"

#include <stdexcept>
#include <string>

#include "test/util/wait_until.h"

namespace minicash::test {

namespace json = boost::json;

bool connected_to(TestNode& node, TestNode& other) {
    const json::value peers = node.rpc("getpeerinfo");
    for (const json::value& p : peers.as_array()) {
        const json::object& o = p.as_object();
        if (o.contains("addr") && o.at("addr").is_string() && std::string(o.at("addr").as_string()) == other.p2p_addr())
            return true;
    }
    return false;
}

void connect_nodes(TestNode& from, TestNode& to, std::chrono::milliseconds timeout) {
    from.rpc("addnode", json::array{json::string(to.p2p_addr()), "onetry"});
    // The inbound side sees the connecting node under an ephemeral port: count peers.
    if (!wait_until([&] { return connected_to(from, to) && to.rpc("getconnectioncount").to_number<int64_t>() > 0; },
                    timeout))
        throw std::runtime_error(from.name() + " did not connect to " + to.name() + "\n" + from.log_tail() +
                                 to.log_tail());
}

bool wait_synced(const std::vector<TestNode*>& nodes, int height, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            std::string tip;
            for (TestNode* n : nodes) {
                if (n->height() < height) return false;
                const std::string t = n->tip();
                if (tip.empty()) tip = t;
                else if (t != tip) return false;
            }
            return true;
        },
        timeout);
}

}  // namespace minicash::test
