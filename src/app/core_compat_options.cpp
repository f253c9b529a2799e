#include "app/core_compat_options.h"

#include <algorithm>

#include "app/command_line.h"

namespace minicash::app {

namespace {

using K = CompatKind;
using T = CompatType;

constexpr const char* kNoWallet = "minicashd has no built-in wallet (use minicash-wallet)";

}  // namespace

const std::vector<CompatOption>& core_compat_options() {
    static const std::vector<CompatOption> kTable = {
        // General options.
        {"allowignoredconf", T::BOOL, K::NO_EFFECT, {}, "minicashd reads no second configuration file"},
        {"blockreconstructionextratxn", T::INT, K::NO_EFFECT, {}, "compact blocks are rebuilt from the mempool only"},
        {"blocksxor", T::BOOL, K::DEFAULT_ONLY, {"0"}, "block files are not XOR-obfuscated"},
        {"coinstatsindex", T::BOOL, K::DEFAULT_ONLY, {"0"}, "there is no coin statistics index"},
        {"daemonwait", T::BOOL, K::NO_EFFECT, {}, "-daemon always waits for start-up to finish"},
        {"debuglogfile", T::STRING, K::DEFAULT_ONLY, {"debug.log"}, "the log is always <datadir>/<chain>/debug.log"},
        {"maxorphantx", T::INT, K::NO_EFFECT, {}, "the orphan pool has a fixed size, as in Core 30"},
        {"persistmempoolv1", T::BOOL, K::DEFAULT_ONLY, {"0"}, "mempool.dat is written in the current format"},
        {"pid", T::STRING, K::NO_EFFECT, {}, "no pid file is written"},
        {"settings", T::STRING, K::NO_EFFECT, {}, "there is no settings.json"},
        {"sysperms", T::BOOL, K::DEFAULT_ONLY, {"0"}, "files are created with the default permissions"},
        {"ipcbind", T::LIST, K::DEFAULT_ONLY, {}, "there is no multiprocess interface"},
        // Connection options.
        {"asmap", T::STRING, K::DEFAULT_ONLY, {"0", ""}, "peers are not bucketed by AS map"},
        {"bantime", T::INT, K::NO_EFFECT, {}, "misbehaving peers are discouraged, not banned for a time"},
        {"dns", T::BOOL, K::NO_EFFECT, {}, "names in -addnode, -connect and -seednode are always resolved"},
        {"forcednsseed", T::BOOL, K::DEFAULT_ONLY, {"0"}, "DNS seeds are queried only when addresses run short"},
        {"i2pacceptincoming", T::BOOL, K::NO_EFFECT, {}, "there is no I2P support"},
        {"i2psam", T::STRING, K::DEFAULT_ONLY, {"0", ""}, "there is no I2P support"},
        {"maxreceivebuffer", T::INT, K::NO_EFFECT, {}, "receive buffers have a fixed size"},
        {"maxsendbuffer", T::INT, K::NO_EFFECT, {}, "send buffers have a fixed size"},
        {"maxuploadtarget", T::STRING, K::DEFAULT_ONLY, {"0"}, "there is no upload target"},
        {"natpmp", T::BOOL, K::DEFAULT_ONLY, {"0"}, "ports are not mapped (no PCP/NAT-PMP client)"},
        {"upnp", T::BOOL, K::NO_EFFECT, {}, "UPnP support was dropped in Bitcoin Core 29.0"},
        {"peerbloomfilters", T::BOOL, K::DEFAULT_ONLY, {"0"}, "BIP37 bloom filters are not served"},
        {"privatebroadcast", T::BOOL, K::DEFAULT_ONLY, {"0"}, "there is no private broadcast (no Tor or I2P)"},
        {"signetseednode", T::LIST, K::NO_EFFECT, {}, "use -seednode"},
        {"timeout", T::INT, K::NO_EFFECT, {}, "the connect timeout is fixed"},
        {"torcontrol", T::STRING, K::NO_EFFECT, {}, "there is no Tor control client"},
        {"torpassword", T::STRING, K::NO_EFFECT, {}, "there is no Tor control client"},
        // Debugging and testing options.
        {"addrmantest", T::BOOL, K::NO_EFFECT, {}, "a Core test aid"},
        {"capturemessages", T::BOOL, K::DEFAULT_ONLY, {"0"}, "messages are not captured to disk"},
        {"checkaddrman", T::INT, K::NO_EFFECT, {}, "the address manager has no consistency checker"},
        {"checkblockindex", T::BOOL, K::NO_EFFECT, {}, "the block index has no consistency checker"},
        {"checkblocks", T::INT, K::NO_EFFECT, {}, "blocks are not re-verified at start-up"},
        {"checklevel", T::INT, K::NO_EFFECT, {}, "blocks are not re-verified at start-up"},
        {"maxsigcachesize", T::INT, K::NO_EFFECT, {}, "the signature cache has a fixed size"},
        {"acceptstalefeeestimates", T::BOOL, K::NO_EFFECT, {}, "fee estimates are always served"},
        {"stopafterblockimport", T::BOOL, K::NO_EFFECT, {}, "use -exitafterimport"},
        {"rpcdoccheck", T::BOOL, K::NO_EFFECT, {}, "a Core test aid for its own help texts"},
        {"blockversion", T::INT, K::NO_EFFECT, {}, "templates use the version of the deployments"},
        {"blockreservedweight", T::INT, K::NO_EFFECT, {}, "the coinbase reserve is fixed (4000 weight units)"},
        {"printpriority", T::BOOL, K::NO_EFFECT, {}, "no per-transaction fee lines are logged"},
        {"vbparams", T::LIST, K::NO_EFFECT, {}, "there are no version bits deployments to tune"},
        // Logging options.
        {"logsourcelocations", T::BOOL, K::NO_EFFECT, {}, "log lines carry no source locations"},
        {"logips", T::BOOL, K::NO_EFFECT, {}, "peer addresses are always logged"},
        {"loglevelalways", T::BOOL, K::NO_EFFECT, {}, "levels are shown as Warning: and Error: only"},
        {"logratelimit", T::BOOL, K::NO_EFFECT, {}, "logging is not rate-limited"},
        {"shrinkdebugfile", T::BOOL, K::NO_EFFECT, {}, "debug.log is never shrunk (rotate it with SIGHUP)"},
        {"fixedseeds", T::BOOL, K::NO_EFFECT, {}, "there is no built-in seed list (DNS seeds and -seednode only)"},
        // RPC server options.
        {"rpccookieperms", T::STRING, K::NO_EFFECT, {}, "the cookie is always owner-only (0600)"},
        {"rpcworkqueue", T::INT, K::NO_EFFECT, {}, "requests wait for a free -rpcthreads thread"},
        {"deprecatedrpc", T::LIST, K::NO_EFFECT, {}, "no deprecated RPC behaviour is kept"},
        // Wallet options (Core without a wallet).
        {"addresstype", T::STRING, K::WALLET, {}, kNoWallet},
        {"avoidpartialspends", T::BOOL, K::WALLET, {}, kNoWallet},
        {"changetype", T::STRING, K::WALLET, {}, kNoWallet},
        {"consolidatefeerate", T::STRING, K::WALLET, {}, kNoWallet},
        {"disablewallet", T::BOOL, K::WALLET, {}, kNoWallet},
        {"discardfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"fallbackfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"keypool", T::INT, K::WALLET, {}, kNoWallet},
        {"maxapsfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"maxtxfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"mintxfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"paytxfee", T::STRING, K::WALLET, {}, kNoWallet},
        {"signer", T::STRING, K::WALLET, {}, kNoWallet},
        {"spendzeroconfchange", T::BOOL, K::WALLET, {}, kNoWallet},
        {"txconfirmtarget", T::INT, K::WALLET, {}, kNoWallet},
        {"wallet", T::LIST, K::WALLET, {}, kNoWallet},
        {"walletbroadcast", T::BOOL, K::WALLET, {}, kNoWallet},
        {"walletdir", T::STRING, K::WALLET, {}, kNoWallet},
        {"walletnotify", T::STRING, K::WALLET, {}, kNoWallet},
        {"walletrbf", T::BOOL, K::WALLET, {}, kNoWallet},
        {"dblogsize", T::INT, K::WALLET, {}, kNoWallet},
        {"flushwallet", T::BOOL, K::WALLET, {}, kNoWallet},
        {"privdb", T::BOOL, K::WALLET, {}, kNoWallet},
        {"swapbdbendian", T::BOOL, K::WALLET, {}, kNoWallet},
        {"unsafesqlitesync", T::BOOL, K::WALLET, {}, kNoWallet},
        {"walletcrosschain", T::BOOL, K::WALLET, {}, kNoWallet},
        {"walletrejectlongchains", T::BOOL, K::WALLET, {}, kNoWallet},
    };
    return kTable;
}

void add_core_compat_options(NodeOptions& o) {
    for (const CompatOption& c : core_compat_options()) {
        const std::string help = std::string("Bitcoin Core's option, ") +
                                 (c.kind == K::WALLET      ? "ignored: "
                                  : c.kind == K::NO_EFFECT ? "accepted, no effect: "
                                                           : "only its default is accepted: ") +
                                 c.why;
        switch (c.type) {
        case T::BOOL: o.add_bool(c.name, help); break;
        case T::INT: o.add_int(c.name, "n", help); break;
        case T::STRING:
            o.add_string(c.name, "value", help);
            o.allow_negation(c.name);
            break;
        case T::LIST:
            o.add_list(c.name, "value", help);
            o.allow_negation(c.name);
            break;
        }
    }
}

void check_core_compat_options(const NodeOptions& o) {
    for (const CompatOption& c : core_compat_options()) {
        if (!o.is_set(c.name)) continue;
        std::vector<std::string> values;
        switch (c.type) {
        case T::BOOL: values.push_back(o.get_bool(c.name) ? "1" : "0"); break;  // validates
        case T::INT: values.push_back(std::to_string(*o.get_int(c.name))); break;
        case T::STRING: values.push_back(*o.get_string(c.name)); break;
        case T::LIST: values = o.get_list(c.name); break;
        }
        const std::string name = std::string("-") + c.name;
        if (c.kind == K::DEFAULT_ONLY) {
            for (const std::string& v : values)
                if (std::find(c.accepted.begin(), c.accepted.end(), v) == c.accepted.end())
                    throw OptionError("-" + std::string(c.name) + "=" + v + " is not supported: " + c.why);
            o.add_warning("Option " + name + " accepted with its default value: " + c.why);
        } else if (c.kind == K::WALLET) {
            o.add_warning("Option " + name + " ignored: " + c.why);
        } else {
            o.add_warning("Option " + name + " has no effect: " + c.why);
        }
    }
}

}  // namespace minicash::app
