// Block validity rules that need no coins: context-free checks (CheckBlock) and checks
// against the parent chain (contextual header and block checks), with Core's reasons.
#pragma once

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/validation_state.h"

namespace minicash {

inline constexpr int64_t kMaxFutureBlockTime = 2 * 60 * 60;
inline constexpr int64_t kMaxTimewarp = 600;  // BIP94

// Proof of work of the header alone: "high-hash".
[[nodiscard]] bool check_block_header(const BlockHeader& header, const ConsensusParams& params, ValidationState& state,
                                      bool check_pow = true);

// Context-free checks in Core's order: proof of work, signet solution, merkle root
// (bad-txnmrklroot) and CVE-2012-2459 duplication (bad-txns-duplicate), size
// (bad-blk-length), coinbase placement (bad-cb-missing, bad-cb-multiple), each
// transaction (check_transaction reasons), legacy sigops (bad-blk-sigops).
[[nodiscard]] bool check_block(const Block& block, const ConsensusParams& params, ValidationState& state,
                               bool check_pow = true, bool check_merkle = true);

// Header against its parent: bad-diffbits, time-too-old, time-timewarp-attack (BIP94),
// time-too-new (against `now`, the node's adjusted clock), bad-version(0x%08x).
// `chain` ends at the parent.
[[nodiscard]] bool contextual_check_block_header(const BlockHeader& header, const AncestorView& chain, int64_t now,
                                                 const ConsensusParams& params, ValidationState& state);

// Block against its parent: bad-txns-nonfinal, bad-cb-height, bad-witness-nonce-size,
// bad-witness-merkle-match, unexpected-witness, bad-blk-weight.
[[nodiscard]] bool contextual_check_block(const Block& block, const AncestorView& chain, const ConsensusParams& params,
                                          ValidationState& state);

// Script verification flags for a block at `height` with hash `hash`.
ScriptFlags block_script_flags(int height, const uint256& hash, const ConsensusParams& params);
// Whether BIP68 relative lock times are enforced for a block at `height`.
bool enforce_sequence_locks(int height, const ConsensusParams& params);

// BIP325: verifies the signet block solution in the coinbase's witness commitment
// against the network's challenge.
[[nodiscard]] bool check_signet_block_solution(const Block& block, const ConsensusParams& params);

}  // namespace minicash
