#include "wallet/wallet_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "util/atomic_file.h"
#include "util/hash.h"

namespace minicash::wallet {

namespace {

constexpr char kMagic[8] = {'M', 'C', 'W', 'A', 'L', 'L', 'E', 'T'};
constexpr uint32_t kVersion = 1;
constexpr uint8_t kKdfScrypt = 1;
// magic 8 + version 4 + kdf 1 + log2n 1 + r 4 + p 4 + salt 16 + check 16 + nonce 12 + len 8
constexpr size_t kHeaderBody = 8 + 4 + 1 + 1 + 4 + 4 + 16 + 16 + 12 + 8;
constexpr size_t kHeaderSize = kHeaderBody + 4;
constexpr size_t kTagSize = 16;
constexpr size_t kNonceOffset = 8 + 4 + 1 + 1 + 4 + 4 + 16 + 16;
// The state is small; anything claiming more than this is damage, not a wallet.
constexpr uint64_t kMaxCiphertext = uint64_t(1) << 32;
// 32 times what the default parameters (N = 2^15, r = 8) use.
constexpr uint64_t kMaxScryptMemory = uint64_t(1) << 30;

std::array<uint8_t, 16> key_check(ByteView check_key) {
    static const char kLabel[] = "MCWALLET key check";
    const Hash512 mac = hmac_sha512(check_key, ByteView(reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1));
    std::array<uint8_t, 16> out{};
    std::memcpy(out.data(), mac.data(), out.size());
    return out;
}

struct CipherCtx {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

WalletKey::~WalletKey() {
    OPENSSL_cleanse(aes_key_.data(), aes_key_.size());
    OPENSSL_cleanse(check_.data(), check_.size());
}

std::optional<WalletKey> WalletKey::derive(std::string_view passphrase, const KdfParams& params,
                                           const std::array<uint8_t, 16>& salt) {
    if (params.log2_n < 1 || params.log2_n > 24 || params.r == 0 || params.p == 0 || params.r > 64 || params.p > 16)
        return std::nullopt;
    std::array<uint8_t, 64> out{};
    const uint64_t n = uint64_t(1) << params.log2_n;
    // The parameters come from the file: bound scrypt's memory (128 * r * N bytes) so
    // that a header cannot make us allocate gigabytes and compute for minutes.
    if (128 * uint64_t(params.r) * n > kMaxScryptMemory) return std::nullopt;
    const uint64_t maxmem = 128 * uint64_t(params.r) * (n + params.p + 2) + (uint64_t(1) << 20);
    if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), n, params.r, params.p, maxmem,
                       out.data(), out.size()) != 1)
        return std::nullopt;
    WalletKey k;
    k.params_ = params;
    k.salt_ = salt;
    std::memcpy(k.aes_key_.data(), out.data(), 32);
    k.check_ = key_check(ByteView(out.data() + 32, 32));
    OPENSSL_cleanse(out.data(), out.size());
    return k;
}

std::optional<WalletKey> WalletKey::create(std::string_view passphrase, const KdfParams& params) {
    std::array<uint8_t, 16> salt{};
    if (RAND_bytes(salt.data(), int(salt.size())) != 1) return std::nullopt;
    return derive(passphrase, params, salt);
}

