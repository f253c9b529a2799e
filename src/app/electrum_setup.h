// What the Electrum server adds to minicashd, kept out of minicashd.cpp: its options
// (-electrum, -electrumtls, -electrumcert, -electrumkey, -electrumbanner and the
// per-connection limits -electrummaxhistory, -electrummaxsubscriptions,
// -electrumratelimit) and the server's start and stop (rpc/electrum_server.h).
//
// Off unless -electrum or -electrumtls is given; both need -addressindex (start-up fails
// with a message otherwise) and turn on -txindex (blockchain.transaction.get needs it).
// A bare -electrum listens on 127.0.0.1 at the network's default port (Electrum's:
// 50001 main, 60001 testnet4, 60601 signet, 60401 regtest; TLS: the next port).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/app_options.h"
#include "rpc/electrum_server.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::app {

void add_electrum_options(NodeOptions& o);

struct ElectrumSettings {
    bool enabled = false;
    rpc::ElectrumServerOptions server;
};

// Collects the options. Throws OptionError (a malformed endpoint, TLS without a
// certificate and key, -electrum without -addressindex).
ElectrumSettings read_electrum_settings(const NodeOptions& o, bool addressindex);

class ElectrumService {
public:
    // Starts the server when enabled (after the indexes started); a service doing nothing
    // otherwise. nullptr with `error` when it cannot listen or read its certificate.
    [[nodiscard]] static std::unique_ptr<ElectrumService> start(const ElectrumSettings& settings, NodeContext& node,
                                                                std::string* error);
    ~ElectrumService();  // stop()s
    // Closes every connection and joins its threads (before the indexes stop). Idempotent.
    void stop();

private:
    ElectrumService() = default;
    std::unique_ptr<rpc::ElectrumServer> server_;
};

}  // namespace minicash::app
