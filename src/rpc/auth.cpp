#include "rpc/auth.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "util/atomic_file.h"
#include "util/hex.h"

namespace minicash::rpc {

std::optional<RpcAuthEntry> parse_rpcauth(const std::string& spec) {
    const size_t colon = spec.find(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    const std::string rest = spec.substr(colon + 1);
    if (rest.find(':') != std::string::npos) return std::nullopt;
    const size_t dollar = rest.find('$');
    if (dollar == std::string::npos || rest.find('$', dollar + 1) != std::string::npos) return std::nullopt;
    RpcAuthEntry e{spec.substr(0, colon), rest.substr(0, dollar), rest.substr(dollar + 1)};
    if (e.salt.empty() || e.hash_hex.size() != 64 || !is_hex(e.hash_hex)) return std::nullopt;
    for (char& c : e.hash_hex) c = char(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

std::string rpcauth_hash(std::string_view salt, std::string_view password) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), salt.data(), int(salt.size()), reinterpret_cast<const unsigned char*>(password.data()),
              password.size(), out, &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return hex_encode(ByteView(out, len));
}

bool timing_safe_equal(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

std::string base64_encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), int(data.size()));
    out.resize(size_t(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0 || text.size() > (1u << 20)) return std::nullopt;
    size_t pad = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alpha =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (c == '=') {
            if (i + 2 < text.size()) return std::nullopt;  // padding only in the last two places
            ++pad;
        } else if (!alpha || pad > 0) {
            return std::nullopt;
        }
    }
    if (text.empty()) return std::string();
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
    if (n < 0 || size_t(n) < pad) return std::nullopt;
    out.resize(size_t(n) - pad);
    return out;
}

void Authenticator::add_user_password(std::string user_colon_password) {
    plain_.push_back(std::move(user_colon_password));
}

void Authenticator::add_rpcauth(RpcAuthEntry entry) { rpcauth_.push_back(std::move(entry)); }

std::optional<std::string> Authenticator::check(std::string_view authorization) const {
    if (!authorization.starts_with("Basic ")) return std::nullopt;
    std::string_view b64 = authorization.substr(6);
    while (!b64.empty() && (b64.front() == ' ' || b64.front() == '\t')) b64.remove_prefix(1);
    while (!b64.empty() && (b64.back() == ' ' || b64.back() == '\t' || b64.back() == '\r')) b64.remove_suffix(1);
    const std::optional<std::string> user_pass = base64_decode(b64);
    if (!user_pass) return std::nullopt;
    const size_t colon = user_pass->find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string user = user_pass->substr(0, colon);
    const std::string_view password = std::string_view(*user_pass).substr(colon + 1);
    bool ok = false;
    for (const std::string& p : plain_) ok |= timing_safe_equal(*user_pass, p);
    for (const RpcAuthEntry& e : rpcauth_) {
        if (!timing_safe_equal(user, e.user)) continue;
        ok |= timing_safe_equal(rpcauth_hash(e.salt, password), e.hash_hex);
    }
    if (!ok) return std::nullopt;
    return user;
}

std::string generate_cookie() {
    unsigned char buf[32];
    if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("RAND_bytes failed");
    return std::string(kCookieUser) + ":" + hex_encode(ByteView(buf, sizeof buf));
}

bool write_cookie_file(const std::filesystem::path& path, const std::string& cookie, std::string* error) {
    return write_file_atomically(path, std::string_view(cookie), error, 0600);
}

std::optional<std::string> read_cookie_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return std::nullopt;
    return line;
}

}  // namespace minicash::rpc
