// The process-wide logger: timestamped lines (ISO 8601, UTC) appended to a file
// (<netdir>/debug.log for minicashd) and, when asked, to standard output.
//
// Messages are printf-style and checked by the compiler (-Wformat). log_debug() lines
// belong to a category and are written only when that category is enabled
// (-debug=<cat>); the check is one atomic load, so disabled debug lines cost nothing
// beyond their arguments.
//
// Thread-safety: every function may be called from any thread; lines never interleave.
// Before log_start() (and after log_stop()) nothing is written to a file; warnings and
// errors still go to standard error so that they are never lost.
//
// Never pass secrets (keys, passwords, cookies) to these functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minicash {

// Debug categories (bit flags). Names are what -debug= takes: minicash's own (db, import)
// and every category of Bitcoin Core's (the ones nothing here writes to are accepted, so
// that Core's command lines work, and shown by the `logging` RPC).
enum class LogCategory : uint64_t {
    NET = 1ull << 0,                // "net"
    RPC = 1ull << 1,                // "rpc"
    VALIDATION = 1ull << 2,         // "validation"
    BENCH = 1ull << 3,              // "bench"
    DB = 1ull << 4,                 // "db"
    MEMPOOL = 1ull << 5,            // "mempool"
    IMPORT = 1ull << 6,             // "import"
    HTTP = 1ull << 7,               // "http"
    TOR = 1ull << 8,                // "tor"
    ZMQ = 1ull << 9,                // "zmq"
    WALLETDB = 1ull << 10,          // "walletdb"
    ESTIMATEFEE = 1ull << 11,       // "estimatefee"
    ADDRMAN = 1ull << 12,           // "addrman"
    SELECTCOINS = 1ull << 13,       // "selectcoins"
    REINDEX = 1ull << 14,           // "reindex"
    CMPCTBLOCK = 1ull << 15,        // "cmpctblock"
    RAND = 1ull << 16,              // "rand"
    PRUNE = 1ull << 17,             // "prune"
    PROXY = 1ull << 18,             // "proxy"
    MEMPOOLREJ = 1ull << 19,        // "mempoolrej"
    LIBEVENT = 1ull << 20,          // "libevent"
    COINDB = 1ull << 21,            // "coindb"
    QT = 1ull << 22,                // "qt"
    LEVELDB = 1ull << 23,           // "leveldb"
    I2P = 1ull << 24,               // "i2p"
    IPC = 1ull << 25,               // "ipc"
    LOCK = 1ull << 26,              // "lock"
    BLOCKSTORAGE = 1ull << 27,      // "blockstorage"
    TXRECONCILIATION = 1ull << 28,  // "txreconciliation"
    SCAN = 1ull << 29,              // "scan"
    TXPACKAGES = 1ull << 30,        // "txpackages"
    KERNEL = 1ull << 31,            // "kernel"
    PRIVATEBROADCAST = 1ull << 32,  // "privatebroadcast"
};

// "net" -> NET, ...; nullopt for an unknown name.
[[nodiscard]] std::optional<LogCategory> log_category_from_name(std::string_view name);
std::string log_category_name(LogCategory category);
// Every category name, for -help.
std::vector<std::string> log_category_names();

// Parses -debug values: category names, "all" or "1" (everything); "none" or "0" among
// them means nothing, as in bitcoind. Then removes the -debugexclude categories. Returns
// the bit mask, or nullopt with Core's `error` naming the offending value.
[[nodiscard]] std::optional<uint64_t> parse_log_categories(const std::vector<std::string>& values, std::string* error,
                                                           const std::vector<std::string>& excluded = {});
// Every category's bit.
uint64_t log_all_categories();

// -loglevel values: "<level>" (global) or "<category>:<level>", levels trace, debug,
// info, warning, error. Returns the global level's verdict on debug lines (true: debug
// lines of enabled categories are written; "info" and above turn them off), or nullopt
// with Core's `error`.
[[nodiscard]] std::optional<bool> parse_log_levels(const std::vector<std::string>& values, std::string* error);

struct LogOptions {
    std::filesystem::path file;  // empty: no log file
    bool print_to_console = false;
    uint64_t categories = 0;    // enabled debug categories (bit mask)
    bool timestamps = true;     // -logtimestamps
    bool time_micros = false;   // -logtimemicros: microseconds in the timestamps
    bool thread_names = false;  // -logthreadnames: "[thread name]" after the timestamp
};

// Opens the log file (append mode, created if missing). Returns false with `error` set
// when it cannot be opened; the logger then stays as it was.
[[nodiscard]] bool log_start(const LogOptions& options, std::string* error);
// Flushes and closes the log file; later lines go nowhere (warnings/errors to stderr).
void log_stop();
// Asks the logger to reopen its file before the next line (after log rotation).
// Async-signal-safe: may be called from a signal handler (SIGHUP).
void log_request_reopen();

void log_set_categories(uint64_t categories);
uint64_t log_categories();
bool log_enabled(LogCategory category);

void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));  // prefixed "Warning: "
void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));    // prefixed "Error: "
void log_debug(LogCategory category, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// "2025-01-31T12:34:56Z" for a time in seconds since the epoch (UTC).
std::string format_iso8601(int64_t unix_seconds);

}  // namespace minicash
