#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "test/util/temp_dir.h"
#include "util/logging.h"

namespace minicash {
namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

TEST(Logging, Iso8601) {
    EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_iso8601(1296688602), "2011-02-02T23:16:42Z");
}

TEST(Logging, ParseCategories) {
    std::string error;
    EXPECT_EQ(parse_log_categories({}, &error), std::optional<uint64_t>(0));
    EXPECT_EQ(parse_log_categories({"net", "rpc"}, &error),
              std::optional<uint64_t>(uint64_t(LogCategory::NET) | uint64_t(LogCategory::RPC)));
    const auto all = parse_log_categories({"all"}, &error);
    ASSERT_TRUE(all);
    for (const std::string& name : log_category_names())
        EXPECT_TRUE(*all & uint64_t(*log_category_from_name(name))) << name;
    EXPECT_EQ(parse_log_categories({"1"}, &error), all);
    EXPECT_EQ(parse_log_categories({"none"}, &error), std::optional<uint64_t>(0));
    EXPECT_FALSE(parse_log_categories({"bogus"}, &error));
    EXPECT_EQ(error, "Unsupported logging category -debug=bogus.");
    // As in bitcoind: "0" or "none" among the values turns everything off.
    EXPECT_EQ(parse_log_categories({"0", "net"}, &error), std::optional<uint64_t>(0));
    // Bitcoin Core's categories that minicash writes nothing for are still names.
    for (const char* core : {"libevent", "leveldb", "rand", "tor", "zmq", "cmpctblock", "privatebroadcast"})
        EXPECT_TRUE(log_category_from_name(core)) << core;
}

TEST(Logging, DebugExclude) {
    std::string error;
    const auto mask = parse_log_categories({"1"}, &error, {"libevent", "net"});
    ASSERT_TRUE(mask) << error;
    EXPECT_FALSE(*mask & uint64_t(LogCategory::NET));
    EXPECT_FALSE(*mask & uint64_t(LogCategory::LIBEVENT));
    EXPECT_TRUE(*mask & uint64_t(LogCategory::RPC));
    EXPECT_FALSE(parse_log_categories({"1"}, &error, {"nonsense"}));
    EXPECT_EQ(error, "Unsupported logging category -debugexclude=nonsense.");
}

TEST(Logging, LogLevels) {
    std::string error;
    EXPECT_EQ(parse_log_levels({}, &error), std::optional<bool>(true));
    EXPECT_EQ(parse_log_levels({"trace"}, &error), std::optional<bool>(true));
    EXPECT_EQ(parse_log_levels({"info"}, &error), std::optional<bool>(false));
    EXPECT_EQ(parse_log_levels({"net:trace", "debug"}, &error), std::optional<bool>(true));
    EXPECT_FALSE(parse_log_levels({"loud"}, &error));
    EXPECT_NE(error.find("Unsupported global logging level -loglevel=loud"), std::string::npos) << error;
    EXPECT_FALSE(parse_log_levels({"nosuch:debug"}, &error));
    EXPECT_EQ(error, "Unsupported category-specific logging level -loglevel=nosuch:debug.");
    EXPECT_FALSE(parse_log_levels({"net:loud"}, &error));
}

TEST(Logging, TimestampFormats) {
    const test::TempDir tmp("logfmt");
    const auto file = tmp.path() / "debug.log";
    std::string error;
    LogOptions o{file, false, 0};
    o.time_micros = true;
    o.thread_names = true;
    ASSERT_TRUE(log_start(o, &error)) << error;
    log_info("with micros");
    o.timestamps = false;
    o.thread_names = false;
    ASSERT_TRUE(log_start(o, &error)) << error;
    log_info("bare line");
    log_stop();
    const std::string text = read_all(file);
    // 2025-01-31T12:34:56.123456Z [thread] with micros
    const auto first = text.substr(0, text.find('\n'));
    ASSERT_GE(first.size(), 28u) << first;
    EXPECT_EQ(first[19], '.') << first;
    EXPECT_EQ(first[26], 'Z') << first;
    EXPECT_EQ(first[28], '[') << first;
    EXPECT_NE(first.find("] with micros"), std::string::npos) << first;
    EXPECT_NE(text.find("\nbare line\n"), std::string::npos) << text;
}

TEST(Logging, FileCategoriesAndThreads) {
    const test::TempDir tmp("log");
    const std::filesystem::path& dir = tmp.path();
    const auto file = dir / "debug.log";
    std::string error;
    ASSERT_TRUE(log_start({file, false, uint64_t(LogCategory::NET)}, &error)) << error;
    log_info("hello %d", 42);
    log_debug(LogCategory::NET, "net line %s", "x");
    log_debug(LogCategory::RPC, "rpc line (disabled)");
    log_warning("careful\n");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([t] {
            for (int i = 0; i < 200; ++i)
                log_info("thread %d line %d %s", t, i, std::string(100, 'a' + char(t)).c_str());
        });
    for (auto& th : threads) th.join();
    log_stop();
    log_info("after stop: not written");

    const std::string text = read_all(file);
    EXPECT_NE(text.find("Z hello 42\n"), std::string::npos) << text.substr(0, 200);
    EXPECT_NE(text.find("Z [net] net line x\n"), std::string::npos);
    EXPECT_EQ(text.find("rpc line"), std::string::npos);
    EXPECT_NE(text.find("Z Warning: careful\n"), std::string::npos);
    EXPECT_EQ(text.find("after stop"), std::string::npos);
    // Every line is whole: timestamp, then the message, one per line.
    std::istringstream lines(text);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        ASSERT_GE(line.size(), 21u);
        EXPECT_EQ(line[4], '-');
        EXPECT_EQ(line[19], 'Z');
        if (line.find("thread ") != std::string::npos) {
            const char c = line.back();
            EXPECT_EQ(line.substr(line.size() - 100), std::string(100, c)) << "interleaved: " << line;
        }
    }
    EXPECT_EQ(count, 3 + 800);
}

TEST(Logging, UnwritableFileIsAnError) {
    std::string error;
    EXPECT_FALSE(log_start({"/nonexistent-dir/debug.log", false, 0}, &error));
    EXPECT_NE(error.find("/nonexistent-dir/debug.log"), std::string::npos) << error;
}

}  // namespace
}  // namespace minicash
