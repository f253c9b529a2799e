// Bitcoin Core's human-readable script notation, as used by script_tests.json and the
// prevout scripts of tx_valid.json / tx_invalid.json (rules in the vectors README,
// "Script notation").
//
// Tokens are separated by whitespace:
//   * decimal integer in -0xFFFFFFFF..0xFFFFFFFF: pushed as a number (Script::push_int:
//     -1 -> OP_1NEGATE, 0 -> OP_0, 1..16 -> OP_1..OP_16, else a minimal script-number push);
//   * 0x<hex>: the bytes are inserted verbatim (not pushed);
//   * 'text': the characters are pushed as data (Script::push_data, never OP_n);
//   * an opcode name with or without "OP_", accepted only for OP_RESERVED and opcodes
//     from OP_NOP up.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "consensus/script.h"

namespace minicash::test {

// Assembles `text` into a script. Returns nullopt on a malformed token (number out of
// range, odd-length or non-hex 0x token, unknown or disallowed opcode name) and then, if
// `error` is given, describes the offending token there.
std::optional<Script> parse_script_notation(std::string_view text, std::string* error = nullptr);

}  // namespace minicash::test
