// minicashd: the full node daemon. Opens (or creates) the chain state, starts the
// mempool, the optional indexes, the JSON-RPC server (app/rpc_setup.h) and P2P
// networking (app/net_setup.h), imports -loadblock files, then runs until SIGINT,
// SIGTERM or the `stop` RPC, and shuts down in the reverse order.
//
// Exit codes: 0 after a clean shutdown (also when stopped by a signal), 1 when start-up
// fails (bad option or configuration file, data directory in use or unusable), 2 when
// the chain state cannot be written (disk full, I/O error) while running.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/app_options.h"
#include "app/chain_options.h"
#include "app/core_compat_options.h"
#include "app/electrum_setup.h"
#include "app/net_setup.h"
#include "app/node_notifications.h"
#include "app/rpc_setup.h"
#include "app/zmq_setup.h"
#include "common/money.h"
#include "node/assume_valid.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/import.h"
#include "node/mempool.h"
#include "node/miner.h"
#include "node/reindex.h"
#include "node/tip_waiter.h"
#include "rpc/logging.h"
#include "rpc/net.h"
#include "storage/block_store.h"
#include "storage/database.h"
#include "util/logging.h"
#include "util/mock_time.h"
#include "zmq/zmq_rpc.h"

using namespace minicash;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitStartup = 1;
constexpr int kExitStorage = 2;

constexpr int64_t kDefaultDbcacheMiB = 450;
constexpr int64_t kMinDbcacheMiB = 4;
constexpr int64_t kMaxDbcacheMiB = int64_t(1) << 24;  // 16 TiB: anything above is a typo
constexpr int kMaxScriptThreads = 15;                 // as bitcoind's -par

std::atomic<bool> g_shutdown{false};
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");

extern "C" void on_stop_signal(int) { g_shutdown.store(true); }
extern "C" void on_hangup(int) { log_request_reopen(); }

void install_signal_handlers() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_hangup;
    sigaction(SIGHUP, &sa, nullptr);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, nullptr);
}

// An exclusive lock on <netdir>/.lock, held while the process lives (fcntl locks vanish
// with the process, so a crash never leaves a stale lock behind).
class DirectoryLock {
public:
    // nullptr with `error` set when the directory is in use or the file cannot be made.
    static std::unique_ptr<DirectoryLock> acquire(const std::filesystem::path& dir, std::string* error) {
        const std::filesystem::path path = dir / ".lock";
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            *error = "cannot create lock file " + path.string() + ": " + std::strerror(errno);
            return nullptr;
        }
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (::fcntl(fd, F_SETLK, &fl) != 0) {
            const int err = errno;
            ::close(fd);
            if (err == EACCES || err == EAGAIN)
                *error = "cannot obtain a lock on data directory " + dir.string() +
                         ": minicashd (or another minicash program) is probably already using it";
            else *error = "cannot lock " + path.string() + ": " + std::strerror(err);
            return nullptr;
        }
        return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
    }
    ~DirectoryLock() { ::close(fd_); }  // releases the lock
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    explicit DirectoryLock(int fd) : fd_(fd) {}
    int fd_;
};

// -daemon: the parent waits until the child has started (or failed), so that start-up
// errors still reach the terminal and the exit code says whether the node runs.
class Daemonizer {
public:
    // Returns in the child only; the parent exits with the child's start-up verdict.
    void fork_and_wait() {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
        if (pid > 0) {
            ::close(fds[1]);
            char token = 0;
            ssize_t n;
            do n = ::read(fds[0], &token, 1);
            while (n < 0 && errno == EINTR);
            std::_Exit(n == 1 && token == '1' ? kExitOk : kExitStartup);
        }
        ::close(fds[0]);
        write_fd_ = fds[1];
        ::setsid();
    }
    // Child: start-up succeeded; detach from the terminal.
    void started() {
        if (write_fd_ < 0) return;
        const char token = '1';
        (void)!::write(write_fd_, &token, 1);
        ::close(write_fd_);
        write_fd_ = -1;
        const int null_fd = ::open("/dev/null", O_RDWR);
        if (null_fd >= 0) {
            ::dup2(null_fd, STDIN_FILENO);
            ::dup2(null_fd, STDOUT_FILENO);
            ::dup2(null_fd, STDERR_FILENO);
            if (null_fd > STDERR_FILENO) ::close(null_fd);
        }
    }

private:
    int write_fd_ = -1;
};

