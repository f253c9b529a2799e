// Valid combinations of script verification flags, for tests that add or remove flags.
//
// The interpreter requires: WITNESS needs P2SH; TAPROOT needs WITNESS; CLEANSTACK needs
// WITNESS (and so P2SH). Tests that explore neighbouring flag sets fix a candidate up
// with fill_flags (when adding: the smallest valid superset) or trim_flags (when removing:
// the largest valid subset), so that only valid combinations are ever verified.
#pragma once

#include <array>
#include <cstdint>

#include "consensus/script_flags.h"

namespace minicash::test {

inline bool is_valid_flag_combination(ScriptFlags f) {
    if ((f & SCRIPT_VERIFY_WITNESS) && !(f & SCRIPT_VERIFY_P2SH)) return false;
    if ((f & SCRIPT_VERIFY_TAPROOT) && !(f & SCRIPT_VERIFY_WITNESS)) return false;
    if ((f & SCRIPT_VERIFY_CLEANSTACK) && !(f & SCRIPT_VERIFY_WITNESS)) return false;
    return true;
}

// Smallest valid superset of f.
inline ScriptFlags fill_flags(ScriptFlags f) {
    if (f & (SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_TAPROOT)) f |= SCRIPT_VERIFY_WITNESS;
    if (f & SCRIPT_VERIFY_WITNESS) f |= SCRIPT_VERIFY_P2SH;
    return f;
}

// Largest valid subset of f.
inline ScriptFlags trim_flags(ScriptFlags f) {
    if (!(f & SCRIPT_VERIFY_P2SH)) f &= ~ScriptFlags(SCRIPT_VERIFY_WITNESS);
    if (!(f & SCRIPT_VERIFY_WITNESS)) f &= ~ScriptFlags(SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_CLEANSTACK);
    return f;
}

// The 21 individual flags, lowest bit first.
inline std::array<ScriptFlags, 21> each_script_flag() {
    std::array<ScriptFlags, 21> out{};
    for (unsigned i = 0; i < out.size(); ++i) out[i] = ScriptFlags(1) << i;
    return out;
}

}  // namespace minicash::test
