// Functional tests of the P2P layer: real minicashd processes on 127.0.0.1 talking to
// each other, driven through minicash-cli, plus a raw P2P client (built on src/net's
// framing) playing a misbehaving peer.
//
// Ports: each node takes two ports the kernel just handed out for port 0 (bind, read,
// close); if the daemon still cannot bind one (another process took it meanwhile) it
// exits at start-up and the node retries with fresh ports. Every process is owned by a
// Node whose destructor kills it, so a failing test never leaks a daemon.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/address.h"
#include "consensus/block.h"
#include "consensus/merkle.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "net/protocol.h"
#include "util/hash.h"
#include "util/hex.h"

#ifndef MINICASHD_PATH
#error "MINICASHD_PATH must be defined by the build"
#endif
#ifndef MINICASH_CLI_PATH
#error "MINICASH_CLI_PATH must be defined by the build"
#endif

namespace minicash::net {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const ChainParams& regtest() {
    static const ChainParams p = make_chain_params(Network::REGTEST);
    return p;
}

// A second payout address (BIP173's regtest P2WPKH example).
const std::string kOtherAddress = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

// ---- processes ----

uint16_t free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) continue;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
        ::close(fd);
        if (ok) return ntohs(a.sin_port);
    }
    return 0;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct RunResult {
    int exit_code = -1;
    std::string out, err;
};

RunResult run_program(const std::vector<std::string>& argv, const fs::path& scratch) {
    static int counter = 0;
    const fs::path out = scratch / ("cli" + std::to_string(++counter) + ".out");
    const fs::path err = scratch / ("cli" + std::to_string(counter) + ".err");
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(o, 1);
        ::dup2(e, 2);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    RunResult r;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (true) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    std::error_code ec;
    fs::remove(out, ec);
    fs::remove(err, ec);
    return r;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return cond();
}

