#include "wallet/wallet_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <boost/json.hpp>

namespace minicash::wallet {

namespace fs = std::filesystem;
namespace json = boost::json;

WalletFileLock::WalletFileLock(const fs::path& wallet) {
    const fs::path lock = wallet.string() + ".lock";
    fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw WalletStoreError("cannot create the lock file " + lock.string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw WalletStoreError("the wallet " + wallet.string() + " is in use by another process");
    }
}

WalletFileLock::~WalletFileLock() {
    if (fd_ >= 0) ::close(fd_);
}

Bytes read_wallet_file(const fs::path& path) {
    std::string why;
    auto bytes = read_file(path, &why);
    if (!bytes) throw WalletStoreError(why);
    if (!looks_like_wallet_file(*bytes))
        throw WalletStoreError("wallet file is corrupted: " + path.string() + " is not a minicash wallet file",
                               WalletStoreError::Kind::kCorrupted);
    return std::move(*bytes);
}

UnsealedWallet unseal_wallet(ByteView file, std::string_view passphrase) {
    OpenResult r = open_wallet(file, passphrase);
    if (r.error == OpenError::WRONG_PASSPHRASE)
        throw WalletStoreError(r.message, WalletStoreError::Kind::kWrongPassphrase);
    if (r.error == OpenError::CORRUPTED) throw WalletStoreError(r.message, WalletStoreError::Kind::kCorrupted);
    boost::system::error_code ec;
    json::value doc =
        json::parse(std::string_view(reinterpret_cast<const char*>(r.plaintext.data()), r.plaintext.size()), ec);
    OPENSSL_cleanse(r.plaintext.data(), r.plaintext.size());
    if (ec)
        throw WalletStoreError("wallet file is corrupted: the decrypted state is not JSON",
                               WalletStoreError::Kind::kCorrupted);
    std::string why;
    auto state = WalletState::from_json(doc, &why);
    if (!state) throw WalletStoreError("wallet file is corrupted: " + why, WalletStoreError::Kind::kCorrupted);
    return UnsealedWallet{std::move(*state), r.key};
}

namespace {

Bytes seal_state(const WalletKey& key, const WalletState& state) {
    std::string text = json::serialize(state.to_json());
    Bytes plain(text.begin(), text.end());
    OPENSSL_cleanse(text.data(), text.size());
    Bytes sealed = seal_wallet(key, plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    return sealed;
}

}  // namespace

void save_wallet(const fs::path& path, const WalletKey& key, const WalletState& state) {
    std::string why;
    if (!write_file_atomic(path, seal_state(key, state), &why)) throw WalletStoreError(why);
}

void prepare_new_wallet_path(const fs::path& path) {
    if (fs::exists(path)) throw WalletStoreError(path.string() + " already exists; refusing to overwrite it");
    std::error_code ec;
    if (!path.parent_path().empty() && !fs::exists(path.parent_path())) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw WalletStoreError("cannot create " + path.parent_path().string() + ": " + ec.message());
        fs::permissions(path.parent_path(), fs::perms::owner_all, ec);
    }
}

void create_wallet_file(const fs::path& path, const WalletKey& key, const WalletState& state) {
    std::string why;
    if (!write_file_exclusive(path, seal_state(key, state), &why)) throw WalletStoreError(why);
}

}  // namespace minicash::wallet
