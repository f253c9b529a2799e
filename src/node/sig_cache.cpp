#include "node/sig_cache.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "util/hash.h"

namespace minicash {

SignatureCache::SignatureCache(size_t max_entries) : slots_(std::max<size_t>(max_entries, 1)) {
    uint8_t seed[8];
    if (RAND_bytes(salt_.data(), int(uint256::kSize)) != 1 || RAND_bytes(seed, sizeof(seed)) != 1)
        throw std::runtime_error("SignatureCache: OpenSSL RAND_bytes failed");
    rng_state_ = read_le64(seed);
}

uint256 SignatureCache::entry_key(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig) const {
    HashWriter w;
    w.reserve(32 + 1 + 32 + 1 + pubkey.size() + 1 + sig.size());
    w.write_hash(salt_);
    w.write_u8(uint8_t(kind));
    w.write_hash(sighash);
    w.write_var_bytes(pubkey);  // length prefixes keep (pubkey, sig) splits distinct
    w.write_var_bytes(sig);
    uint256 key = w.sha256();
    // Zero marks an empty slot; a real SHA-256 output of zero will not occur, but keep
    // the invariant unconditional.
    if (key.is_null()) key.data()[0] = 1;
    return key;
}

size_t SignatureCache::home_slot(const uint256& key) const {
    // The key is a salted hash, so any 64 bits of it are uniform.
    return size_t(key.low64() % slots_.size());
}

uint64_t SignatureCache::next_random() {
    // splitmix64: only used to pick a victim slot, not for anything secret.
    uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

bool SignatureCache::contains(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig) const {
    const uint256 key = entry_key(kind, sighash, pubkey, sig);
    std::shared_lock lock(mutex_);
    const size_t probe = std::min(kProbe, slots_.size());
    const size_t home = home_slot(key);
    for (size_t i = 0; i < probe; ++i) {
        if (slots_[(home + i) % slots_.size()] == key) return true;
    }
    return false;
}

void SignatureCache::insert(Kind kind, const uint256& sighash, ByteView pubkey, ByteView sig) {
    const uint256 key = entry_key(kind, sighash, pubkey, sig);
    std::unique_lock lock(mutex_);
    const size_t probe = std::min(kProbe, slots_.size());
    const size_t home = home_slot(key);
    size_t empty = slots_.size();
    for (size_t i = 0; i < probe; ++i) {
        const size_t s = (home + i) % slots_.size();
        if (slots_[s] == key) return;  // already present
        if (empty == slots_.size() && slots_[s].is_null()) empty = s;
    }
    if (empty != slots_.size()) {
        slots_[empty] = key;
        ++used_;
        return;
    }
    // Every candidate slot is taken: replace a random one (size stays the same).
    slots_[(home + next_random() % probe) % slots_.size()] = key;
}

size_t SignatureCache::size() const {
    std::shared_lock lock(mutex_);
    return used_;
}

bool CachingTransactionSignatureChecker::verify_ecdsa_hash(ByteView der_sig, ByteView pubkey,
                                                           const uint256& sighash) const {
    using Kind = SignatureCache::Kind;
    if (cache_.contains(Kind::ECDSA, sighash, pubkey, der_sig)) return true;
    if (!TransactionSignatureChecker::verify_ecdsa_hash(der_sig, pubkey, sighash)) return false;
    if (store_) cache_.insert(Kind::ECDSA, sighash, pubkey, der_sig);
    return true;
}

bool CachingTransactionSignatureChecker::verify_schnorr_hash(ByteView sig64, ByteView pubkey_xonly,
                                                             const uint256& sighash) const {
    using Kind = SignatureCache::Kind;
    if (cache_.contains(Kind::SCHNORR, sighash, pubkey_xonly, sig64)) return true;
    if (!TransactionSignatureChecker::verify_schnorr_hash(sig64, pubkey_xonly, sighash)) return false;
    if (store_) cache_.insert(Kind::SCHNORR, sighash, pubkey_xonly, sig64);
    return true;
}

}  // namespace minicash