// One minicashd -regtest with its own data directory and ports. Always killed and
// removed on destruction.
class Node {
public:
    explicit Node(std::string name) : name_(std::move(name)) {
        std::random_device rd;
        dir_ = fs::temp_directory_path() /
               ("minicash-p2p-" + name_ + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(dir_);
    }
    ~Node() {
        kill();
        if (!std::getenv("MINICASH_KEEP_TMP")) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Starts the daemon and waits until RPC answers. Keeps the P2P port of an earlier
    // start (restarts must be reachable where peers.dat says) unless it cannot bind.
    bool start(const std::vector<std::string>& extra = {}) {
        for (int attempt = 0; attempt < 6; ++attempt) {
            if (p2p_port_ == 0 || attempt > 0) p2p_port_ = free_port();
            rpc_port_ = free_port();
            if (!p2p_port_ || !rpc_port_ || p2p_port_ == rpc_port_) continue;
            spawn(extra);
            if (wait_until([&] { return !alive() || cli({"getblockcount"}).exit_code == 0; }, 60s) && alive())
                return true;
            kill();
            const std::string err = slurp(dir_ / "stderr.txt");
            if (err.find("bind") == std::string::npos && err.find("Bind") == std::string::npos) {
                ADD_FAILURE() << name_ << " did not start: " << err << slurp(dir_ / "regtest" / "debug.log");
                return false;
            }
        }
        ADD_FAILURE() << name_ << ": no free ports after 6 attempts";
        return false;
    }

    // Graceful stop through RPC; returns the exit code (-1 if it had to be killed).
    int stop() {
        if (pid_ <= 0) return -1;
        cli({"stop"});
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(50ms);
        }
        kill();
        return -1;
    }

    void kill() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

    bool alive() {
        if (pid_ <= 0) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        return true;
    }

    RunResult cli(const std::vector<std::string>& args) {
        std::vector<std::string> a = {MINICASH_CLI_PATH, "-regtest", "-datadir=" + dir_.string(),
                                      "-rpcport=" + std::to_string(rpc_port_)};
        a.insert(a.end(), args.begin(), args.end());
        return run_program(a, dir_);
    }

    // The RPC result as JSON (strings that are not JSON come back as JSON strings).
    json::value rpc(const std::vector<std::string>& args) {
        const RunResult r = cli(args);
        if (r.exit_code != 0) {
            ADD_FAILURE() << name_ << ": " << args[0] << " failed (" << r.exit_code << "): " << r.err;
            return nullptr;
        }
        std::string s = r.out;
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (s.empty()) return nullptr;  // minicash-cli prints nothing for a null result
        boost::system::error_code ec;
        json::value v = json::parse(s, ec);
        if (!ec) return v;
        return json::value(s);
    }

    int height() {
        const RunResult r = cli({"getblockcount"});
        return r.exit_code == 0 ? std::atoi(r.out.c_str()) : -1;
    }
    std::string tip() {
        RunResult r = cli({"getbestblockhash"});
        while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
        return r.out;
    }
    int connections() {
        const RunResult r = cli({"getconnectioncount"});
        return r.exit_code == 0 ? std::atoi(r.out.c_str()) : -1;
    }
    // Blocks paying `address` (default: anyone-can-spend P2SH). Nodes mining in separate
    // groups must use different addresses, or blocks found in the same second are equal.
    std::vector<std::string> mine(int n, const std::string& address = op_true_address()) {
        std::vector<std::string> out;
        const json::value v = rpc({"generatetoaddress", std::to_string(n), address});
        if (v.is_array())
            for (const auto& h : v.as_array()) out.push_back(std::string(h.as_string()));
        return out;
    }
    json::array peers() {
        json::value v = rpc({"getpeerinfo"});
        return v.is_array() ? v.as_array() : json::array();
    }

    std::string p2p_addr() const { return "127.0.0.1:" + std::to_string(p2p_port_); }
    uint16_t p2p_port() const { return p2p_port_; }
    const fs::path& dir() const { return dir_; }
    fs::path netdir() const { return dir_ / "regtest"; }
    std::string log() const { return slurp(netdir() / "debug.log"); }
    const std::string& name() const { return name_; }

    static Script op_true_redeem() {
        Script s;
        s.push_op(OP_TRUE);
        return s;
    }
    static Script op_true_p2sh() {
        Script s;
        s.push_op(OP_HASH160).push_data(hash160(op_true_redeem().view())).push_op(OP_EQUAL);
        return s;
    }
    static std::string op_true_address() { return encode_address(op_true_p2sh(), regtest()).value(); }

private:
    void spawn(const std::vector<std::string>& extra) {
        std::vector<std::string> a = {MINICASHD_PATH,
                                      "-regtest",
                                      "-datadir=" + dir_.string(),
                                      "-port=" + std::to_string(p2p_port_),
                                      "-bind=127.0.0.1",
                                      "-rpcport=" + std::to_string(rpc_port_),
                                      "-debug=net",
                                      "-debug=mempool",
                                      "-dbcache=16",
                                      "-par=1"};
        a.insert(a.end(), extra.begin(), extra.end());
        const fs::path err = dir_ / "stderr.txt";
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int null_fd = ::open("/dev/null", O_WRONLY);
            ::dup2(null_fd, 1);
            ::dup2(fd, 2);
            std::vector<char*> args;
            for (const std::string& s : a) args.push_back(const_cast<char*>(s.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }

    std::string name_;
    fs::path dir_;
    uint16_t p2p_port_ = 0, rpc_port_ = 0;
    pid_t pid_ = -1;
};

// Waits until every node has the same tip at `height` or more.
bool wait_synced(std::vector<Node*> nodes, int height, std::chrono::milliseconds timeout = 120s) {
    return wait_until(
        [&] {
            std::string tip;
            for (Node* n : nodes) {
                if (n->height() < height) return false;
                const std::string t = n->tip();
                if (tip.empty()) tip = t;
                else if (t != tip) return false;
            }
            return true;
        },
        timeout);
}

bool connected_to(Node& node, Node& other) {
    for (const auto& p : node.peers()) {
        const auto& o = p.as_object();
        if (o.contains("addr") && std::string(o.at("addr").as_string()) == other.p2p_addr()) return true;
    }
    return false;
}

// ---- a raw P2P peer ----

class RawPeer {
public:
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool connect(uint16_t port, const char* local_ip = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, local_ip, &local.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    // Takes the next connection on a listening socket (for peers the node connects to).
    bool accept_from(int listener, std::chrono::milliseconds timeout) {
        pollfd p{listener, POLLIN, 0};
        if (::poll(&p, 1, int(timeout.count())) <= 0) return false;
        fd_ = ::accept(listener, nullptr, nullptr);
        return fd_ >= 0;
    }
    bool send_bytes(ByteView b) {
        size_t done = 0;
        while (done < b.size()) {
            const ssize_t n = ::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += size_t(n);
        }
        return true;
    }
    bool send(const std::string& command, ByteView payload) {
        return send_bytes(frame_message(regtest().magic, command, payload));
    }
    // The next message, answering pings on the way; nullopt on timeout or close.
    std::optional<Message> recv(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (parser_.has_message()) {
                Message m = parser_.take();
                if (m.command == cmd::PING) {
                    send(cmd::PONG, m.payload);
                    continue;
                }
                return m;
            }
            if (!pending_.empty()) {
                const size_t used = parser_.feed(pending_);
                pending_.erase(pending_.begin(), pending_.begin() + long(used));
                if (parser_.failed()) return std::nullopt;
                if (parser_.has_message()) continue;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, int(left.count())) <= 0) return std::nullopt;
            uint8_t buf[65536];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closed_ = true;
                return std::nullopt;
            }
            pending_.insert(pending_.end(), buf, buf + n);
        }
    }
    std::optional<Message> wait_for(const std::string& command, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = recv(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
            if (!m) return std::nullopt;
            if (m->command == command) return m;
        }
        return std::nullopt;
    }
    // True when the other side closes the connection within `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_ && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            uint8_t buf[65536];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) closed_ = true;
        }
        return closed_;
    }
    // The handshake when the node connected to us: it speaks first.
    bool handshake_inbound() {
        if (!wait_for(cmd::VERSION)) return false;
        VersionMsg v;
        v.services = NODE_NETWORK | NODE_WITNESS;
        v.time = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        v.nonce = 0x5ca1ab1eull;
        v.user_agent = "/p2p-test-staller/";
        v.start_height = 1100;
        if (!send(cmd::VERSION, encode_version(v)) || !send(cmd::VERACK, Bytes{})) return false;
        return wait_for(cmd::VERACK).has_value();
    }
    bool closed() const { return closed_; }
    bool handshake() {
        VersionMsg v;
        v.services = NODE_NETWORK | NODE_WITNESS;
        v.time = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        v.nonce = 0x5eed5eed5eedull;
        v.user_agent = "/p2p-test/";
        if (!send(cmd::VERSION, encode_version(v))) return false;
        if (!wait_for(cmd::VERSION)) return false;
        if (!send(cmd::VERACK, Bytes{})) return false;
        return wait_for(cmd::VERACK).has_value();
    }