struct Settings {
    std::filesystem::path netdir;
    std::vector<std::filesystem::path> loadblock;
    int64_t dbcache_mib = kDefaultDbcacheMiB;
    int script_threads = 0;
    bool print_to_console = false;
    uint64_t debug_categories = 0;
    bool log_timestamps = true, log_time_micros = false, log_thread_names = false;
    bool daemon = false;
    bool exit_after_import = false;
    int flush_interval_blocks = 0;
    uint64_t test_block_write_limit = 0;  // -test=blockwritelimit=<n>
    std::optional<uint256> assume_valid;  // -assumevalid; nullopt: the network's default
    Reindex reindex = Reindex::NONE;      // -reindex, -reindex-chainstate
    uint64_t prune_target = 0;            // -prune in bytes (kPruneTargetManual for -prune=1)
    bool fast_prune = false;              // -fastprune
    std::filesystem::path blocks_dir;     // -blocksdir: <dir>/<chain>/blocks; empty: netdir/blocks
    app::RpcSettings rpc;                 // RPC options (app/rpc_setup.h)
    app::NetSettings net;                 // P2P options (app/net_setup.h)
    app::ZmqSettings zmq;                 // ZMQ notifications (app/zmq_setup.h)
    app::NotificationSettings notify;     // -blocknotify, -stopatheight, ... (app/node_notifications.h)
    app::ElectrumSettings electrum;       // Electrum server (app/electrum_setup.h)
    MempoolOptions mempool;
    size_t block_max_weight = 0;    // -blockmaxweight (0: the miner's default)
    int64_t block_min_tx_fee = -1;  // -blockmintxfee in sat/kvB (-1: the miner's default)
    int64_t mocktime = 0;           // -mocktime (Core's: the process's clock fixed there from the start)
};

// Core's smallest accepted -maxmempool: room for 40 maximal descendant packages.
constexpr int64_t kMinMaxMempoolMB = 5;

void add_mempool_options(app::NodeOptions& o) {
    o.add_int("maxmempool", "MB", "Keep the transaction memory pool below this many megabytes (default: 300)");
    o.add_int("mempoolexpiry", "hours", "Drop transactions that stayed in the mempool longer than this (default: 336)");
    o.add_bool("persistmempool", "Save the mempool to mempool.dat on shutdown and load it on start-up (default: 1)");
    o.add_bool("permitbaremultisig", "Relay transactions with bare multisig outputs (default: 1)");
    o.add_bool("datacarrier", "Relay transactions with OP_RETURN data outputs (default: 1)");
    o.add_int("datacarriersize", "n",
              "Largest total size of OP_RETURN output scripts in a relayed transaction (default: 100000)");
    o.add_int("limitclustercount", "n",
              "Refuse transactions that would join a cluster (transactions connected through unconfirmed "
              "parents and children) of more than <n> transactions (default: 64, maximum: 64)");
    o.add_int("limitclustersize", "n",
              "Refuse transactions that would join a cluster of more than <n> kilobytes of virtual size "
              "(default: 101)");
    o.add_string("minrelaytxfee", "amt",
                 "Fees (in BTC/kvB) smaller than this are considered zero fee for relaying, mining and transaction "
                 "creation (default: 0.000001)");
    o.add_string("incrementalrelayfee", "amt",
                 "Fee rate (in BTC/kvB) used to define cost of relay, used for mempool limiting and replacement "
                 "policy (default: 0.000001)");
    o.add_string("dustrelayfee", "amt",
                 "Fee rate (in BTC/kvB) used to define dust, the value of an output such that it will cost more "
                 "than its value in fees at this fee rate to spend it (default: 0.00003)");
    o.add_string("blockmintxfee", "amt",
                 "Set lowest fee rate (in BTC/kvB) for transactions to be included in block creation. (default: "
                 "0.00000001)");
    o.add_int("blockmaxweight", "n",
              "Set maximum BIP141 block weight (default: 3996000, at most 4000000; 4000 of it are kept for the "
              "coinbase)");
    o.add_int("bytespersigop", "n", "Equivalent bytes per sigop in transactions for relay and mining (default: 20)");
    for (const char* name : {"limitancestorcount", "limitdescendantcount"})
        o.add_int(name, "n",
                  "Kept for Bitcoin Core compatibility: since the cluster mempool the limit is "
                  "-limitclustercount (default: 25)");
    for (const char* name : {"limitancestorsize", "limitdescendantsize"})
        o.add_int(name, "n",
                  "Kept for Bitcoin Core compatibility: since the cluster mempool the limit is "
                  "-limitclustersize (default: 101)");
}

