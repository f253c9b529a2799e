// A wallet file in use by one process: the lock that keeps a second process out, and
// the state read from and written back to the encrypted file (wallet/wallet_file.h),
// with the messages minicash-wallet shows.
//
// INVARIANT: the state is only ever written whole, sealed under the wallet's key, by
// an atomic replacement (or an exclusive creation), so a crash leaves the old file.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"
#include "wallet/wallet_file.h"
#include "wallet/wallet_state.h"

namespace minicash::wallet {

struct WalletStoreError : std::runtime_error {
    enum class Kind { kFailed, kWrongPassphrase, kCorrupted };
    Kind kind;
    explicit WalletStoreError(const std::string& message, Kind k = Kind::kFailed)
        : std::runtime_error(message), kind(k) {}
};

// An exclusive lock on "<wallet>.lock" (flock), held until destruction. Throws
// WalletStoreError when the lock file cannot be made or another process holds it.
class WalletFileLock {
public:
    explicit WalletFileLock(const std::filesystem::path& wallet);
    ~WalletFileLock();
    WalletFileLock(const WalletFileLock&) = delete;
    WalletFileLock& operator=(const WalletFileLock&) = delete;

private:
    int fd_ = -1;
};

// Whether the wallet file at `path` may be written: its owner-write bit is set, its
// directory is writable and not on a read-only filesystem. When not, `why` says why
// (e.g. "the file's mode is 0400", "the directory is on a read-only filesystem").
bool wallet_file_writable(const std::filesystem::path& path, std::string* why);

// The file's permission bits (e.g. 0600), or nullopt when it cannot be stat'ed.
std::optional<unsigned> wallet_file_mode(const std::filesystem::path& path);

// Removes the temporary files a save interrupted by a crash left beside `path`
// (".<name>.tmp-XXXXXX", util/atomic_file.h). REQUIRES: the wallet's lock is held, so
// no save of another process is under way. Returns the paths removed.
std::vector<std::filesystem::path> remove_stale_temporary_files(const std::filesystem::path& path);

// The bytes of the wallet file at `path`, checked to be a minicash wallet file (so no
// passphrase is asked for a file that is not one). Throws WalletStoreError.
Bytes read_wallet_file(const std::filesystem::path& path);

struct UnsealedWallet {
    WalletState state;
    WalletKey key;  // for saving under the same passphrase
};
// Decrypts and parses the bytes from read_wallet_file. Throws WalletStoreError
// (kWrongPassphrase, kCorrupted). The plaintext is wiped before returning.
UnsealedWallet unseal_wallet(ByteView file, std::string_view passphrase);

// Seals `state` under `key` and replaces the file atomically, keeping the file's mode.
// Throws WalletStoreError.
void save_wallet(const std::filesystem::path& path, const WalletKey& key, const WalletState& state);
// For a new wallet at `path`: refuses when a file is there, creates its directory
// (owner only) when missing. Throws WalletStoreError.
void prepare_new_wallet_path(const std::filesystem::path& path);
// Seals `state` under `key` into a new file; refuses to overwrite an existing file.
// Throws WalletStoreError.
void create_wallet_file(const std::filesystem::path& path, const WalletKey& key, const WalletState& state);

}  // namespace minicash::wallet
