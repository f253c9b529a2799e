#include "app/rpc_setup.h"

#include <chrono>

#include "node/context.h"
#include "node/index/address_index.h"
#include "node/index/address_mempool.h"
#include "node/index/block_filter_index.h"
#include "node/index/silent_payment_index.h"
#include "node/index/tx_index.h"
#include "rpc/esplora.h"
#include "rpc/rest.h"
#include "util/logging.h"

namespace minicash::app {

void add_rpc_options(NodeOptions& o) {
    o.add_bool("server", "Accept JSON-RPC commands (default: 1)");
    o.add_int("rpcport", "port",
              "Listen for JSON-RPC connections on <port> (default: 8332, testnet4: 48332, "
              "signet: 38332, regtest: 18443)");
    o.add_list("rpcbind", "addr[:port]",
               "Bind to given address to listen for JSON-RPC connections. Ignored unless -rpcallowip is also "
               "given. Repeatable (default: 127.0.0.1 and ::1)");
    o.add_list("rpcallowip", "ip",
               "Allow JSON-RPC connections from the specified source: a single IP (1.2.3.4), a network/netmask "
               "(1.2.3.4/255.255.255.0) or a network/CIDR (1.2.3.4/24). Repeatable");
    o.add_string("rpcuser", "user", "Username for JSON-RPC connections");
    o.add_string("rpcpassword", "pw", "Password for JSON-RPC connections");
    o.add_list("rpcauth", "userpw",
               "Username and HMAC-SHA-256 hashed password for JSON-RPC connections, as <USERNAME>:<SALT>$<HASH> "
               "(Bitcoin Core's share/rpcauth/rpcauth.py output). Repeatable");
    o.add_string("rpccookiefile", "loc",
                 "Location of the auth cookie, relative to the network data directory "
                 "(default: .cookie)");
    o.add_int("rpcthreads", "n", "Number of threads serving RPC calls (default: 16)");
    o.add_int("rpcservertimeout", "n", "Seconds an idle HTTP connection stays open (default: 30)");
    o.add_list("rpcwhitelist", "whitelist",
               "Set a whitelist to filter incoming RPC calls for a specific user. The field <whitelist> comes in the "
               "format: <USERNAME>:<rpc 1>,<rpc 2>,...,<rpc n>. If multiple whitelists are set for a given user, they "
               "are set-intersected. See -rpcwhitelistdefault documentation for information on default whitelist "
               "behavior.");
    o.add_bool("rpcwhitelistdefault",
               "Sets default behavior for rpc whitelisting. Unless rpcwhitelistdefault is set to 0, if any "
               "-rpcwhitelist is set, the rpc server acts as if all rpc users are subject to empty-unless-otherwise-"
               "specified whitelists. If rpcwhitelistdefault is set to 1 and no -rpcwhitelist is set, rpc server acts "
               "as if all rpc users are subject to empty whitelists.");
    o.add_bool("rest", "Accept public REST requests (default: 0)");
    o.add_bool("esplora",
               "Serve the Esplora HTTP API under /api/ and the block explorer page under /explorer/ on the RPC "
               "port, without authentication (default: 0; implies -addressindex and -txindex)");
    o.add_bool("txindex", "Maintain a full transaction index, used by the getrawtransaction rpc call (default: 0)");
    o.add_bool("addressindex",
               "Maintain an index of every output script's history and unspent outputs, by Electrum script hash, "
               "for the Esplora API (default: 0; implied by -esplora)");
    o.add_list("blockfilterindex", "type",
               "Maintain an index of compact block filters by block (default: 0). -blockfilterindex, 1 or basic: "
               "the BIP158 basic filter, served by getblockfilter",
               "1");
    o.add_bool("silentpaymentindex",
               "Maintain an index of BIP352 silent payment tweak data by block, served by the "
               "getsilentpaymentblockdata rpc call (default: 0)");
}

RpcSettings read_rpc_settings(const NodeOptions& o, const std::filesystem::path& netdir) {
    RpcSettings s;
    s.server = o.get_bool("server", true);
    s.http.port = o.params().rpc_port;
    if (auto p = o.get_int("rpcport")) {
        if (*p <= 0 || *p > 65535) throw OptionError("-rpcport must be between 1 and 65535");
        s.http.port = uint16_t(*p);
    }
    s.http.bind = o.get_list("rpcbind");
    s.http.allow_ip = o.get_list("rpcallowip");
    for (const std::string& a : s.http.allow_ip)
        if (!rpc::parse_subnet(a)) throw OptionError("Invalid -rpcallowip subnet specification: " + a);
    if (auto t = o.get_int("rpcthreads")) {
        if (*t < 1 || *t > 64) throw OptionError("-rpcthreads must be between 1 and 64");
        s.http.threads = int(*t);
    }
    if (auto t = o.get_int("rpcservertimeout")) {
        if (*t < 1) throw OptionError("-rpcservertimeout must be at least 1");
        s.http.idle_timeout = std::chrono::seconds(*t);
    }
    for (const std::string& entry : o.get_list("rpcwhitelist")) {
        const size_t colon = entry.find(':');
        const std::string user = entry.substr(0, colon);
        const bool intersect = s.http.rpc_whitelist.count(user) > 0;
        std::set<std::string>& allowed = s.http.rpc_whitelist[user];
        if (colon == std::string::npos) continue;
        std::set<std::string> methods;
        std::string name;
        for (char c : entry.substr(colon + 1) + ",") {  // Core splits on ',' and ' '
            if (c == ',' || c == ' ') {
                if (!name.empty()) methods.insert(name);
                name.clear();
            } else {
                name += c;
            }
        }
        if (intersect) std::erase_if(methods, [&allowed](const std::string& m) { return !allowed.count(m); });
        allowed = std::move(methods);
    }
    s.http.rpc_whitelist_default = o.get_bool("rpcwhitelistdefault", o.is_set("rpcwhitelist"));
    s.user = o.get_string("rpcuser").value_or("");
    s.password = o.get_string("rpcpassword").value_or("");
    for (const std::string& spec : o.get_list("rpcauth")) {
        auto e = rpc::parse_rpcauth(spec);
        if (!e) throw OptionError("Invalid -rpcauth argument.");
        s.rpcauth.push_back(*e);
    }
    std::filesystem::path cookie = o.get_string("rpccookiefile").value_or(".cookie");
    if (cookie.empty()) throw OptionError("-rpccookiefile is empty");
    s.cookie_file = cookie.is_absolute() ? cookie : netdir / cookie;
    s.rest = o.get_bool("rest", false);
    // -esplora answers from both indexes, so it turns them on.
    s.esplora = o.get_bool("esplora", false);
    if (s.esplora && !s.server) throw OptionError("-esplora needs the RPC server (-server)");
    s.txindex = s.esplora || o.get_bool("txindex", false);
    s.addressindex = s.esplora || o.get_bool("addressindex", false);
    // As Core: the last value 0 or 1 switches all types off or on, otherwise each value
    // names a type ("basic" is the only one).
    const std::vector<std::string> filter_types = o.get_list("blockfilterindex");
    if (!filter_types.empty() && filter_types.back() != "0") {
        for (const std::string& f : filter_types)
            if (filter_types.back() != "1" && f != "basic")
                throw OptionError("Unknown -blockfilterindex value " + f + ".");
        s.blockfilterindex = true;
    }
    s.silentpaymentindex = o.get_bool("silentpaymentindex", false);
    return s;
}

namespace {

// Starts an index; false with `error` when it cannot (e.g. it needs blocks pruning deleted).
bool start_index(BaseIndex& index, std::string* error) {
    try {
        index.start();
    } catch (const StorageError& e) {
        if (error) *error = e.what();
        return false;
    }
    return true;
}

}  // namespace

bool start_indexes(NodeContext& node, std::string* error) {
    if (!node.chainstate) return true;
    if (node.txindex) {
        std::unique_ptr<TxIndex> index = TxIndex::open(*node.chainstate, node.datadir, error);
        if (!index) return false;
        if (!start_index(*index, error)) return false;
        node.tx_index = std::move(index);
    }
    if (node.addressindex) {
        std::unique_ptr<AddressIndex> index = AddressIndex::open(*node.chainstate, node.datadir, error);
        if (!index) return false;
        if (!start_index(*index, error)) return false;
        node.address_index = std::move(index);
        if (node.mempool) {
            node.address_mempool = std::make_shared<AddressMempool>(*node.chainstate, *node.mempool);
            node.address_mempool->start();
        }
    }
    if (node.blockfilterindex) {
        std::unique_ptr<BlockFilterIndex> index = BlockFilterIndex::open(*node.chainstate, node.datadir, error);
        if (!index) return false;
        if (!start_index(*index, error)) return false;
        node.block_filter_index = std::move(index);
    }
    if (node.silentpaymentindex) {
        std::unique_ptr<SilentPaymentIndex> index = SilentPaymentIndex::open(*node.chainstate, node.datadir, error);
        if (!index) return false;
        if (!start_index(*index, error)) return false;
        node.silent_payment_index = std::move(index);
    }
    return true;
}

void stop_indexes(NodeContext& node) {
    if (node.tx_index) node.tx_index->stop();
    if (node.block_filter_index) node.block_filter_index->stop();
    if (node.silent_payment_index) node.silent_payment_index->stop();
    if (node.address_mempool) node.address_mempool->stop();
    if (node.address_index) node.address_index->stop();
}

std::unique_ptr<RpcService> RpcService::start(const RpcSettings& settings, NodeContext& node,
                                              const std::vector<Registration>& extra, std::string* error) {
    std::unique_ptr<RpcService> svc(new RpcService());
    svc->node_ = &node;
    try {
        rpc::register_all_commands(svc->table_);
        for (const Registration& r : extra) r(svc->table_);
    } catch (const std::exception& e) {
        if (error) *error = std::string("RPC command registration failed: ") + e.what();
        return nullptr;
    }
    rpc::Authenticator auth;
    if (settings.password.empty()) {
        const std::string cookie = rpc::generate_cookie();
        if (!rpc::write_cookie_file(settings.cookie_file, cookie, error)) return nullptr;
        svc->cookie_written_ = settings.cookie_file;
        auth.add_user_password(cookie);
        log_info("Generated RPC authentication cookie %s", settings.cookie_file.c_str());
    } else {
        auth.add_user_password(settings.user + ":" + settings.password);
    }
    for (const rpc::RpcAuthEntry& e : settings.rpcauth) auth.add_rpcauth(e);
    // Until the caller says start-up is over (end_warmup), commands other than stop/help
    // answer RPC_IN_WARMUP, as Core's do while the node is still starting.
    svc->table_.set_warmup(true, "Starting network threads...");
    svc->server_ = std::make_unique<rpc::HttpRpcServer>(svc->table_, node, std::move(auth), settings.http);
    if (settings.rest) rpc::add_rest_handlers(*svc->server_, svc->table_, node);
    if (settings.esplora) rpc::add_esplora_handlers(*svc->server_, svc->table_, node);
    if (!svc->server_->start(error)) {
        svc->stop();
        return nullptr;
    }
    return svc;
}

RpcService::~RpcService() { stop(); }

void RpcService::stop() {
    if (server_) {
        if (node_) node_->shutdown_requested = true;
        server_->stop();
        server_.reset();
    }
    if (!cookie_written_.empty()) {
        std::error_code ec;
        std::filesystem::remove(cookie_written_, ec);
        if (ec)
            log_warning("unable to remove the RPC cookie file %s: %s", cookie_written_.c_str(), ec.message().c_str());
        cookie_written_.clear();
    }
}

}  // namespace minicash::app