private:
    int fd_ = -1;
    MessageParser parser_{regtest().magic};
    Bytes pending_;
    bool closed_ = false;
};

// A block on top of `prev` (height `height`) paying `value` to OP_TRUE, with a valid
// proof of work. Too large a value makes it invalid (bad-cb-amount).
Block make_block(const uint256& prev, int height, uint32_t time, Amount value) {
    Block b;
    Transaction cb;
    cb.version = 2;
    TxIn in;
    in.prevout = OutPoint{};
    Script sig;
    sig.push_int(height).push_op(OP_0);
    in.script_sig = sig;
    cb.vin.push_back(in);
    TxOut out;
    out.value = value;
    out.script_pubkey = Node::op_true_p2sh();
    cb.vout.push_back(out);
    b.txs.push_back(cb);
    b.header.version = 0x20000000;
    b.header.prev_block = prev;
    b.header.time = time;
    b.header.bits = 0x207fffff;
    b.header.merkle_root = block_merkle_root(b);
    while (!check_proof_of_work(b.hash(), b.header.bits, regtest().consensus)) ++b.header.nonce;
    return b;
}

struct TipInfo {
    uint256 hash;
    int height = 0;
    uint32_t time = 0;
};

TipInfo tip_info(Node& n) {
    TipInfo t;
    const std::string hash = n.tip();
    t.hash = *uint256::from_hex(hash);
    const json::value h = n.rpc({"getblockheader", hash});
    t.height = int(h.at("height").as_int64());
    t.time = uint32_t(h.at("time").as_int64());
    return t;
}

fs::path vectors_dir() {
    if (const char* v = std::getenv("MINICASH_VECTORS")) return v;
    return fs::path(MINICASH_SOURCE_DIR) / ".." / "shared" / "vectors";
}

// ---- tests ----

// Three nodes in a line (1 <- 2 <- 3): the chain node 1 imports (chain-a, 450 blocks)
// reaches the others by headers-first sync, then 200 blocks mined on node 1 follow,
// and a transaction sent to node 3 reaches node 1's mempool.
// A transaction paying the OP_TRUE coinbase of the block at `height` on `node` (mature)
// back to the OP_TRUE P2SH script, with a 10,000 sat fee.
Transaction spend_op_true_coinbase(Node& node, int height) {
    const std::string block_hash(node.rpc({"getblockhash", std::to_string(height)}).as_string());
    const json::value blk = node.rpc({"getblock", block_hash, "2"});
    const std::string coinbase_txid(blk.at("tx").as_array()[0].at("txid").as_string());
    const Amount cb_value =
        Amount(std::llround(blk.at("tx").as_array()[0].at("vout").as_array()[0].at("value").to_number<double>() * 1e8));
    Transaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint{*uint256::from_hex(coinbase_txid), 0};
    Script sig;
    sig.push_data(Node::op_true_redeem().view());
    in.script_sig = sig;
    tx.vin.push_back(in);
    TxOut out;
    out.value = cb_value - 10000;
    out.script_pubkey = Node::op_true_p2sh();
    tx.vout.push_back(out);
    return tx;
}

