// Recognizing Miniscript (BIP379) in a script, as Bitcoin Core's finalizepsbt does: so
// that a PSBT's witness script or tapscript leaf can be satisfied without the descriptor
// it came from.
//
// The script is read from its end (every fragment and wrapper ends in a distinct opcode
// pattern), written out as a Miniscript expression with its keys as "k0", "k1", ..., and
// accepted only when that expression type-checks in `ctx` and gives back exactly the
// same script.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "common/miniscript.h"
#include "consensus/script.h"
#include "util/bytes.h"

namespace minicash::miniscript {

struct DecodedScript {
    NodeRef node;
    std::vector<Bytes> keys;  // key index -> the key as pushed (33 bytes, or 32 in tapscript)
};

// The public key (33 bytes) whose HASH160 is `hash`, for pk_h / pkh fragments (the script
// holds only the hash; a PSBT's signatures and derivations name the key).
using KeyForHash = std::function<std::optional<Bytes>(ByteView hash)>;

// nullopt when `script` is not the script of a Miniscript expression of type B (or uses
// pk_h of a key `key_for_hash` does not know).
std::optional<DecodedScript> from_script(const Script& script, Context ctx, const KeyForHash& key_for_hash = {});

}  // namespace minicash::miniscript
