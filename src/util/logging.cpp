#include "util/logging.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace minicash {

namespace {

struct CategoryName {
    LogCategory category;
    const char* name;
};
constexpr CategoryName kCategories[] = {
    {LogCategory::NET, "net"},
    {LogCategory::RPC, "rpc"},
    {LogCategory::VALIDATION, "validation"},
    {LogCategory::BENCH, "bench"},
    {LogCategory::DB, "db"},
    {LogCategory::MEMPOOL, "mempool"},
    {LogCategory::IMPORT, "import"},
    {LogCategory::HTTP, "http"},
    {LogCategory::TOR, "tor"},
    {LogCategory::ZMQ, "zmq"},
    {LogCategory::WALLETDB, "walletdb"},
    {LogCategory::ESTIMATEFEE, "estimatefee"},
    {LogCategory::ADDRMAN, "addrman"},
    {LogCategory::SELECTCOINS, "selectcoins"},
    {LogCategory::REINDEX, "reindex"},
    {LogCategory::CMPCTBLOCK, "cmpctblock"},
    {LogCategory::RAND, "rand"},
    {LogCategory::PRUNE, "prune"},
    {LogCategory::PROXY, "proxy"},
    {LogCategory::MEMPOOLREJ, "mempoolrej"},
    {LogCategory::LIBEVENT, "libevent"},
    {LogCategory::COINDB, "coindb"},
    {LogCategory::QT, "qt"},
    {LogCategory::LEVELDB, "leveldb"},
    {LogCategory::I2P, "i2p"},
    {LogCategory::IPC, "ipc"},
    {LogCategory::LOCK, "lock"},
    {LogCategory::BLOCKSTORAGE, "blockstorage"},
    {LogCategory::TXRECONCILIATION, "txreconciliation"},
    {LogCategory::SCAN, "scan"},
    {LogCategory::TXPACKAGES, "txpackages"},
    {LogCategory::KERNEL, "kernel"},
    {LogCategory::PRIVATEBROADCAST, "privatebroadcast"},
};

uint64_t all_categories() {
    uint64_t mask = 0;
    for (const auto& c : kCategories) mask |= uint64_t(c.category);
    return mask;
}

// Logger state. `mutex` guards everything but the two atomics.
struct Logger {
    std::mutex mutex;
    std::FILE* file = nullptr;
    std::filesystem::path path;
    bool console = false;
    bool timestamps = true, time_micros = false, thread_names = false;
    std::atomic<uint64_t> categories{0};
    std::atomic<bool> reopen{false};  // set from a signal handler
};

Logger& logger() {
    // Never destroyed: threads may still log during static destruction.
    static Logger* instance = new Logger;
    return *instance;
}

enum class Level { INFO, WARNING, ERROR, DEBUG };

void write_line(Level level, const char* category, const char* fmt, va_list args) {
    // Format the message first, outside the lock.
    char stack_buf[512];
    std::string heap_buf;
    const char* msg = stack_buf;
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(stack_buf, sizeof stack_buf, fmt, copy);
    va_end(copy);
    if (n < 0) {
        msg = "(unformattable log message)";
        n = int(std::strlen(msg));
    } else if (size_t(n) >= sizeof stack_buf) {
        heap_buf.resize(size_t(n) + 1);
        std::vsnprintf(heap_buf.data(), heap_buf.size(), fmt, args);
        msg = heap_buf.c_str();
    }
    size_t len = size_t(n);
    while (len > 0 && msg[len - 1] == '\n') --len;  // one line, one newline

    const auto now = std::chrono::system_clock::now();
    Logger& lg = logger();
    std::string line;
    {
        std::lock_guard<std::mutex> lock(lg.mutex);
        if (lg.timestamps) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
            line = format_iso8601(micros / 1000000);
            if (lg.time_micros) {
                char frac[16];
                std::snprintf(frac, sizeof frac, ".%06lldZ", (long long)(micros % 1000000));
                line.pop_back();  // the 'Z'
                line += frac;
            }
            line += ' ';
        }
        if (lg.thread_names) {
            char name[32] = "unknown";
            (void)pthread_getname_np(pthread_self(), name, sizeof name);
            line += '[';
            line += name;
            line += "] ";
        }
    }
    if (category != nullptr) {
        line += '[';
        line += category;
        line += "] ";
    }
    if (level == Level::WARNING) line += "Warning: ";
    if (level == Level::ERROR) line += "Error: ";
    line.append(msg, len);
    line += '\n';

    std::lock_guard<std::mutex> lock(lg.mutex);
    if (lg.reopen.exchange(false) && !lg.path.empty()) {
        if (std::FILE* f = std::fopen(lg.path.c_str(), "a")) {
            if (lg.file != nullptr) std::fclose(lg.file);
            lg.file = f;
        }
    }
    if (lg.file != nullptr) {
        // Errors (disk full) are ignored: logging must never stop the node.
        std::fwrite(line.data(), 1, line.size(), lg.file);
        std::fflush(lg.file);
    }
    if (lg.console) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    } else if (lg.file == nullptr && (level == Level::WARNING || level == Level::ERROR)) {
        std::fwrite(line.data(), 1, line.size(), stderr);
    }
}

}  // namespace