TEST(P2P, ThreeNodesSyncImportedAndMinedBlocks) {
    const fs::path chain_a = vectors_dir() / "chain/regtest/chain-a.blk";
    const bool have_vectors = fs::exists(chain_a);
    if (!have_vectors) std::cerr << "vectors not found (MINICASH_VECTORS): syncing mined blocks only\n";
    Node n1("sync1"), n2("sync2"), n3("sync3");
    std::vector<std::string> args1;
    if (have_vectors) args1.push_back("-loadblock=" + chain_a.string());
    ASSERT_TRUE(n1.start(args1));
    ASSERT_TRUE(n2.start({"-connect=" + n1.p2p_addr(), "-listen=1"}));
    ASSERT_TRUE(n3.start({"-connect=" + n2.p2p_addr()}));
    const int base = have_vectors ? 450 : 0;
    if (have_vectors) {
        ASSERT_TRUE(wait_until([&] { return n1.height() == 450; }, 120s));
        ASSERT_TRUE(wait_synced({&n1, &n2, &n3}, 450)) << n2.log() << n3.log();
        EXPECT_EQ(n3.tip(), n1.tip());
        EXPECT_NE(n2.log().find("Synchronizing blocks"), std::string::npos);
    }
    // Mine 200 blocks (in batches, as a miner would find them) and let them propagate.
    for (int i = 0; i < 4; ++i) ASSERT_EQ(n1.mine(50).size(), 50u);
    ASSERT_TRUE(wait_synced({&n1, &n2, &n3}, base + 200)) << n3.log();
    EXPECT_EQ(n3.height(), base + 200);

    // Peer information as Core reports it.
    const json::array p2 = n2.peers();
    ASSERT_EQ(p2.size(), 2u);
    for (const auto& p : p2) {
        const auto& o = p.as_object();
        EXPECT_EQ(o.at("version").as_int64(), 70016);
        EXPECT_EQ(std::string(o.at("subver").as_string()), "/minicash:0.1.0/");
        EXPECT_TRUE(o.contains("pingtime") || o.contains("pingwait"));
        const std::string type(o.at("connection_type").as_string());
        EXPECT_TRUE(type == "manual" || type == "inbound") << type;
        EXPECT_EQ(std::string(o.at("services").as_string()), "0000000000000409");
    }
    const json::value info = n2.rpc({"getnetworkinfo"});
    EXPECT_EQ(info.at("protocolversion").as_int64(), 70016);
    EXPECT_EQ(info.at("connections").as_int64(), 2);
    EXPECT_TRUE(info.at("networkactive").as_bool());
    const json::value totals = n2.rpc({"getnettotals"});
    EXPECT_GT(totals.at("totalbytesrecv").as_int64(), 0);

    // A transaction spending a mature OP_TRUE coinbase, submitted on node 3, is relayed
    // (by wtxid) through node 2 to node 1. Peers send a MAX_MONEY feefilter during initial
    // download; wait until node 2 lifted it (at most a second after leaving it).
    ASSERT_TRUE(wait_until(
        [&] {
            const json::array peers = n3.peers();
            return peers.size() == 1 && peers[0].at("minfeefilter").to_number<double>() < 1.0;
        },
        30s));
    const Transaction tx = spend_op_true_coinbase(n1, base + 1);
    const json::value sent = n3.rpc({"sendrawtransaction", hex_encode(tx.serialize())});
    ASSERT_TRUE(sent.is_string()) << json::serialize(sent);
    EXPECT_EQ(std::string(sent.as_string()), tx.txid().to_hex());
    EXPECT_TRUE(wait_until(
        [&] {
            const json::value pool = n1.rpc({"getrawmempool"});
            return pool.is_array() && pool.as_array().size() == 1 &&
                   std::string(pool.as_array()[0].as_string()) == tx.txid().to_hex();
        },
        60s))
        << "node 1:\n" << n1.log() << "\nnode 2:\n" << n2.log() << "\nnode 3:\n" << n3.log();
    // Mined on node 1, the transaction leaves every mempool.
    n1.mine(1);
    ASSERT_TRUE(wait_synced({&n1, &n2, &n3}, base + 201));
    EXPECT_TRUE(wait_until([&] { return n3.rpc({"getrawmempool"}).as_array().empty(); }, 30s));

    EXPECT_EQ(n3.stop(), 0);
    EXPECT_EQ(n2.stop(), 0);
    EXPECT_EQ(n1.stop(), 0);
}

