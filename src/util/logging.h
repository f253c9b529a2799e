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

// Debug categories (bit flags). Names are what -debug= takes.
enum class LogCategory : uint32_t {
    NET = 1u << 0,         // "net"
    RPC = 1u << 1,         // "rpc"
    VALIDATION = 1u << 2,  // "validation"
    BENCH = 1u << 3,       // "bench"
    DB = 1u << 4,          // "db"
    MEMPOOL = 1u << 5,     // "mempool"
    IMPORT = 1u << 6,      // "import"
    HTTP = 1u << 7,        // "http"
};

// "net" -> NET, ...; nullopt for an unknown name.
[[nodiscard]] std::optional<LogCategory> log_category_from_name(std::string_view name);
std::string log_category_name(LogCategory category);
// Every category name, for -help.
std::vector<std::string> log_category_names();

// Parses -debug values: category names, "all" or "1" (everything), "none" or "0"
// (nothing; only meaningful alone, as in bitcoind). Returns the bit mask, or nullopt
// with `error` naming the offending value.
[[nodiscard]] std::optional<uint32_t> parse_log_categories(const std::vector<std::string>& values, std::string* error);

struct LogOptions {
    std::filesystem::path file;  // empty: no log file
    bool print_to_console = false;
    uint32_t categories = 0;  // enabled debug categories (bit mask)
};

// Opens the log file (append mode, created if missing). Returns false with `error` set
// when it cannot be opened; the logger then stays as it was.
[[nodiscard]] bool log_start(const LogOptions& options, std::string* error);
// Flushes and closes the log file; later lines go nowhere (warnings/errors to stderr).
void log_stop();
// Asks the logger to reopen its file before the next line (after log rotation).
// Async-signal-safe: may be called from a signal handler (SIGHUP).
void log_request_reopen();

void log_set_categories(uint32_t categories);
bool log_enabled(LogCategory category);

void log_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));  // prefixed "Warning: "
void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));    // prefixed "Error: "
void log_debug(LogCategory category, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// "2025-01-31T12:34:56Z" for a time in seconds since the epoch (UTC).
std::string format_iso8601(int64_t unix_seconds);

}  // namespace minicash
