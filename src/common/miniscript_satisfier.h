// Satisfying Miniscript (BIP379): the cheapest non-malleable witness stack for an
// expression, given the signatures, preimages and timelocks available, following the
// satisfaction rules of Bitcoin Core's miniscript.h (per fragment a satisfaction and a
// dissatisfaction; a choice between alternatives never gives a third party a way to
// change the witness; MINIMALIF's 0x01 / empty for or_i and d:; CHECKMULTISIG's dummy;
// multi_a's empty elements for the keys without a signature).
//
// The stack is bottom first, without the script (or control block) that follows it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/miniscript.h"
#include "consensus/transaction.h"
#include "util/bytes.h"

namespace minicash::miniscript {

// What the spender has. Every callback may be empty (nothing of that kind available).
struct SatisfierInputs {
    // The signature (hash type included when present) by key `index` of the expression.
    std::function<std::optional<Bytes>(size_t index)> signature;
    // Key `index` as pushed by pk_h (33 bytes; 32 in tapscript).
    std::function<Bytes(size_t index)> key;
    // The preimage of `hash` for a sha256 / hash256 / ripemd160 / hash160 fragment.
    std::function<std::optional<Bytes>(Fragment fragment, const Bytes& hash)> preimage;
    // Whether the spending transaction meets older(n) (its nSequence, version 2) and
    // after(n) (its nLockTime, a non-final nSequence).
    std::function<bool(uint32_t n)> older;
    std::function<bool(uint32_t n)> after;
};

struct Satisfaction {
    std::vector<Bytes> stack;  // bottom first
    uint32_t older = 0;        // the largest older(n) the satisfaction relies on (0: none)
    uint32_t after = 0;        // the largest after(n) it relies on (0: none)
};

// The smallest non-malleable satisfaction of `node` in `ctx`, or nullopt with `*error`
// saying why there is none (missing signatures or preimages, a timelock the transaction
// does not meet, or only malleable satisfactions).
std::optional<Satisfaction> satisfy(const Node& node, Context ctx, const SatisfierInputs& inputs,
                                    std::string* error = nullptr);

// Whether input `i` of `tx` meets older(n) (BIP68/BIP112: version 2, the same kind of
// relative lock in nSequence and at least as long) and after(n) (BIP65: the same kind of
// nLockTime, at least n, and an nSequence that does not disable it).
bool tx_meets_older(const Transaction& tx, size_t i, uint32_t n);
bool tx_meets_after(const Transaction& tx, size_t i, uint32_t n);

}  // namespace minicash::miniscript