// Two groups mine separately, then are joined: every node ends on the branch with the
// most work; after a second split (disconnectnode) the other group wins.
TEST(P2P, PartitionHealsToMostWorkBranch) {
    // No automatic outbound connections (-connect): the topology is only what the test
    // builds with -connect and addnode.
    Node a("partA"), b("partB"), c("partC"), d("partD");
    ASSERT_TRUE(a.start({"-connect=0", "-listen=1"}));
    ASSERT_TRUE(b.start({"-connect=" + a.p2p_addr(), "-listen=1"}));
    ASSERT_TRUE(c.start({"-connect=0", "-listen=1"}));
    ASSERT_TRUE(d.start({"-connect=" + c.p2p_addr(), "-listen=1"}));
    // A common start: 10 blocks everybody will know.
    ASSERT_EQ(a.mine(10).size(), 10u);
    ASSERT_TRUE(wait_synced({&a, &b}, 10));
    ASSERT_TRUE(c.rpc({"addnode", a.p2p_addr(), "onetry"}).is_null());
    ASSERT_TRUE(wait_synced({&a, &b, &c, &d}, 10));
    ASSERT_TRUE(c.rpc({"disconnectnode", a.p2p_addr()}).is_null());
    ASSERT_TRUE(wait_until([&] { return !connected_to(c, a) && !connected_to(a, c); }, 30s));

    // Split: {a, b} mine 5, {c, d} mine 8.
    a.mine(5);
    c.mine(8, kOtherAddress);
    ASSERT_TRUE(wait_synced({&a, &b}, 15));
    ASSERT_TRUE(wait_synced({&c, &d}, 18));
    EXPECT_NE(a.tip(), c.tip());
    const std::string winner = c.tip();

    // Heal through b <-> d.
    ASSERT_TRUE(b.rpc({"addnode", d.p2p_addr(), "onetry"}).is_null());
    ASSERT_TRUE(wait_synced({&a, &b, &c, &d}, 18)) << a.log() << b.log();
    EXPECT_EQ(a.tip(), winner);
    EXPECT_EQ(b.tip(), winner);
    // The losing branch is still known as a fork on the nodes that mined it.
    const json::value tips = a.rpc({"getchaintips"});
    ASSERT_TRUE(tips.is_array());
    EXPECT_GE(tips.as_array().size(), 2u) << json::serialize(tips);

    // Split again by disconnecting b and d; now {a, b} out-mine {c, d}.
    ASSERT_TRUE(b.rpc({"disconnectnode", d.p2p_addr()}).is_null());
    ASSERT_TRUE(wait_until([&] { return !connected_to(b, d) && !connected_to(d, b); }, 30s));
    a.mine(6);
    c.mine(2, kOtherAddress);
    ASSERT_TRUE(wait_synced({&a, &b}, 24));
    ASSERT_TRUE(wait_synced({&c, &d}, 20));
    const std::string winner2 = a.tip();
    ASSERT_TRUE(d.rpc({"addnode", b.p2p_addr(), "add"}).is_null());
    ASSERT_TRUE(wait_synced({&a, &b, &c, &d}, 24)) << c.log() << d.log();
    EXPECT_EQ(c.tip(), winner2);
    EXPECT_EQ(d.tip(), winner2);
    const json::value added = d.rpc({"getaddednodeinfo"});
    ASSERT_TRUE(added.is_array());
    ASSERT_EQ(added.as_array().size(), 1u);
    EXPECT_EQ(std::string(added.as_array()[0].at("addednode").as_string()), b.p2p_addr());

    EXPECT_EQ(d.stop(), 0);
    EXPECT_EQ(c.stop(), 0);
    EXPECT_EQ(b.stop(), 0);
    EXPECT_EQ(a.stop(), 0);
}