std::optional<LogCategory> log_category_from_name(std::string_view name) {
    for (const auto& c : kCategories)
        if (name == c.name) return c.category;
    return std::nullopt;
}

std::string log_category_name(LogCategory category) {
    for (const auto& c : kCategories)
        if (c.category == category) return c.name;
    return "unknown";
}

std::vector<std::string> log_category_names() {
    std::vector<std::string> names;
    for (const auto& c : kCategories) names.emplace_back(c.name);
    return names;
}

uint64_t log_all_categories() { return all_categories(); }

std::optional<uint64_t> parse_log_categories(const std::vector<std::string>& values, std::string* error,
                                             const std::vector<std::string>& excluded) {
    uint64_t mask = 0;
    bool none = false;
    for (const std::string& v : values) {
        if (v == "all" || v == "1" || v.empty()) {
            mask |= all_categories();
        } else if (v == "none" || v == "0") {
            none = true;
        } else if (auto c = log_category_from_name(v)) {
            mask |= uint64_t(*c);
        } else {
            if (error) *error = "Unsupported logging category -debug=" + v + ".";
            return std::nullopt;
        }
    }
    if (none) mask = 0;
    for (const std::string& v : excluded) {
        if (v == "all" || v == "1") {
            mask = 0;
        } else if (v == "none" || v == "0") {
        } else if (auto c = log_category_from_name(v)) {
            mask &= ~uint64_t(*c);
        } else {
            if (error) *error = "Unsupported logging category -debugexclude=" + v + ".";
            return std::nullopt;
        }
    }
    return mask;
}

std::optional<bool> parse_log_levels(const std::vector<std::string>& values, std::string* error) {
    static const std::string kLevels[] = {"trace", "debug", "info", "warning", "error"};
    const auto is_level = [](const std::string& l) {
        return std::find(std::begin(kLevels), std::end(kLevels), l) != std::end(kLevels);
    };
    bool debug_lines = true;
    for (const std::string& v : values) {
        const size_t colon = v.find(':');
        if (colon == std::string::npos) {
            if (!is_level(v)) {
                if (error)
                    *error = "Unsupported global logging level -loglevel=" + v +
                             ". Valid values: trace, debug, info, warning, error.";
                return std::nullopt;
            }
            debug_lines = v == "trace" || v == "debug";
            continue;
        }
        const std::string cat = v.substr(0, colon), level = v.substr(colon + 1);
        if ((cat != "all" && !log_category_from_name(cat)) || !is_level(level)) {
            if (error) *error = "Unsupported category-specific logging level -loglevel=" + v + ".";
            return std::nullopt;
        }
    }
    return debug_lines;
}

bool log_start(const LogOptions& options, std::string* error) {
    std::FILE* f = nullptr;
    if (!options.file.empty()) {
        f = std::fopen(options.file.c_str(), "a");
        if (f == nullptr) {
            if (error) *error = "cannot open log file " + options.file.string() + ": " + std::strerror(errno);
            return false;
        }
    }
    Logger& lg = logger();
    std::lock_guard<std::mutex> lock(lg.mutex);
    if (lg.file != nullptr) std::fclose(lg.file);
    lg.file = f;
    lg.path = options.file;
    lg.console = options.print_to_console;
    lg.timestamps = options.timestamps;
    lg.time_micros = options.time_micros;
    lg.thread_names = options.thread_names;
    lg.categories.store(options.categories);
    return true;
}

void log_stop() {
    Logger& lg = logger();
    std::lock_guard<std::mutex> lock(lg.mutex);
    if (lg.file != nullptr) std::fclose(lg.file);
    lg.file = nullptr;
    lg.path.clear();
    lg.console = false;
}

void log_request_reopen() { logger().reopen.store(true); }

void log_set_categories(uint64_t categories) { logger().categories.store(categories); }

uint64_t log_categories() { return logger().categories.load(); }

bool log_enabled(LogCategory category) {
    return (logger().categories.load(std::memory_order_relaxed) & uint64_t(category)) != 0;
}

void log_info(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    write_line(Level::INFO, nullptr, fmt, args);
    va_end(args);
}

void log_warning(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    write_line(Level::WARNING, nullptr, fmt, args);
    va_end(args);
}

void log_error(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    write_line(Level::ERROR, nullptr, fmt, args);
    va_end(args);
}

void log_debug(LogCategory category, const char* fmt, ...) {
    if (!log_enabled(category)) return;
    const std::string name = log_category_name(category);
    va_list args;
    va_start(args, fmt);
    write_line(Level::DEBUG, name.c_str(), fmt, args);
    va_end(args);
}

std::string format_iso8601(int64_t unix_seconds) {
    const std::time_t t = std::time_t(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace minicash