Bytes seal_wallet(const WalletKey& key, ByteView plaintext) {
    std::array<uint8_t, 12> nonce{};
    if (RAND_bytes(nonce.data(), int(nonce.size())) != 1) throw std::runtime_error("no randomness for the nonce");
    // Built in a fixed array: GCC 12 misreads appends of small arrays to a vector.
    std::array<uint8_t, kHeaderSize> h{};
    std::memcpy(h.data(), kMagic, 8);
    write_le32(h.data() + 8, kVersion);
    h[12] = kKdfScrypt;
    h[13] = key.params_.log2_n;
    write_le32(h.data() + 14, key.params_.r);
    write_le32(h.data() + 18, key.params_.p);
    std::memcpy(h.data() + 22, key.salt_.data(), 16);
    std::memcpy(h.data() + 38, key.check_.data(), 16);
    std::memcpy(h.data() + kNonceOffset, nonce.data(), 12);
    write_le64(h.data() + kNonceOffset + 12, plaintext.size());
    const uint256 sum = sha256d(ByteView(h.data(), kHeaderBody));
    std::memcpy(h.data() + kHeaderBody, sum.data(), 4);
    Bytes out(h.begin(), h.end());

    CipherCtx c;
    int len = 0;
    const size_t header_end = out.size();
    out.resize(header_end + plaintext.size() + kTagSize);
    if (!c.ctx || EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
        EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, key.aes_key_.data(), nonce.data()) != 1 ||
        EVP_EncryptUpdate(c.ctx, nullptr, &len, out.data(), int(header_end)) != 1 ||
        EVP_EncryptUpdate(c.ctx, out.data() + header_end, &len, plaintext.data(), int(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(c.ctx, out.data() + header_end + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, int(kTagSize), out.data() + header_end + plaintext.size()) !=
            1)
        throw std::runtime_error("AES-256-GCM encryption failed");
    return out;
}

bool looks_like_wallet_file(ByteView file) { return file.size() >= 8 && std::memcmp(file.data(), kMagic, 8) == 0; }

OpenResult open_wallet(ByteView file, std::string_view passphrase) {
    OpenResult r;
    auto corrupted = [&](const std::string& why) {
        r.error = OpenError::CORRUPTED;
        r.message = "wallet file is corrupted: " + why;
        return r;
    };
    if (!looks_like_wallet_file(file)) return corrupted("not a minicash wallet file (bad magic)");
    if (file.size() < kHeaderSize + kTagSize) return corrupted("file is truncated");
    const uint256 sum = sha256d(ByteView(file.data(), kHeaderBody));
    if (std::memcmp(sum.data(), file.data() + kHeaderBody, 4) != 0) return corrupted("header checksum mismatch");
    const uint32_t version = read_le32(file.data() + 8);
    if (version != kVersion) return corrupted("unsupported version " + std::to_string(version));
    if (file[12] != kKdfScrypt) return corrupted("unknown key derivation function");
    KdfParams params;
    params.log2_n = file[13];
    params.r = read_le32(file.data() + 14);
    params.p = read_le32(file.data() + 18);
    std::array<uint8_t, 16> salt{}, check{};
    std::memcpy(salt.data(), file.data() + 22, 16);
    std::memcpy(check.data(), file.data() + 38, 16);
    const uint8_t* nonce = file.data() + kNonceOffset;
    const uint64_t clen = read_le64(file.data() + kNonceOffset + 12);
    if (clen > kMaxCiphertext || file.size() != kHeaderSize + clen + kTagSize)
        return corrupted(file.size() < kHeaderSize + clen + kTagSize ? "file is truncated" : "unexpected length");

    std::optional<WalletKey> key = WalletKey::derive(passphrase, params, salt);
    if (!key) return corrupted("invalid key derivation parameters");
    if (CRYPTO_memcmp(key->check_.data(), check.data(), check.size()) != 0) {
        r.error = OpenError::WRONG_PASSPHRASE;
        r.message = "wrong passphrase";
        return r;
    }
    CipherCtx c;
    int len = 0;
    r.plaintext.resize(clen);
    Bytes tag(file.end() - kTagSize, file.end());
    bool ok = c.ctx && EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
              EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, key->aes_key_.data(), nonce) == 1 &&
              EVP_DecryptUpdate(c.ctx, nullptr, &len, file.data(), int(kHeaderSize)) == 1 &&
              EVP_DecryptUpdate(c.ctx, r.plaintext.data(), &len, file.data() + kHeaderSize, int(clen)) == 1 &&
              EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, int(kTagSize), tag.data()) == 1;
    int final_len = 0;
    ok = ok && EVP_DecryptFinal_ex(c.ctx, r.plaintext.data() + len, &final_len) == 1;
    if (!ok) {
        OPENSSL_cleanse(r.plaintext.data(), r.plaintext.size());
        r.plaintext.clear();
        return corrupted("authentication tag mismatch (the encrypted data was modified)");
    }
    r.key = *key;
    return r;
}

std::optional<Bytes> read_file(const std::filesystem::path& path, std::string* error) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) {
        if (error) *error = "cannot open " + path.string() + ": " + errno_text();
        return std::nullopt;
    }
    Bytes data;
    uint8_t buf[65536];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (error) *error = "cannot read " + path.string() + ": " + errno_text();
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        data.insert(data.end(), buf, buf + n);
    }
    ::close(fd);
    return data;
}

bool write_file_atomic(const std::filesystem::path& path, ByteView data, std::string* error, mode_t mode) {
    return write_file_atomically(path, data, error, mode);
}

bool write_file_exclusive(const std::filesystem::path& path, ByteView data, std::string* error) {
    return create_file_exclusively(path, data, error, 0600);
}

}  // namespace minicash::wallet
