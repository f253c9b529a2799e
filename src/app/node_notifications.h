// Bitcoin Core's notification and stop options for minicashd:
//   -blocknotify=<cmd>     run when the best block changes outside initial block download
//                          (%s in cmd is replaced by the block hash)
//   -startupnotify=<cmd>   run once start-up has finished
//   -shutdownnotify=<cmd>  run (and waited for) when shutdown begins (repeatable)
//   -alertnotify=<cmd>     run on a node warning (%s: the message); minicashd raises no
//                          alerts of Core's kinds (unknown version bits, large forks) yet
//   -stopatheight=<n>      shut down once the chain reaches height n
//   -checkmempool=<n>      check the mempool's invariants about once in n checks (after
//                          each new tip); a failure is logged as an error
// Commands run through /bin/sh in their own detached thread, as in Core, except
// -shutdownnotify, which shutdown waits for.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app_options.h"

namespace minicash {
class Chainstate;
class Mempool;
}  // namespace minicash

namespace minicash::app {

void add_notification_options(NodeOptions& o);

struct NotificationSettings {
    std::string block_notify, startup_notify, alert_notify;
    std::vector<std::string> shutdown_notify;
    int stop_at_height = 0;  // 0: never
    int64_t check_mempool_ratio = 0;
};

// Validates and collects the options. Throws OptionError.
NotificationSettings read_notification_settings(const NodeOptions& o);

// Registers the chain listener for -blocknotify, -stopatheight and -checkmempool;
// `request_shutdown` is called (once) at -stopatheight. The flag returned is set when a
// mempool check is due: the caller runs check_mempool() outside the chain state's lock.
[[nodiscard]] std::shared_ptr<std::atomic<bool>> watch_chain(const NotificationSettings& s, Chainstate& chain,
                                                             bool with_mempool, std::function<void()> request_shutdown);
// -checkmempool's check: logs an error when the mempool's invariants do not hold.
void check_mempool(const Mempool& mempool);

// Runs `command` through /bin/sh in a detached thread.
void run_command_async(const std::string& command);
// Runs `command` through /bin/sh and waits for it.
void run_command(const std::string& command);

// Core's -blocknotify substitution: every "%s" becomes `hash`.
std::string replace_all(std::string text, const std::string& from, const std::string& to);

}  // namespace minicash::app