// Misbehaving peers are disconnected while the node keeps serving a well-behaved peer.
TEST(P2P, MisbehavingPeersAreDisconnectedOthersServed) {
    Node n1("mis1"), n2("mis2");
    ASSERT_TRUE(n1.start());
    ASSERT_TRUE(n2.start({"-connect=" + n1.p2p_addr()}));
    n1.mine(5);
    ASSERT_TRUE(wait_synced({&n1, &n2}, 5));

    // Garbage bytes (not even our magic).
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        Bytes junk(200);
        std::mt19937 rng(1);
        for (auto& x : junk) x = uint8_t(rng());
        p.send_bytes(junk);
        EXPECT_TRUE(p.wait_closed()) << "garbage did not get the peer disconnected";
    }
    // An oversized message: the header alone is enough.
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        Bytes f = frame_message(regtest().magic, "block", {});
        write_le32(f.data() + 16, uint32_t(kMaxMessageSize + 1));
        p.send_bytes(f);
        EXPECT_TRUE(p.wait_closed()) << "oversized message did not get the peer disconnected";
    }
    // A wrong checksum.
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        Bytes f = frame_message(regtest().magic, "ping", encode_u64(1));
        f[21] ^= 0xff;
        p.send_bytes(f);
        EXPECT_TRUE(p.wait_closed());
    }
    // A message before the version handshake.
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        p.send(cmd::PING, encode_u64(1));
        EXPECT_TRUE(p.wait_closed());
    }
    // A malformed payload (inv count larger than the data).
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        p.send(cmd::INV, Bytes{0xfd, 0x10, 0x27, 1, 0, 0, 0});
        EXPECT_TRUE(p.wait_closed());
    }
    // Headers that never connect, again and again.
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        bool closed = false;
        for (int i = 0; i < 15 && !closed; ++i) {
            const Block orphan = make_block(sha256(encode_u64(uint64_t(i) + 1000)), 7, 1700000000, 50 * kCoin);
            p.send(cmd::HEADERS, encode_headers({orphan.header}));
            closed = p.wait_closed(300ms);
        }
        EXPECT_TRUE(closed || p.wait_closed()) << "unconnecting headers did not get the peer disconnected";
    }
    // A valid-looking but invalid block (coinbase pays too much) on top of the tip.
    const TipInfo tip = tip_info(n1);
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        const Block bad = make_block(tip.hash, tip.height + 1, tip.time + 1, 51 * kCoin);
        p.send(cmd::BLOCK, bad.serialize());
        EXPECT_TRUE(p.wait_closed()) << "invalid block did not get the peer disconnected";
        EXPECT_EQ(n1.tip(), tip.hash.to_hex());
        EXPECT_NE(n1.log().find("bad-cb-amount"), std::string::npos);
    }
    // A 10,000-entry inv of unknown transactions and a 50,000-entry getdata are handled.
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake());
        std::vector<Inv> inv;
        for (int i = 0; i < 10000; ++i) inv.push_back(Inv{MSG_TX, sha256(encode_u64(uint64_t(i)))});
        ASSERT_TRUE(p.send(cmd::INV, encode_inv(inv)));
        std::vector<Inv> want(kMaxInvEntries, Inv{MSG_WITNESS_TX, sha256(encode_u64(7))});
        ASSERT_TRUE(p.send(cmd::GETDATA, encode_inv(want)));
        auto nf = p.wait_for(cmd::NOTFOUND, 30s);
        ASSERT_TRUE(nf);
        EXPECT_EQ(decode_inv(nf->payload)->size(), kMaxInvEntries);
        // Still connected and answering.
        ASSERT_TRUE(p.send(cmd::PING, encode_u64(42)));
        auto pong = p.wait_for(cmd::PONG);
        ASSERT_TRUE(pong);
        EXPECT_EQ(decode_ping(pong->payload), std::optional<uint64_t>(42));
    }

    // The good peer stayed connected and still gets new blocks.
    EXPECT_TRUE(n1.alive());
    EXPECT_TRUE(connected_to(n2, n1));
    n1.mine(2);
    ASSERT_TRUE(wait_synced({&n1, &n2}, tip.height + 2)) << n1.log();
    // Loopback peers are never discouraged (as Core): a new connection is accepted.
    RawPeer again;
    ASSERT_TRUE(again.connect(n1.p2p_port()));
    EXPECT_TRUE(again.handshake());

    // Bans: 127.0.0.2 is refused while banned, listed, persisted across a restart, and
    // accepted again after clearbanned.
    ASSERT_TRUE(n1.rpc({"setban", "127.0.0.2", "add", "3600"}).is_null());
    const RunResult dup = n1.cli({"setban", "127.0.0.2", "add"});
    EXPECT_NE(dup.exit_code, 0);
    EXPECT_NE(dup.err.find("already banned"), std::string::npos) << dup.err;
    {
        RawPeer banned;
        ASSERT_TRUE(banned.connect(n1.p2p_port(), "127.0.0.2"));
        EXPECT_TRUE(banned.wait_closed());
    }
    json::value list = n1.rpc({"listbanned"});
    ASSERT_EQ(list.as_array().size(), 1u);
    EXPECT_EQ(std::string(list.as_array()[0].at("address").as_string()), "127.0.0.2/32");
    EXPECT_EQ(list.as_array()[0].at("ban_duration").as_int64(), 3600);
    EXPECT_EQ(n1.stop(), 0);
    const std::string banlist = slurp(n1.netdir() / "banlist.json");
    EXPECT_NE(banlist.find("\"banned_nets\""), std::string::npos) << banlist;
    ASSERT_TRUE(n1.start());
    list = n1.rpc({"listbanned"});
    ASSERT_EQ(list.as_array().size(), 1u);
    ASSERT_TRUE(n1.rpc({"clearbanned"}).is_null());
    EXPECT_TRUE(n1.rpc({"listbanned"}).as_array().empty());
    {
        RawPeer ok;
        ASSERT_TRUE(ok.connect(n1.p2p_port(), "127.0.0.2"));
        EXPECT_TRUE(ok.handshake());
    }
    EXPECT_EQ(n1.stop(), 0);
    n2.stop();
}

// A restarted node keeps its chain, its mempool (mempool.dat), reconnects to the peers it
// knew (peers.dat) on its own, and catches up with what it missed.
TEST(P2P, RestartKeepsChainMempoolAndPeers) {
    Node n1("rst1"), n2("rst2");
    ASSERT_TRUE(n1.start());
    ASSERT_TRUE(n2.start());
    n1.mine(110);
    ASSERT_TRUE(n2.rpc({"addnode", n1.p2p_addr(), "onetry"}).is_null());
    ASSERT_TRUE(wait_synced({&n1, &n2}, 110));
    // A transaction only node 2 has (sent while node 1 is stopped, so not relayed).
    EXPECT_EQ(n1.stop(), 0);
    const Transaction tx = spend_op_true_coinbase(n2, 1);
    ASSERT_TRUE(n2.rpc({"sendrawtransaction", hex_encode(tx.serialize())}).is_string());
    EXPECT_EQ(n2.stop(), 0);
    ASSERT_TRUE(fs::exists(n2.netdir() / "peers.dat"));
    ASSERT_TRUE(fs::exists(n2.netdir() / "mempool.dat"));
    ASSERT_TRUE(n1.start());
    n1.mine(5);
    // No -connect/-addnode: the address comes from peers.dat.
    ASSERT_TRUE(n2.start());
    EXPECT_GE(n2.height(), 110);
    const json::value pool = n2.rpc({"getrawmempool"});
    ASSERT_TRUE(pool.is_array());
    ASSERT_EQ(pool.as_array().size(), 1u) << json::serialize(pool);
    EXPECT_EQ(std::string(pool.as_array()[0].as_string()), tx.txid().to_hex());
    EXPECT_TRUE(wait_until([&] { return connected_to(n2, n1); }, 60s)) << n2.log();
    ASSERT_TRUE(wait_synced({&n1, &n2}, 115)) << n2.log();
    EXPECT_NE(n2.log().find("loaded 1 addresses from peers.dat"), std::string::npos);
    const json::value addrs = n2.rpc({"getnodeaddresses", "0"});
    ASSERT_TRUE(addrs.is_array());
    EXPECT_EQ(addrs.as_array().size(), 1u);
    EXPECT_EQ(n2.stop(), 0);
    EXPECT_EQ(n1.stop(), 0);
}

