// Script verification flags. Each switches on one rule; consensus uses a subset that
// depends on height (see doc), policy adds the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace minicash {

using ScriptFlags = uint32_t;

enum : ScriptFlags {
    SCRIPT_VERIFY_NONE = 0,
    SCRIPT_VERIFY_P2SH = 1u << 0,       // BIP16
    SCRIPT_VERIFY_STRICTENC = 1u << 1,  // strict DER sigs, known hashtypes, valid pubkey encodings
    SCRIPT_VERIFY_DERSIG = 1u << 2,     // BIP66
    SCRIPT_VERIFY_LOW_S = 1u << 3,      // BIP146 (policy)
    SCRIPT_VERIFY_NULLDUMMY = 1u << 4,  // BIP147
    SCRIPT_VERIFY_SIGPUSHONLY = 1u << 5,
    SCRIPT_VERIFY_MINIMALDATA = 1u << 6,
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS = 1u << 7,
    SCRIPT_VERIFY_CLEANSTACK = 1u << 8,
    SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY = 1u << 9,   // BIP65
    SCRIPT_VERIFY_CHECKSEQUENCEVERIFY = 1u << 10,  // BIP112
    SCRIPT_VERIFY_WITNESS = 1u << 11,              // BIP141/143
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = 1u << 12,
    SCRIPT_VERIFY_MINIMALIF = 1u << 13,
    SCRIPT_VERIFY_NULLFAIL = 1u << 14,
    SCRIPT_VERIFY_WITNESS_PUBKEYTYPE = 1u << 15,
    SCRIPT_VERIFY_CONST_SCRIPTCODE = 1u << 16,
    SCRIPT_VERIFY_TAPROOT = 1u << 17,  // BIP341/342
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = 1u << 18,
    SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS = 1u << 19,
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE = 1u << 20,
    SCRIPT_VERIFY_END_MARKER = 1u << 21,
};

inline constexpr ScriptFlags kAllScriptFlags = SCRIPT_VERIFY_END_MARKER - 1;

// Flags every block since taproot activation is checked with.
inline constexpr ScriptFlags kMandatoryScriptFlags =
    SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_NULLDUMMY | SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY |
    SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT;

// Bitcoin Core's standard (mempool policy) flags.
inline constexpr ScriptFlags kStandardScriptFlags =
    kMandatoryScriptFlags | SCRIPT_VERIFY_STRICTENC | SCRIPT_VERIFY_MINIMALDATA |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS | SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_MINIMALIF |
    SCRIPT_VERIFY_NULLFAIL | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
    SCRIPT_VERIFY_WITNESS_PUBKEYTYPE | SCRIPT_VERIFY_CONST_SCRIPTCODE |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION | SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;

// Parses a comma-separated list of flag names as Core's test data writes them
// ("P2SH,WITNESS"; "" and "NONE" mean no flags). nullopt on an unknown name.
[[nodiscard]] std::optional<ScriptFlags> parse_script_flags(const std::string& names);
std::string format_script_flags(ScriptFlags flags);

}  // namespace minicash
