#include "app/node_notifications.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>

#include "node/chainstate.h"
#include "node/mempool.h"
#include "util/logging.h"

namespace minicash::app {

void add_notification_options(NodeOptions& o) {
    o.add_string("blocknotify", "cmd",
                 "Execute command when the best block changes (%s in cmd is replaced by block hash)");
    o.add_string("startupnotify", "cmd", "Execute command on startup.");
    o.add_list("shutdownnotify", "cmd",
               "Execute command immediately before beginning shutdown. The need for shutdown may be urgent, so be "
               "careful not to delay it long (if the command doesn't require interaction with the server, consider "
               "having it fork into the background).");
    o.add_string("alertnotify", "cmd", "Execute command when an alert is raised (%s in cmd is replaced by message)");
    o.add_int("stopatheight", "n", "Stop running after reaching the given height in the main chain (default: 0)");
    o.add_int("checkmempool", "n",
              "Run checks every <n> transactions (default: 0, checks after each new tip about once in <n>)");
}

NotificationSettings read_notification_settings(const NodeOptions& o) {
    NotificationSettings s;
    s.block_notify = o.get_string("blocknotify").value_or("");
    s.startup_notify = o.get_string("startupnotify").value_or("");
    s.alert_notify = o.get_string("alertnotify").value_or("");
    s.shutdown_notify = o.get_list("shutdownnotify");
    if (auto h = o.get_int("stopatheight")) {
        if (*h < 0 || *h > 1000000000) throw OptionError("-stopatheight must be between 0 and 1000000000");
        s.stop_at_height = int(*h);
    }
    if (auto n = o.get_int("checkmempool")) {
        if (*n < 0 || *n > 1000000) throw OptionError("-checkmempool must be between 0 and 1000000");
        s.check_mempool_ratio = *n;
    }
    return s;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
        text.replace(pos, from.size(), to);
    return text;
}

void run_command(const std::string& command) {
    if (command.empty()) return;
    const int rc = std::system(command.c_str());
    if (rc != 0) log_warning("runCommand error: system(%s) returned %d", command.c_str(), rc);
}

void run_command_async(const std::string& command) {
    if (command.empty()) return;
    std::thread(run_command, command).detach();
}

std::shared_ptr<std::atomic<bool>> watch_chain(const NotificationSettings& s, Chainstate& chain, bool with_mempool,
                                               std::function<void()> request_shutdown) {
    Chainstate::Listener l;
    const std::string block_notify = s.block_notify;
    const int stop_at = s.stop_at_height;
    const int64_t ratio = with_mempool ? s.check_mempool_ratio : 0;
    auto check_due = std::make_shared<std::atomic<bool>>(false);
    if (block_notify.empty() && stop_at == 0 && ratio == 0) return check_due;
    auto stopping = std::make_shared<std::atomic<bool>>(false);
    l.tip_updated = [=](const BlockIndex* tip, const BlockIndex*, bool initial_download, const Chainstate::View&) {
        if (!tip) return;
        if (!block_notify.empty() && !initial_download)
            run_command_async(replace_all(block_notify, "%s", tip->hash.to_hex()));
        if (stop_at > 0 && tip->height >= stop_at && !stopping->exchange(true)) {
            log_info("-stopatheight=%d reached (height %d): shutting down", stop_at, tip->height);
            if (request_shutdown) request_shutdown();
        }
        // The mempool takes the chain state's lock itself: the check runs outside this call.
        if (ratio > 0) {
            static thread_local std::mt19937_64 rng{std::random_device{}()};
            if (ratio == 1 || rng() % uint64_t(ratio) == 0) check_due->store(true);
        }
    };
    chain.add_listener(std::move(l));
    return check_due;
}

void check_mempool(const Mempool& mempool) {
    std::string error;
    if (!mempool.check_consistency(&error)) log_error("-checkmempool: mempool inconsistent: %s", error.c_str());
}

}  // namespace minicash::app