// Option handling: -networkactive=0 keeps the node offline until setnetworkactive.
TEST(P2P, NetworkActiveToggle) {
    Node n1("act1"), n2("act2");
    ASSERT_TRUE(n1.start());
    ASSERT_TRUE(n2.start({"-connect=" + n1.p2p_addr(), "-networkactive=0"}));
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(n2.connections(), 0);
    EXPECT_FALSE(n2.rpc({"getnetworkinfo"}).at("networkactive").as_bool());
    EXPECT_TRUE(n2.rpc({"setnetworkactive", "true"}).as_bool());
    EXPECT_TRUE(wait_until([&] { return n2.connections() == 1; }, 30s));
    EXPECT_FALSE(n2.rpc({"setnetworkactive", "false"}).as_bool());
    EXPECT_TRUE(wait_until([&] { return n2.connections() == 0 && n1.connections() == 0; }, 30s));
    EXPECT_EQ(n2.stop(), 0);
    EXPECT_EQ(n1.stop(), 0);
}

// -seednode: a one-shot connection that asks for addresses and leaves; the address it
// gave is then used for an automatic outbound connection.
TEST(P2P, SeedNodeGivesAddressesThenDisconnects) {
    Node c("seed-c"), a("seed-a"), b("seed-b");
    ASSERT_TRUE(c.start({"-connect=0", "-listen=1"}));
    ASSERT_TRUE(a.start({"-connect=" + c.p2p_addr(), "-listen=1"}));
    ASSERT_TRUE(wait_until([&] { return connected_to(a, c); }, 30s));
    ASSERT_TRUE(b.start({"-seednode=" + a.p2p_addr()}));
    // b learns c's address from a, drops a, and connects to c by itself.
    EXPECT_TRUE(wait_until([&] { return connected_to(b, c); }, 60s)) << b.log();
    EXPECT_TRUE(wait_until([&] { return !connected_to(b, a); }, 30s)) << b.log();
    const json::value addrs = b.rpc({"getnodeaddresses", "0"});
    bool knows_c = false;
    for (const auto& x : addrs.as_array())
        if (x.at("port").as_int64() == c.p2p_port()) knows_c = true;
    EXPECT_TRUE(knows_c) << json::serialize(addrs);
    for (const auto& p : b.peers()) {
        if (std::string(p.at("addr").as_string()) == c.p2p_addr()) {
            EXPECT_EQ(std::string(p.at("connection_type").as_string()), "outbound-full-relay");
        }
    }
    EXPECT_EQ(b.stop(), 0);
    EXPECT_EQ(a.stop(), 0);
    EXPECT_EQ(c.stop(), 0);
}

// Random payloads under every command, after a proper handshake: the node disconnects
// or ignores, and never stops serving.
TEST(P2P, RandomMessagesNeverHurtTheNode) {
    Node n1("fuzz");
    ASSERT_TRUE(n1.start({"-connect=0", "-listen=1"}));
    n1.mine(3);
    const std::vector<std::string> commands = {
        cmd::VERSION, cmd::VERACK, cmd::PING, cmd::PONG, cmd::ADDR, cmd::ADDRV2, cmd::INV, cmd::GETDATA,
        cmd::NOTFOUND, cmd::GETHEADERS, cmd::GETBLOCKS, cmd::HEADERS, cmd::BLOCK, cmd::TX, cmd::FEEFILTER,
        cmd::SENDCMPCT, cmd::WTXIDRELAY, cmd::SENDADDRV2, cmd::SENDHEADERS, cmd::GETADDR, cmd::MEMPOOL,
        "reject", "cmpctblock", "zzz"};
    const std::vector<Bytes> seeds = {
        encode_inv({Inv{MSG_BLOCK, sha256(Bytes{1})}, Inv{MSG_WTX, sha256(Bytes{2})}}),
        encode_getheaders(GetHeadersMsg{70016, {regtest().genesis.hash()}, uint256()}),
        encode_headers({regtest().genesis.header}),
        encode_addr({{1700000000, 9, Service::parse("8.8.8.8:8333", 0)}}, true),
        regtest().genesis.serialize(),
        encode_u64(5),
    };
    std::mt19937 rng(20240601);
    int disconnected = 0;
    for (int round = 0; round < 150; ++round) {
        RawPeer p;
        ASSERT_TRUE(p.connect(n1.p2p_port()));
        ASSERT_TRUE(p.handshake()) << round;
        for (int i = 0; i < 8; ++i) {
            Bytes payload;
            if (rng() % 2) {
                payload = seeds[rng() % seeds.size()];
                for (int f = 0; f < 3 && !payload.empty(); ++f) payload[rng() % payload.size()] = uint8_t(rng());
                if (rng() % 3 == 0) payload.resize(rng() % (payload.size() + 1));
            } else {
                payload.resize(rng() % 200);
                for (auto& b : payload) b = uint8_t(rng());
            }
            if (!p.send(commands[rng() % commands.size()], payload)) break;
        }
        if (p.wait_closed(50ms)) ++disconnected;
    }
    EXPECT_GT(disconnected, 0);
    EXPECT_TRUE(n1.alive());
    RawPeer good;
    ASSERT_TRUE(good.connect(n1.p2p_port()));
    ASSERT_TRUE(good.handshake());
    ASSERT_TRUE(good.send(cmd::PING, encode_u64(9)));
    EXPECT_TRUE(good.wait_for(cmd::PONG).has_value());
    EXPECT_EQ(n1.height(), 3);
    EXPECT_EQ(n1.stop(), 0);
}

