// Byte layout of fuzz_script_interpreter's input, shared with the seed generator so that
// seeds made from real test vectors decode to exactly the scripts they came from.
//
//   offset 0   uint32 LE   script verification flags (masked to known flags, then
//                          completed so that the interpreter's preconditions hold)
//   offset 4   uint64 LE   amount of the spent output, reduced into 0..kMaxMoney
//   offset 12  uint8       mode: which sigversion the direct eval_script call uses
//   offset 13  fields      each a uint16 LE length then that many bytes (a field cut
//                          short by the end of input keeps what is there):
//                          scriptSig, scriptPubKey, then the witness items, bottom first
#pragma once

#include <algorithm>
#include <optional>

#include "consensus/amount.h"
#include "consensus/script.h"
#include "consensus/script_flags.h"
#include "consensus/transaction.h"
#include "util/bytes.h"

namespace minicash::fuzz {

inline constexpr size_t kScriptInputHeaderSize = 13;
inline constexpr size_t kMaxWitnessItems = 1000;  // more than any valid spend can use

struct ScriptInput {
    ScriptFlags flags = 0;
    Amount amount = 0;
    uint8_t mode = 0;
    Script script_sig;
    Script script_pubkey;
    Witness witness;
};

// Adds the flags that the set ones depend on (TAPROOT -> WITNESS -> P2SH,
// CLEANSTACK -> WITNESS): verify_script requires these combinations.
inline ScriptFlags complete_flags(ScriptFlags f) {
    f &= kAllScriptFlags;
    if (f & (SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_CLEANSTACK)) f |= SCRIPT_VERIFY_WITNESS;
    if (f & SCRIPT_VERIFY_WITNESS) f |= SCRIPT_VERIFY_P2SH;
    return f;
}

inline std::optional<ScriptInput> decode_script_input(ByteView data) {
    if (data.size() < kScriptInputHeaderSize) return std::nullopt;
    ScriptInput in;
    in.flags = complete_flags(read_le32(data.data()));
    in.amount = Amount(read_le64(data.data() + 4) % uint64_t(kMaxMoney + 1));
    in.mode = data[12];
    size_t pos = kScriptInputHeaderSize;
    std::vector<Bytes> fields;
    while (pos < data.size() && fields.size() < 2 + kMaxWitnessItems) {
        size_t len = data[pos++];
        if (pos < data.size()) len |= size_t(data[pos++]) << 8;
        len = std::min(len, data.size() - pos);
        fields.emplace_back(data.begin() + pos, data.begin() + pos + len);
        pos += len;
    }
    if (fields.size() > 0) in.script_sig = Script(std::move(fields[0]));
    if (fields.size() > 1) in.script_pubkey = Script(std::move(fields[1]));
    for (size_t i = 2; i < fields.size(); ++i) in.witness.push_back(std::move(fields[i]));
    return in;
}

// REQUIRES: every field is shorter than 65536 bytes.
inline Bytes encode_script_input(const ScriptInput& in) {
    Bytes out(kScriptInputHeaderSize);
    write_le32(out.data(), in.flags);
    write_le64(out.data() + 4, uint64_t(in.amount));
    out[12] = in.mode;
    const auto field = [&](ByteView b) {
        out.push_back(uint8_t(b.size()));
        out.push_back(uint8_t(b.size() >> 8));
        append(out, b);
    };
    field(in.script_sig.view());
    field(in.script_pubkey.view());
    for (const Bytes& item : in.witness) field(item);
    return out;
}

}  // namespace minicash::fuzz
