// minicash-chainstate: opens a node's data directory and prints the UTXO set statistics
// of its tip as JSON (the fields of bitcoind's gettxoutsetinfo that identify a state):
//
//   {"height", "bestblock", "txouts", "transactions", "total_amount", "hash_serialized_3"}
//
// total_amount is a string with exactly eight decimals. Opening replays stored blocks
// beyond the UTXO set's best block (see node/chainstate.h), so the output always
// describes a consistent state. The data directory is locked like minicashd does, so
// this refuses to run while a node uses it. Exit codes: 0 success, 1 error.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "app/app_options.h"
#include "common/money.h"
#include "node/chainstate.h"
#include "storage/database.h"

using namespace minicash;

namespace {

// Holds an fcntl write lock on <dir>/.lock (the same lock minicashd takes) until exit.
bool lock_directory(const std::filesystem::path& dir, std::string* error) {
    const std::filesystem::path path = dir / ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *error = "cannot open lock file " + path.string() + ": " + std::strerror(errno);
        return false;
    }
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &fl) != 0) {
        *error = errno == EACCES || errno == EAGAIN
                     ? "data directory " + dir.string() + " is in use (is minicashd running?)"
                     : "cannot lock " + path.string() + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    return true;  // the descriptor stays open: the lock lasts until the process exits
}

int run(int argc, char** argv) {
    app::NodeOptions options("minicash-chainstate",
                             "Prints the UTXO set statistics of a minicash data directory as JSON.");
    {
        app::NodeOptions daemon("minicashd", "");
        app::add_daemon_options(daemon);
        options.ignore_in_config(daemon.names());  // minicash.conf is shared with minicashd
    }
    try {
        options.parse(argc, argv);
    } catch (const app::OptionError& e) {
        std::cerr << "minicash-chainstate: error: " << e.what() << "\n";
        return 1;
    }
    if (options.help_requested()) {
        std::cout << options.help_text();
        return 0;
    }
    const std::filesystem::path netdir = options.network_dir();
    std::error_code ec;
    if (!std::filesystem::is_directory(netdir / "chainstate", ec) &&
        !std::filesystem::is_directory(netdir / "blocks", ec)) {
        std::cerr << "minicash-chainstate: error: no " << network_name(options.params().network) << " chain state in "
                  << netdir.string() << "\n";
        return 1;
    }
    std::string error;
    if (!lock_directory(netdir, &error)) {
        std::cerr << "minicash-chainstate: error: " << error << "\n";
        return 1;
    }
    ChainstateOptions copts;
    copts.datadir = netdir;
    copts.dbcache_bytes = size_t(16) << 20;
    // Reads pruned data directories too; manual mode never deletes anything by itself.
    copts.prune_target = kPruneTargetManual;
    std::unique_ptr<Chainstate> chainstate = Chainstate::open(options.params(), copts, &error);
    if (!chainstate) {
        std::cerr << "minicash-chainstate: error: cannot open the chain state in " << netdir.string() << ": " << error
                  << "\n";
        return 1;
    }
    const UtxoStats st = chainstate->utxo_stats();
    std::cout << "{\n"
              << "  \"height\": " << st.height << ",\n"
              << "  \"bestblock\": \"" << st.best_block.to_hex() << "\",\n"
              << "  \"txouts\": " << st.txouts << ",\n"
              << "  \"transactions\": " << st.transactions << ",\n"
              << "  \"total_amount\": \"" << format_btc(st.total_amount) << "\",\n"
              << "  \"hash_serialized_3\": \"" << st.hash_serialized_3.to_hex() << "\"\n"
              << "}\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const StorageError& e) {
        std::cerr << "minicash-chainstate: storage error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "minicash-chainstate: error: " << e.what() << "\n";
        return 1;
    }
}
