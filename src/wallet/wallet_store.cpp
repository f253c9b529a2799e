#include "wallet/wallet_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>

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

namespace {

std::string mode_text(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode);
    return text;
}

fs::path directory_of(const fs::path& path) { return path.parent_path().empty() ? fs::path(".") : path.parent_path(); }

}  // namespace

std::optional<unsigned> wallet_file_mode(const fs::path& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return unsigned(st.st_mode & 07777);
}

bool wallet_file_writable(const fs::path& path, std::string* why) {
    const fs::path dir = directory_of(path);
    if (auto mode = wallet_file_mode(path); mode && !(*mode & S_IWUSR)) {
        if (why) *why = "the file's mode is " + mode_text(*mode);
        return false;
    }
    struct statvfs vfs;
    if (::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
        if (why) *why = "its directory is on a read-only filesystem";
        return false;
    }
    if (::access(dir.c_str(), W_OK) != 0) {
        if (why) *why = "its directory is not writable";
        return false;
    }
    return true;
}

std::vector<fs::path> remove_stale_temporary_files(const fs::path& path) {
    // util/atomic_file.cpp names them "." + file name + ".tmp-" + six characters.
    const std::string prefix = "." + path.filename().string() + ".tmp-";
    std::vector<fs::path> removed;
    std::error_code ec;
    for (fs::directory_iterator it(directory_of(path), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
        std::error_code rm;
        if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) removed.push_back(it->path());
    }
    return removed;
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
    const mode_t mode = mode_t(wallet_file_mode(path).value_or(0600));  // the owner's choice stays
    if (!write_file_atomic(path, seal_state(key, state), &why, mode)) throw WalletStoreError(why);
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
