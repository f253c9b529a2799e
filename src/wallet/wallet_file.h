// The encrypted wallet container: one file per wallet.
//
// Layout (all integers little-endian):
//   header  "MCWALLET" | version u32 (=1) | kdf u8 (1 = scrypt) | log2(N) u8 | r u32 | p u32
//           | salt[16] | key check[16] | nonce[12] | ciphertext length u64 | header checksum[4]
//   body    AES-256-GCM ciphertext of the serialized state | tag[16]
// The header (everything before the ciphertext) is the GCM additional data, so no header
// byte can change unnoticed. scrypt(passphrase, salt) gives 64 bytes: the AES key and a
// check key; "key check" is the first 16 bytes of HMAC-SHA512(check key, "MCWALLET
// key check"). The header checksum (first 4 bytes of SHA256d of the header before it)
// tells a damaged header from a wrong passphrase.
//
// INVARIANT: a file is only ever replaced by write_file_atomic (util/atomic_file.h with
// mode 0600: temp file in the same directory, fsync, rename, fsync of the directory), so a crash leaves either
// the old or the new file. Nothing here ever writes to a file it failed to open.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash::wallet {

struct OpenResult;

struct KdfParams {
    uint8_t log2_n = 15;  // scrypt N = 2^15
    uint32_t r = 8;
    uint32_t p = 1;
};

// The key derived from a passphrase, kept so that later saves need no new scrypt run.
// Wiped on destruction.
class WalletKey {
public:
    WalletKey() = default;
    WalletKey(const WalletKey&) = default;
    WalletKey& operator=(const WalletKey&) = default;
    ~WalletKey();

    // scrypt(passphrase, salt, params). nullopt when OpenSSL refuses the parameters or
    // they need more than 1 GiB (128 * r * N bytes; the defaults use 32 MiB).
    [[nodiscard]] static std::optional<WalletKey> derive(std::string_view passphrase, const KdfParams& params,
                                                         const std::array<uint8_t, 16>& salt);
    // A fresh random salt and the derived key.
    [[nodiscard]] static std::optional<WalletKey> create(std::string_view passphrase, const KdfParams& params = {});

    const KdfParams& params() const { return params_; }
    const std::array<uint8_t, 16>& salt() const { return salt_; }

private:
    friend Bytes seal_wallet(const WalletKey& key, ByteView plaintext);
    friend OpenResult open_wallet(ByteView file, std::string_view passphrase);
    KdfParams params_;
    std::array<uint8_t, 16> salt_{};
    std::array<uint8_t, 32> aes_key_{};
    std::array<uint8_t, 16> check_{};
};

enum class OpenError { NONE, WRONG_PASSPHRASE, CORRUPTED };

struct OpenResult {
    OpenError error = OpenError::NONE;
    std::string message;  // "wrong passphrase" or "wallet file is corrupted: <why>"
    Bytes plaintext;      // the state (caller wipes it after parsing)
    WalletKey key;        // for re-sealing with the same passphrase
};

// The file bytes for `plaintext` under `key` (fresh random nonce every call).
Bytes seal_wallet(const WalletKey& key, ByteView plaintext);
// Checks and decrypts file bytes. Never modifies anything.
[[nodiscard]] OpenResult open_wallet(ByteView file, std::string_view passphrase);
// True when `file` starts with the wallet magic.
bool looks_like_wallet_file(ByteView file);

// Reads a whole file. nullopt (and `*error`) when it cannot be read.
[[nodiscard]] std::optional<Bytes> read_file(const std::filesystem::path& path, std::string* error);
// The wallet's file writes: util/atomic_file.h with mode 0600 (keys live in these files).
// Replaces (or creates) `path` atomically with `data`, the new file with `mode` (an
// existing wallet file keeps the mode its owner gave it). False with `*error`.
[[nodiscard]] bool write_file_atomic(const std::filesystem::path& path, ByteView data, std::string* error,
                                     mode_t mode = 0600);
// Creates `path` with `data`, mode 0600, refusing to overwrite an existing file.
[[nodiscard]] bool write_file_exclusive(const std::filesystem::path& path, ByteView data, std::string* error);

}  // namespace minicash::wallet
