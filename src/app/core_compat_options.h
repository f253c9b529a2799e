// Bitcoin Core's options for features minicashd deliberately lacks, so that command lines
// and bitcoin.conf files written for bitcoind work unchanged:
//
//  - Core's wallet options (-fallbackfee, -keypool, -wallet, ...): accepted and ignored with
//    a warning, as by a Core build without a wallet (minicash-wallet is a separate program);
//  - options whose feature is absent (-blocksxor, -i2psam, -peerbloomfilters, ...): accepted
//    with a warning when the value asks for what minicashd does anyway (-blocksxor=0), refused
//    with a message saying why otherwise;
//  - tuning knobs that mean nothing here (-maxsigcachesize, -rpcworkqueue, ...): accepted
//    with a warning, their values checked for form.
//
// doc/node.md has the table of every Core option and its state in minicashd.
#pragma once

#include <string>
#include <vector>

#include "app/app_options.h"

namespace minicash::app {

enum class CompatKind {
    WALLET,        // ignored: no built-in wallet
    DEFAULT_ONLY,  // the feature is absent: only the values in `accepted` are allowed
    NO_EFFECT,     // any well-formed value; ignored
};

enum class CompatType { BOOL, INT, STRING, LIST };

struct CompatOption {
    const char* name;
    CompatType type;
    CompatKind kind;
    // DEFAULT_ONLY: the values that ask for minicashd's behaviour (booleans as "0"/"1").
    std::vector<std::string> accepted;
    const char* why;  // the reason, in the warning and the refusal
};

// The table, in Core's -help order of sections.
const std::vector<CompatOption>& core_compat_options();

void add_core_compat_options(NodeOptions& o);

// Checks the values given; adds a warning to `o` for each option given (once) and throws
// OptionError for a value minicashd cannot honour.
void check_core_compat_options(const NodeOptions& o);

}  // namespace minicash::app