// A fee rate option in BTC/kvB, as Core reads it ("Invalid amount for -name=<amount>: 'value'").
std::optional<FeeRate> read_fee_rate(const app::NodeOptions& o, const std::string& name) {
    auto text = o.get_string(name);
    if (!text) return std::nullopt;
    auto amount = parse_btc(*text);
    if (!amount || *amount < 0 || *amount > kMaxMoney)
        throw app::OptionError("Invalid amount for -" + name + "=<amount>: '" + *text + "'");
    return FeeRate{*amount};
}

MempoolOptions read_mempool_options(const app::NodeOptions& o) {
    MempoolOptions m;
    if (auto mb = o.get_int("maxmempool")) {
        if (*mb < kMinMaxMempoolMB || *mb > 1000000)
            throw app::OptionError("-maxmempool must be between " + std::to_string(kMinMaxMempoolMB) +
                                   " and 1000000 MB");
        m.max_bytes = size_t(*mb) * 1000000;
    }
    if (auto h = o.get_int("mempoolexpiry")) {
        if (*h < 1 || *h > 100000) throw app::OptionError("-mempoolexpiry must be between 1 and 100000 hours");
        m.expiry_seconds = *h * 3600;
    }
    m.persist = o.get_bool("persistmempool", true);
    m.permit_bare_multisig = o.get_bool("permitbaremultisig", true);
    if (!o.get_bool("datacarrier", true)) {
        m.max_datacarrier_bytes = std::nullopt;
    } else if (auto n = o.get_int("datacarriersize")) {
        if (*n < 0 || *n > 4000000) throw app::OptionError("-datacarriersize must be between 0 and 4000000");
        m.max_datacarrier_bytes = size_t(*n);
    }
    // Core 31's cluster limits (the ancestor/descendant limits are not enforced any more).
    if (auto n = o.get_int("limitclustercount")) {
        if (*n > 64) throw app::OptionError("limitclustercount must be less than or equal to 64");
        if (*n < 1) throw app::OptionError("-limitclustercount must be at least 1");
        m.cluster_count = size_t(*n);
    }
    if (auto kvb = o.get_int("limitclustersize")) {
        if (*kvb < 1 || *kvb > 1000000) throw app::OptionError("-limitclustersize must be between 1 and 1000000");
        m.cluster_size_vbytes = size_t(*kvb) * 1000;
    }
    if (auto f = read_fee_rate(o, "minrelaytxfee")) m.min_relay_feerate = *f;
    if (auto f = read_fee_rate(o, "incrementalrelayfee")) m.incremental_relay_feerate = *f;
    if (auto f = read_fee_rate(o, "dustrelayfee")) m.dust_relay_feerate = *f;
    if (auto n = o.get_int("bytespersigop")) {
        if (*n < 1 || *n > 1000000) throw app::OptionError("-bytespersigop must be between 1 and 1000000");
        m.bytes_per_sigop = unsigned(*n);
    }
    const auto limit = [&o](const char* name, size_t& field, size_t scale) {
        if (auto n = o.get_int(name)) {
            if (*n < 0 || *n > 1000000)
                throw app::OptionError(std::string("-") + name + " must be between 0 and 1000000");
            field = size_t(*n) * scale;
        }
    };
    limit("limitancestorcount", m.ancestor_count, 1);
    limit("limitdescendantcount", m.descendant_count, 1);
    limit("limitancestorsize", m.ancestor_size_vbytes, 1000);
    limit("limitdescendantsize", m.descendant_size_vbytes, 1000);
    m.require_standard = app::read_require_standard(o);
    return m;
}

app::NodeOptions make_options() {
    app::NodeOptions o("minicashd",
                       "minicash full node daemon: syncs the chain from peers over Bitcoin's P2P protocol, keeps "
                       "a mempool,\nrelays transactions and blocks, and serves JSON-RPC (see minicash-cli). "
                       "Stops on SIGINT, SIGTERM or the\n`stop` RPC.");
    app::add_daemon_options(o);
    o.add_int("mocktime", "n", "Replace actual time with <n> seconds since epoch (default: 0)");
    add_mempool_options(o);
    app::add_rpc_options(o);
    app::add_net_options(o);
    app::add_zmq_options(o);
    app::add_chain_options(o);
    app::add_notification_options(o);
    app::add_core_compat_options(o);
    app::add_electrum_options(o);
    return o;
}

