// Cache of signatures already verified as valid, so that a transaction's scripts are
// checked once: on mempool acceptance, then found again when its block connects.
//
// Only successful verifications are stored: a hit means "this exact (kind, sighash,
// pubkey, signature) verified true before", so the cache can never make an invalid
// signature pass. Entries are salted hashes of those inputs, with a salt drawn from
// OpenSSL's RNG per instance, so peers cannot aim collisions at a node.
//
// Thread-safe: lookups share a std::shared_mutex; inserts take it exclusively.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "consensus/signature_checker.h"
#include "util/uint256.h"

namespace minicash {

class SignatureCache {
public:
    enum class Kind : uint8_t { ECDSA = 1, SCHNORR = 2 };

    // Bytes one entry occupies; a byte budget B holds B / kEntryBytes entries.
    static constexpr size_t kEntryBytes = uint256::kSize;
    static constexpr size_t entries_for_bytes(size_t bytes) { return bytes / kEntryBytes; }

    // Holds at most `max_entries` entries (at least one slot is always allocated).
    // Throws std::runtime_error if OpenSSL cannot provide the random salt.
    explicit SignatureCache(size_t max_entries);

    SignatureCache(const SignatureCache&) = delete;
    SignatureCache& operator=(const SignatureCache&) = delete;

    // True when this exact signature check was inserted before (and not yet evicted).
    bool contains(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig) const;
    // Records a signature check that verified true. REQUIRES: it did verify.
    void insert(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig);

    size_t size() const;  // entries held now, <= capacity()
    size_t capacity() const { return slots_.size(); }

private:
    // Slots form an open-addressed table: an entry lives in one of kProbe consecutive
    // slots starting at a position derived from its (already uniformly random) key. A
    // zero slot is empty. When all kProbe slots are taken, a random one is replaced.
    static constexpr size_t kProbe = 8;

    uint256 entry_key(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig) const;
    size_t home_slot(const uint256& key) const;
    uint64_t next_random();  // REQUIRES: mutex_ held exclusively

    uint256 salt_;
    mutable std::shared_mutex mutex_;
    std::vector<uint256> slots_;  // guarded by mutex_
    size_t used_ = 0;             // guarded by mutex_: non-zero slots
    uint64_t rng_state_ = 0;      // guarded by mutex_: eviction choices
};

// A TransactionSignatureChecker that consults a SignatureCache before doing curve math.
// With `store`, signatures that verify are added to the cache (mempool acceptance);
// without it the cache is only read (block validation of already-seen transactions).
class CachingTransactionSignatureChecker : public TransactionSignatureChecker {
public:
    // REQUIRES: as TransactionSignatureChecker; `cache` outlives the checker.
    CachingTransactionSignatureChecker(const Transaction& tx, unsigned n_in, Amount amount,
                                       const PrecomputedTxData* txdata, SignatureCache& cache, bool store)
        : TransactionSignatureChecker(tx, n_in, amount, txdata), cache_(cache), store_(store) {}

protected:
    [[nodiscard]] bool verify_ecdsa_hash(ByteView der_sig, ByteView pubkey, const uint256& sighash) const override;
    [[nodiscard]] bool verify_schnorr_hash(ByteView sig64, ByteView pubkey_xonly,
                                           const uint256& sighash) const override;

private:
    SignatureCache& cache_;
    const bool store_;
};

}  // namespace minicash
