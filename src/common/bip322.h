// BIP322 generic signed messages: the virtual transactions to_spend and to_sign, the
// signature encodings (simple "smp", full "ful", proof of funds "pof", each a prefix and
// base64; a signature without a prefix is read as simple, as the BIP allows for
// signatures made before it was finished), and verification with the consensus
// interpreter. Signing is the wallet's (wallet/message_signing.h); the legacy format of
// P2PKH addresses (Core's signmessage) is there too.
//
// Verification states (the BIP's): valid (at time T = to_sign's nLockTime and age S =
// its first input's nSequence), inconclusive (an upgradable rule: to_sign version other
// than 0 or 2, reserved NOPs, witness versions above 1, OP_SUCCESS, unknown key types),
// invalid (anything else). Required rules beyond consensus: SIGHASH_ALL (or taproot's
// DEFAULT) only, LOW_S, STRICTENC, NULLFAIL, MINIMALDATA, CLEANSTACK, MINIMALIF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/amount.h"
#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash::bip322 {

// sha256_tag("BIP0322-signed-message", message).
uint256 message_hash(std::string_view message);

// to_spend: version 0, one input (null prevout, nSequence 0, scriptSig OP_0 PUSH32[hash]),
// one output of 0 paying `challenge`.
Transaction to_spend(const Script& challenge, std::string_view message);

// to_sign: spends to_spend's output (nSequence `sequence`), one output of 0 to OP_RETURN.
Transaction to_sign(const Transaction& to_spend_tx, int32_t version = 0, uint32_t locktime = 0, uint32_t sequence = 0);

enum class Format { kSimple, kFull, kProofOfFunds };
const char* format_name(Format f);  // "simple", "full", "proof of funds"

// "smp" + base64 of the witness stack; "ful" + base64 of the signed to_sign.
std::string encode_simple(const Witness& witness);
std::string encode_full(const Transaction& signed_to_sign);

enum class State { kValid, kInconclusive, kInvalid };

struct Result {
    State state = State::kInvalid;
    Format format = Format::kSimple;
    std::string error;         // why it is invalid or inconclusive; contains Core-style words
                               // ("error decoding signature as base64", "invalid signature", ...)
    uint32_t locktime = 0;     // T
    uint32_t sequence = 0;     // S
    Amount proven_amount = 0;  // proof of funds: the value of the additional inputs
};

// Verifies `signature` (any of the three formats) over `message` for `challenge`, the
// scriptPubKey of the address. Never throws.
Result verify(const Script& challenge, std::string_view signature, std::string_view message);

}  // namespace minicash::bip322