// -assumevalid's value as Core reads it: up to 64 hex digits (an optional 0x), "0" disables.
uint256 parse_assume_valid(const std::string& value) {
    std::string hex = value;
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
    const bool ok =
        !hex.empty() && hex.size() <= 64 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    std::optional<uint256> h;
    if (ok) h = uint256::from_hex(std::string(64 - hex.size(), '0') + hex);
    if (!h)
        throw app::OptionError("Invalid assumevalid block hash specified (" + value +
                               "), please provide a valid hex string");
    return *h;
}

Settings read_settings(const app::NodeOptions& o) {
    Settings s;
    s.netdir = o.network_dir();
    for (const std::string& f : o.get_list("loadblock")) {
        if (f.empty()) throw app::OptionError("-loadblock needs a file name");
        std::error_code ec;
        std::filesystem::path p = std::filesystem::absolute(f, ec);
        if (!std::filesystem::exists(p, ec)) throw app::OptionError("-loadblock: file " + f + " does not exist");
        if (!std::filesystem::is_regular_file(p, ec))
            throw app::OptionError("-loadblock: " + f + " is not a regular file");
        if (::access(p.c_str(), R_OK) != 0)
            throw app::OptionError("-loadblock: cannot read " + f + ": " + std::strerror(errno));
        s.loadblock.push_back(p);
    }
    if (auto d = o.get_int("dbcache")) {
        if (*d < kMinDbcacheMiB) {
            std::cerr << "minicashd: warning: -dbcache=" << *d << " is below the minimum; using " << kMinDbcacheMiB
                      << " MiB\n";
            s.dbcache_mib = kMinDbcacheMiB;
        } else if (*d > kMaxDbcacheMiB) {
            throw app::OptionError("-dbcache=" + std::to_string(*d) + " is too large (at most " +
                                   std::to_string(kMaxDbcacheMiB) + " MiB)");
        } else {
            s.dbcache_mib = *d;
        }
    }
    if (auto p = o.get_int("par")) {
        const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
        if (*p == 0) s.script_threads = 0;
        else if (*p < 0) s.script_threads = int(std::max<int64_t>(1, cores + *p));
        else s.script_threads = int(std::min<int64_t>(*p, kMaxScriptThreads));
    }
    s.print_to_console = o.get_bool("printtoconsole");
    std::string error;
    auto cats = parse_log_categories(o.get_list("debug"), &error, o.get_list("debugexclude"));
    if (!cats) throw app::OptionError(error);
    const auto debug_lines = parse_log_levels(o.get_list("loglevel"), &error);
    if (!debug_lines) throw app::OptionError(error);
    s.debug_categories = *debug_lines ? *cats : 0;
    s.log_timestamps = o.get_bool("logtimestamps", true);
    s.log_time_micros = o.get_bool("logtimemicros");
    s.log_thread_names = o.get_bool("logthreadnames");
    s.daemon = o.get_bool("daemon");
    s.exit_after_import = o.get_bool("exitafterimport");
    if (auto n = o.get_int("dbflushinterval")) {
        if (*n < 0 || *n > 1000000000) throw app::OptionError("-dbflushinterval must be between 0 and 1000000000");
        s.flush_interval_blocks = int(*n);
    }
    uint64_t test_prune_target = 0;
    for (const std::string& t : o.get_list("test")) {
        constexpr std::string_view kWriteLimit = "blockwritelimit=";
        constexpr std::string_view kPruneTarget = "prunetarget=";
        if (t.starts_with(kPruneTarget)) {
            // Testing aid: an automatic prune target in bytes below Core's 550 MiB minimum,
            // so that automatic pruning can be exercised on short regtest chains.
            const std::string n = t.substr(kPruneTarget.size());
            if (n.empty() || n.size() > 15 ||
                !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }) || std::stoull(n) < 2)
                throw app::OptionError("-test=prunetarget needs a number of bytes (at least 2)");
            if (o.params().network != Network::REGTEST)
                throw app::OptionError("-test=prunetarget is only available on regtest");
            test_prune_target = std::stoull(n);
        } else if (t.starts_with(kWriteLimit)) {
            const std::string n = t.substr(kWriteLimit.size());
            if (n.empty() || n.size() > 15 ||
                !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
                throw app::OptionError("-test=blockwritelimit needs a number of bytes");
            s.test_block_write_limit = std::stoull(n);
        } else {
            throw app::OptionError("-test=" + t +
                                   " is not a test option (known: blockwritelimit=<n>, prunetarget=<n>)");
        }
    }
    // -prune as Core reads it (node/prune.h).
    if (auto p = o.get_int("prune")) {
        if (*p < 0) throw app::OptionError("Prune cannot be configured with a negative value.");
        if (*p == 1) {
            s.prune_target = kPruneTargetManual;
        } else if (*p > 1) {
            if (uint64_t(*p) < (kMinPruneTargetBytes >> 20))
                throw app::OptionError("Prune configured below the minimum of " +
                                       std::to_string(kMinPruneTargetBytes >> 20) +
                                       " MiB.  Please use a higher number.");
            if (uint64_t(*p) > (std::numeric_limits<uint64_t>::max() >> 21))
                throw app::OptionError("-prune=" + std::to_string(*p) + " is too large");
            s.prune_target = uint64_t(*p) << 20;
        }
    }
    if (test_prune_target > 0) {
        if (s.prune_target == 0 || s.prune_target == kPruneTargetManual)
            throw app::OptionError("-test=prunetarget needs automatic pruning (-prune=550 or more)");
        s.prune_target = test_prune_target;
    }
    s.fast_prune = o.get_bool("fastprune");
    if (auto dir = o.get_string("blocksdir")) {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::absolute(*dir, ec);
        if (dir->empty() || ec || !std::filesystem::is_directory(base, ec))
            throw app::OptionError("Specified blocks directory \"" + *dir + "\" does not exist.");
        // The chain's subdirectory as under the data directory (none for mainnet).
        const std::filesystem::path datadir_base =
            o.params().network == Network::MAIN ? s.netdir : s.netdir.parent_path();
        s.blocks_dir = base / std::filesystem::relative(s.netdir, datadir_base) / "blocks";
    }
    if (auto av = o.get_string("assumevalid")) s.assume_valid = parse_assume_valid(*av);
    if (o.get_bool("reindex")) s.reindex = Reindex::BLOCKS;
    else if (o.get_bool("reindex-chainstate")) s.reindex = Reindex::CHAINSTATE;
    if (s.prune_target != 0 && s.reindex == Reindex::CHAINSTATE)
        throw app::OptionError("Prune mode is incompatible with -reindex-chainstate. Use full -reindex instead.");
    s.rpc = app::read_rpc_settings(o, s.netdir);
    s.net = app::read_net_settings(o, s.netdir);
    s.mempool = read_mempool_options(o);
    s.zmq = app::read_zmq_settings(o);
    s.notify = app::read_notification_settings(o);
    if (auto w = o.get_int("blockmaxweight")) {
        if (*w > int64_t(kMaxBlockWeight))
            throw app::OptionError("Specified -blockmaxweight (" + std::to_string(*w) +
                                   ") exceeds consensus maximum block weight (" + std::to_string(kMaxBlockWeight) +
                                   ")");
        // Clamped below as Core's block assembler does: room for the coinbase at least.
        s.block_max_weight = size_t(std::max<int64_t>(*w, int64_t(kCoinbaseReservedWeight) + 1));
    }
    if (auto f = read_fee_rate(o, "blockmintxfee")) s.block_min_tx_fee = f->sat_per_kvb;
    app::check_core_compat_options(o);
    if (auto t = o.get_int("mocktime")) {
        if (*t < 0) throw app::OptionError("Mocktime cannot be negative: " + std::to_string(*t));
        if (*t > kMaxMockTime)
            throw app::OptionError("-mocktime must be at most " + std::to_string(kMaxMockTime) + " seconds");
        s.mocktime = *t;
    }
    s.electrum = app::read_electrum_settings(o, s.rpc.addressindex);
    if (s.electrum.enabled) s.rpc.txindex = true;  // blockchain.transaction.get
    // Indexes that need every block cannot work on a pruned node (Core's message).
    if (s.prune_target != 0) {
        if (s.rpc.txindex)
            throw app::OptionError(s.electrum.enabled && !o.get_bool("txindex")
                                       ? "Prune mode is incompatible with the Electrum server (it needs -txindex)."
                                       : "Prune mode is incompatible with -txindex.");
        if (s.rpc.addressindex) throw app::OptionError("Prune mode is incompatible with -addressindex.");
    }
    return s;
}

