#include "consensus/script_flags.h"

#include <array>
#include <utility>

namespace minicash {
namespace {
constexpr auto kFlagNames = std::to_array<std::pair<ScriptFlags, const char*>>({
    {SCRIPT_VERIFY_P2SH, "P2SH"},
    {SCRIPT_VERIFY_STRICTENC, "STRICTENC"},
    {SCRIPT_VERIFY_DERSIG, "DERSIG"},
    {SCRIPT_VERIFY_LOW_S, "LOW_S"},
    {SCRIPT_VERIFY_NULLDUMMY, "NULLDUMMY"},
    {SCRIPT_VERIFY_SIGPUSHONLY, "SIGPUSHONLY"},
    {SCRIPT_VERIFY_MINIMALDATA, "MINIMALDATA"},
    {SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS, "DISCOURAGE_UPGRADABLE_NOPS"},
    {SCRIPT_VERIFY_CLEANSTACK, "CLEANSTACK"},
    {SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY, "CHECKLOCKTIMEVERIFY"},
    {SCRIPT_VERIFY_CHECKSEQUENCEVERIFY, "CHECKSEQUENCEVERIFY"},
    {SCRIPT_VERIFY_WITNESS, "WITNESS"},
    {SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM"},
    {SCRIPT_VERIFY_MINIMALIF, "MINIMALIF"},
    {SCRIPT_VERIFY_NULLFAIL, "NULLFAIL"},
    {SCRIPT_VERIFY_WITNESS_PUBKEYTYPE, "WITNESS_PUBKEYTYPE"},
    {SCRIPT_VERIFY_CONST_SCRIPTCODE, "CONST_SCRIPTCODE"},
    {SCRIPT_VERIFY_TAPROOT, "TAPROOT"},
    {SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION, "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION"},
    {SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS, "DISCOURAGE_OP_SUCCESS"},
    {SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE, "DISCOURAGE_UPGRADABLE_PUBKEYTYPE"},
});
}  // namespace

std::optional<ScriptFlags> parse_script_flags(const std::string& names) {
    ScriptFlags flags = 0;
    if (names.empty() || names == "NONE") return flags;
    size_t start = 0;
    while (start <= names.size()) {
        size_t end = names.find(',', start);
        if (end == std::string::npos) end = names.size();
        const std::string word = names.substr(start, end - start);
        bool known = false;
        for (const auto& [flag, name] : kFlagNames) {
            if (word == name) {
                flags |= flag;
                known = true;
            }
        }
        if (!known) return std::nullopt;
        start = end + 1;
    }
    return flags;
}

std::string format_script_flags(ScriptFlags flags) {
    std::string out;
    for (const auto& [flag, name] : kFlagNames) {
        if (!(flags & flag)) continue;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out.empty() ? "NONE" : out;
}

}  // namespace minicash