// More inbound connections than slots: a newcomer evicts one of the unprotected peers;
// with no inbound slots at all, connections are refused.
TEST(P2P, InboundEvictionWhenFull) {
    Node n1("evict");
    // 38 connections, 8 of them kept for outbound: 30 inbound slots.
    ASSERT_TRUE(n1.start({"-maxconnections=38", "-connect=0", "-listen=1"}));
    std::vector<std::unique_ptr<RawPeer>> peers;
    for (int i = 0; i < 30; ++i) {
        peers.push_back(std::make_unique<RawPeer>());
        ASSERT_TRUE(peers.back()->connect(n1.p2p_port()));
        ASSERT_TRUE(peers.back()->handshake()) << i;
    }
    EXPECT_EQ(n1.connections(), 30);
    RawPeer newcomer;
    ASSERT_TRUE(newcomer.connect(n1.p2p_port()));
    EXPECT_TRUE(newcomer.handshake());
    int evicted = 0;
    for (auto& p : peers)
        if (p->wait_closed(200ms)) ++evicted;
    EXPECT_EQ(evicted, 1);
    EXPECT_TRUE(wait_until([&] { return n1.connections() == 30; }, 10s));
    EXPECT_EQ(n1.stop(), 0);

    Node n2("noslots");
    ASSERT_TRUE(n2.start({"-maxconnections=8", "-connect=0", "-listen=1"}));
    RawPeer refused;
    ASSERT_TRUE(refused.connect(n2.p2p_port()));
    EXPECT_TRUE(refused.wait_closed());
    EXPECT_EQ(n2.stop(), 0);
}

// During initial download, a peer that holds the first blocks of the download window
// without delivering them is disconnected after about two seconds and the blocks are
// fetched from another peer.
TEST(P2P, StallingPeerIsReplacedDuringInitialDownload) {
    Node source("stall-src"), fresh("stall-dst");
    ASSERT_TRUE(source.start({"-connect=0", "-listen=1"}));
    for (int i = 0; i < 11; ++i) ASSERT_EQ(source.mine(100).size(), 100u);
    ASSERT_EQ(source.height(), 1100);

    // The staller learns the chain's headers from the source.
    std::vector<BlockHeader> headers;
    {
        RawPeer p;
        ASSERT_TRUE(p.connect(source.p2p_port()));
        ASSERT_TRUE(p.handshake());
        GetHeadersMsg gh;
        gh.locator = {regtest().genesis.hash()};
        p.send(cmd::GETHEADERS, encode_getheaders(gh));
        auto m = p.wait_for(cmd::HEADERS);
        ASSERT_TRUE(m);
        headers = *decode_headers(m->payload);
        ASSERT_EQ(headers.size(), 1100u);
    }

    // A listening staller: serves headers, never blocks.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    const std::string staller_addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    std::atomic<int> blocks_requested{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> staller_dropped{false};
    std::thread staller([&] {
        RawPeer p;
        if (!p.accept_from(listener, 60s) || !p.handshake_inbound()) return;
        while (!stop) {
            auto m = p.recv(200ms);
            if (!m) {
                if (p.closed()) break;
                continue;
            }
            if (m->command == cmd::GETHEADERS) p.send(cmd::HEADERS, encode_headers(headers));
            if (m->command == cmd::GETDATA) blocks_requested += int(decode_inv(m->payload)->size());
        }
        staller_dropped = p.closed();
    });

    ASSERT_TRUE(fresh.start({"-connect=" + staller_addr, "-listen=0"}));
    // The staller gets the first 16 blocks; then the real source joins.
    ASSERT_TRUE(wait_until([&] { return blocks_requested >= 16; }, 60s)) << fresh.log();
    ASSERT_TRUE(fresh.rpc({"addnode", source.p2p_addr(), "onetry"}).is_null());
    const bool synced = wait_synced({&source, &fresh}, 1100, 120s);
    stop = true;
    staller.join();
    ::close(listener);
    EXPECT_TRUE(synced) << fresh.log();
    EXPECT_TRUE(staller_dropped);
    EXPECT_NE(fresh.log().find("is stalling block download"), std::string::npos);
    EXPECT_EQ(fresh.stop(), 0);
    EXPECT_EQ(source.stop(), 0);
}

}  // namespace
}  // namespace minicash::net