int run_node(const app::NodeOptions& options, const Settings& s, Daemonizer& daemonizer) {
    const ChainParams& params = options.params();
    std::string error;
    std::unique_ptr<DirectoryLock> lock = DirectoryLock::acquire(s.netdir, &error);
    if (!lock) {
        std::cerr << "minicashd: error: " << error << "\n";
        return kExitStartup;
    }
    LogOptions log_options{s.netdir / "debug.log", s.print_to_console, s.debug_categories};
    log_options.timestamps = s.log_timestamps;
    log_options.time_micros = s.log_time_micros;
    log_options.thread_names = s.log_thread_names;
    if (!log_start(log_options, &error)) {
        std::cerr << "minicashd: error: " << error << "\n";
        return kExitStartup;
    }
    install_signal_handlers();
    set_mock_time(s.mocktime);
    log_info("minicashd starting: chain %s, data directory %s", network_name(params.network).c_str(), s.netdir.c_str());
    log_info("user agent %s, configuration file read: %s", s.net.connman.user_agent.c_str(),
             options.config_path().empty() ? "(none)" : options.config_path().c_str());
    for (const std::string& w : options.warnings()) log_warning("%s", w.c_str());
    log_info("UTXO cache %" PRId64 " MiB, script threads %s, flush %s", s.dbcache_mib,
             s.script_threads == 0 ? "auto" : std::to_string(s.script_threads).c_str(),
             s.flush_interval_blocks > 0 ? ("every " + std::to_string(s.flush_interval_blocks) + " blocks").c_str()
                                         : "when the cache is full");

    // Core refuses to start with less than its reserve free for blocks.
    if (const auto free = free_disk_space(s.netdir); free && *free < kMinDiskSpace) {
        log_error("Disk space is too low: %" PRIu64 " MiB free in %s, %" PRIu64 " MiB needed", *free >> 20,
                  s.netdir.c_str(), kMinDiskSpace >> 20);
        std::cerr << "minicashd: error: Disk space is low for " << s.netdir.string() << "\n";
        return kExitStartup;
    }
    std::unique_ptr<Chainstate> chainstate;
    try {
        ChainstateOptions copts;
        copts.test_block_write_limit = s.test_block_write_limit;
        // A failed block write stops the node as Core's fatal errors do.
        copts.on_fatal_error = [](const std::string& why) {
            log_error("*** %s: shutting down", why.c_str());
            g_shutdown.store(true);
        };
        copts.datadir = s.netdir;
        copts.dbcache_bytes = size_t(s.dbcache_mib) << 20;
        copts.script_threads = s.script_threads;
        copts.flush_interval_blocks = s.flush_interval_blocks;
        copts.assume_valid = s.assume_valid;
        copts.reindex = s.reindex;
        copts.prune_target = s.prune_target;
        copts.fast_prune = s.fast_prune;
        copts.blocks_dir = s.blocks_dir;
        if (s.prune_target == kPruneTargetManual) {
            log_info(
                "Block pruning enabled.  Use RPC call pruneblockchain(height) to manually prune block and undo "
                "files.");
        } else if (s.prune_target != 0) {
            if (s.prune_target >= (uint64_t(1) << 20))
                log_info("Prune configured to target %" PRIu64 " MiB on disk for block and undo files.",
                         s.prune_target >> 20);
            else  // -test=prunetarget
                log_info("Prune configured to target %" PRIu64 " bytes on disk for block and undo files.",
                         s.prune_target);
        }
        copts.interrupted = [] { return g_shutdown.load(); };
        const uint256 assume_valid = s.assume_valid.value_or(default_assume_valid(params));
        if (assume_valid.is_null()) {
            log_info("Validating signatures for all blocks.");
        } else {
            log_info("Assuming ancestors of block %s have valid signatures.", assume_valid.to_hex().c_str());
        }
        const auto t0 = std::chrono::steady_clock::now();
        chainstate = Chainstate::open(params, copts, &error);
        if (!chainstate) {
            log_error("cannot open the chain state in %s: %s", s.netdir.c_str(), error.c_str());
            std::cerr << "minicashd: error: cannot open the chain state in " << s.netdir.string() << ": " << error
                      << "\n";
            return kExitStartup;
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        log_info("chain state loaded in %.2f s: height %d, tip %s", secs, chainstate->height(),
                 chainstate->tip() ? chainstate->tip()->hash.to_hex().c_str() : "(none)");
    } catch (const StorageError& e) {
        log_error("cannot open the chain state: %s", e.what());
        std::cerr << "minicashd: error: cannot open the chain state: " << e.what() << "\n";
        return kExitStartup;
    }

    // ---- RPC: node context, mempool and the JSON-RPC server (app/rpc_setup.h) ----
    NodeContext node;
    node.params = params;
    node.datadir = s.netdir;
    node.chainstate = std::shared_ptr<Chainstate>(chainstate.get(), [](Chainstate*) {});  // owned above
    node.mempool = std::make_shared<Mempool>(*chainstate, s.mempool);
    node.tip_waiter = std::make_shared<TipWaiter>(*chainstate);
    node.start_time =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    node.request_shutdown = [] { g_shutdown.store(true); };
    node.txindex = s.rpc.txindex;
    node.addressindex = s.rpc.addressindex;
    node.blockfilterindex = s.rpc.blockfilterindex;
    node.silentpaymentindex = s.rpc.silentpaymentindex;
    node.block_max_weight = s.block_max_weight;
    node.block_min_tx_fee = s.block_min_tx_fee;
    // ZMQ: bound before anything is announced; follows the chain after the mempool does.
    std::unique_ptr<app::ZmqService> zmq_service =
        app::ZmqService::start(s.zmq, *chainstate, node.mempool.get(), &error);
    if (!zmq_service) {
        log_error("cannot start ZMQ notifications: %s", error.c_str());
        std::cerr << "minicashd: error: cannot start ZMQ notifications: " << error << "\n";
        node.mempool.reset();
        return kExitStartup;
    }
    if (!app::start_indexes(node, &error)) {  // indexes: -txindex, -blockfilterindex (node/index/)
        log_error("cannot open an index: %s", error.c_str());
        std::cerr << "minicashd: error: cannot open an index: " << error << "\n";
        return kExitStartup;
    }
    try {
        chainstate->start_pruning();  // after the indexes registered their prune locks (node/prune.h)
    } catch (const StorageError& e) {
        log_error("pruning failed: %s", e.what());
        std::cerr << "minicashd: error: pruning failed: " << e.what() << "\n";
        return kExitStartup;
    }
    const std::filesystem::path mempool_file = s.netdir / "mempool.dat";
    if (s.mempool.persist && std::filesystem::exists(mempool_file) && !node.mempool->load(mempool_file, &error))
        log_warning("cannot load %s: %s", mempool_file.c_str(), error.c_str());
    std::unique_ptr<app::RpcService> rpc_service;
    if (s.rpc.server) {
        const auto zmq_commands = [&s](rpc::RpcTable& t) { zmq::register_zmq_commands(t, s.zmq.notifiers); };
        rpc_service = app::RpcService::start(
            s.rpc, node, {rpc::register_net_commands, zmq_commands, rpc::register_logging_command}, &error);
        if (!rpc_service) {
            log_error("cannot start the RPC server: %s", error.c_str());
            std::cerr << "minicashd: error: cannot start the RPC server: " << error << "\n";
            node.mempool.reset();
            return kExitStartup;
        }
    }
    // ---- end RPC ----
    // Electrum server (app/electrum_setup.h): answers from the indexes started above.
    std::unique_ptr<app::ElectrumService> electrum_service = app::ElectrumService::start(s.electrum, node, &error);
    if (!electrum_service) {
        log_error("cannot start the Electrum server: %s", error.c_str());
        std::cerr << "minicashd: error: cannot start the Electrum server: " << error << "\n";
        rpc_service.reset();
        node.mempool.reset();
        return kExitStartup;
    }
    // ---- P2P networking (app/net_setup.h): after the chain state, before the imports ----
    std::unique_ptr<app::NetService> net_service = app::NetService::start(s.net, node, &error);
    if (!net_service) {
        log_error("cannot start networking: %s", error.c_str());
        std::cerr << "minicashd: error: cannot start networking: " << error << "\n";
        electrum_service.reset();
        rpc_service.reset();
        node.mempool.reset();
        return kExitStartup;
    }
    // ---- end P2P ----
    if (rpc_service) rpc_service->end_warmup();
    // -blocknotify, -stopatheight, -checkmempool: from here on (Core's POST_INIT).
    const std::shared_ptr<std::atomic<bool>> mempool_check_due =
        app::watch_chain(s.notify, *chainstate, true, [] { g_shutdown.store(true); });
    if (s.notify.stop_at_height > 0 && chainstate->height() >= s.notify.stop_at_height) {
        log_info("-stopatheight=%d: height %d already reached, shutting down", s.notify.stop_at_height,
                 chainstate->height());
        g_shutdown.store(true);
    }
    daemonizer.started();
    app::run_command_async(s.notify.startup_notify);

    int exit_code = kExitOk;
    try {
        const std::function<bool()> interrupted = [] { return g_shutdown.load(); };
        if (chainstate->reindex_pending()) {  // -reindex (or one a crash interrupted): node/reindex.h
            chainstate->set_loading_blocks(true);
            const ReindexResult r = reindex_block_files(*chainstate, interrupted);
            if (!r.error.empty()) {
                log_error("reindex stopped: %s", r.error.c_str());
                std::cerr << "minicashd: error: reindex stopped: " << r.error << "\n";
                exit_code = kExitStartup;
                g_shutdown = true;
            }
        }
        BlockImporter importer(*chainstate);
        // Importing counts as initial block download (Core's LoadingBlocks): fee
        // estimation and the mempool's per-block work are skipped meanwhile.
        chainstate->set_loading_blocks(!s.loadblock.empty());
        for (const auto& file : s.loadblock) {
            if (g_shutdown) break;
            const auto t0 = std::chrono::steady_clock::now();
            const int h0 = chainstate->height();
            const ImportResult r = importer.import_file(file, interrupted);
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const uint64_t processed = r.accepted + r.invalid;
            log_info("imported %s%s: %" PRIu64 " accepted, %" PRIu64 " already known, %" PRIu64 " invalid, %" PRIu64
                     " errors in %.2f s (%.1f blocks/s); height %d -> %d",
                     file.c_str(), r.interrupted ? " (interrupted)" : "", r.accepted, r.already_known, r.invalid,
                     r.error_count, secs, double(processed) / std::max(secs, 1e-3), h0, chainstate->height());
        }
        chainstate->set_loading_blocks(false);
        if (importer.pending_count() > 0)
            log_warning("%zu imported blocks never had their parent appear; they were not connected",
                        importer.pending_count());
        if (!s.exit_after_import && !g_shutdown) {
            log_info("imports done; waiting for SIGINT or SIGTERM");
            while (!g_shutdown) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                if (mempool_check_due->exchange(false)) app::check_mempool(*node.mempool);
            }
        }
        for (const std::string& cmd : s.notify.shutdown_notify) app::run_command(cmd);  // before anything stops
        if (rpc_service) rpc_service->stop();  // RPC: no more requests; deletes the cookie
        net_service->stop();                   // P2P: peers closed, peers.dat and banlist.json saved
        electrum_service->stop();              // Electrum: connections closed before the indexes stop
        app::stop_indexes(node);               // indexes: threads joined before the chain state goes
        zmq_service->stop();                   // ZMQ: nothing more is published
        if (auto e = app::net_fatal_error()) throw StorageError(*e);  // P2P: block storage failed
        if (s.mempool.persist && !node.mempool->save(mempool_file, &error))
            log_warning("cannot save %s: %s", mempool_file.c_str(), error.c_str());
        log_info("shutting down: flushing the chain state at height %d", chainstate->height());
        chainstate->flush();
        if (auto e = chainstate->fatal_error()) throw StorageError(*e);  // written what could be written
    } catch (const StorageError& e) {
        log_error("fatal storage error (disk full or not writable?): %s", e.what());
        std::cerr << "minicashd: fatal storage error (disk full or not writable?): " << e.what() << "\n";
        exit_code = kExitStorage;
    }
    rpc_service.reset();       // RPC: stopped before the chain state goes
    electrum_service.reset();  // Electrum: also after a storage error above
    net_service.reset();       // P2P: stopped before the mempool and the chain state go
    zmq_service.reset();       // ZMQ: also after a storage error above
    app::stop_indexes(node);   // indexes: also after a storage error above
    node.mempool.reset();
    chainstate.reset();  // flushes what is left; errors are logged
    log_info("shutdown complete");
    log_stop();
    return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    app::NodeOptions options = make_options();
    Settings settings;
    try {
        options.parse(argc, argv);
        if (options.help_requested()) {
            std::cout << options.help_text();
            return kExitOk;
        }
        app::apply_chain_options(options);
        settings = read_settings(options);
    } catch (const app::OptionError& e) {
        std::cerr << "minicashd: error: " << e.what() << "\n";
        return kExitStartup;
    }

    try {
        std::error_code ec;
        std::filesystem::create_directories(settings.netdir, ec);
        if (ec || !std::filesystem::is_directory(settings.netdir)) {
            std::cerr << "minicashd: error: cannot create data directory " << settings.netdir.string() << ": "
                      << (ec ? ec.message() : "not a directory") << "\n";
            return kExitStartup;
        }
        Daemonizer daemonizer;
        if (settings.daemon) daemonizer.fork_and_wait();  // before any thread exists
        return run_node(options, settings, daemonizer);
    } catch (const StorageError& e) {
        std::cerr << "minicashd: fatal storage error: " << e.what() << "\n";
        return kExitStorage;
    } catch (const std::exception& e) {
        std::cerr << "minicashd: fatal error: " << e.what() << "\n";
        return kExitStartup;
    }
}
