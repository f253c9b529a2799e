// Miniscript (BIP379) for P2WSH witness scripts and tapscript leaves: parsing with the
// type system, printing, script generation (byte-identical to Bitcoin Core's) and the
// largest satisfaction, for fee estimation.
//
// Keys are opaque to this module: the caller's key parser turns each key expression into
// an index into its own key list; printing and script generation take the list back.
// Nodes are immutable once built and may be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/script.h"
#include "util/bytes.h"

namespace minicash::miniscript {

enum class Context { P2WSH, TAPSCRIPT };

enum class Fragment {
    JUST_0,
    JUST_1,
    PK_K,
    PK_H,
    OLDER,
    AFTER,
    SHA256,
    HASH256,
    RIPEMD160,
    HASH160,
    ANDOR,
    AND_V,
    AND_B,
    OR_B,
    OR_C,
    OR_D,
    OR_I,
    THRESH,
    MULTI,
    MULTI_A,
    WRAP_A,
    WRAP_S,
    WRAP_C,
    WRAP_D,
    WRAP_V,
    WRAP_J,
    WRAP_N,
};

// The type of an expression: one basic type and a set of properties (BIP379), as bits.
//   B V K W: basic types.   z o n d u: correctness.   s f e: malleability.
//   m: non-malleable (every malleability requirement met below and here).
//   x: the script does not end in an opcode with a VERIFY form (v: appends OP_VERIFY).
//   g h i j: contains a relative-time, relative-height, absolute-time, absolute-height lock.
//   k: no incompatible timelock mix.
struct Type {
    enum : uint32_t {
        B = 1 << 0,
        V = 1 << 1,
        K = 1 << 2,
        W = 1 << 3,
        z = 1 << 4,
        o = 1 << 5,
        n = 1 << 6,
        d = 1 << 7,
        u = 1 << 8,
        s = 1 << 9,
        f = 1 << 10,
        e = 1 << 11,
        m = 1 << 12,
        x = 1 << 13,
        g = 1 << 14,
        h = 1 << 15,
        i = 1 << 16,
        j = 1 << 17,
        k = 1 << 18,
    };
    uint32_t bits = 0;
    bool has(uint32_t mask) const { return (bits & mask) == mask; }
    char base() const { return has(B) ? 'B' : has(V) ? 'V' : has(K) ? 'K' : has(W) ? 'W' : '?'; }
};

struct Node {
    Fragment fragment = Fragment::JUST_0;
    std::vector<std::shared_ptr<const Node>> subs;
    uint32_t k = 0;            // older/after value, thresh/multi/multi_a threshold
    std::vector<size_t> keys;  // indexes into the caller's key list
    Bytes data;                // hash fragments: the hash as written (32 or 20 bytes)
    Type type;
};
using NodeRef = std::shared_ptr<const Node>;

// Witness elements and their serialized bytes (each element with its length prefix),
// plus the opcodes a satisfaction executes beyond the script's static count.
struct WitnessSize {
    size_t elems = 0;
    size_t bytes = 0;
    size_t ops = 0;
};

// Turns a key expression into an index into the caller's key list, or nullopt with
// `error` set (the message should name the expression, never echo private keys).
using KeyParser = std::function<std::optional<size_t>(std::string_view text, std::string& error)>;
using KeyPrinter = std::function<std::string(size_t index)>;

// Parses `text` as a miniscript expression of any basic type; nullptr with `error` when
// it is not valid Miniscript (syntax, argument count, type requirements, context).
NodeRef parse(std::string_view text, Context ctx, const KeyParser& parse_key, std::string& error);

// Checks what a descriptor requires of a top-level miniscript (Core's IsSane and
// satisfiability): basic type B, non-malleable, needs a signature, no timelock mix,
// no duplicate keys (`key_ids`: one comparable string per key index), within the
// script size, ops and stack limits. nullopt when fine; else the reason, naming the
// offending sub-expression as printed by `print_key`.
std::optional<std::string> check_top_level(const Node& node, Context ctx, const KeyPrinter& print_key,
                                           const std::vector<std::string>& key_ids);

// Canonical text (Core's ToString: pk(), pkh(), t:, l:, u:, and_n() aliases).
std::string to_string(const Node& node, const KeyPrinter& print_key);

// The script; `keys[i]` is key i as the script uses it (33 bytes, or 32 x-only in tapscript).
Script to_script(const Node& node, const std::vector<Bytes>& keys);

// The largest non-malleable satisfaction's witness (without the script and control
// block), with `sig_size` bytes per signature (hash type included when present) and
// `key_size` bytes per key pushed by pk_h. nullopt when the expression cannot be satisfied.
std::optional<WitnessSize> max_satisfaction(const Node& node, Context ctx, size_t sig_size, size_t key_size);

}  // namespace minicash::miniscript
