// RPC authentication as Bitcoin Core does it: HTTP Basic credentials checked against
// the cookie (<netdir>/.cookie, "__cookie__:<64 hex>"), -rpcuser/-rpcpassword, or
// -rpcauth=user:salt$hash entries where hash = hex(HMAC-SHA256(key=salt, msg=password)).
//
// Secrets never appear in error strings or logs produced here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minicash::rpc {

inline constexpr const char* kCookieUser = "__cookie__";

struct RpcAuthEntry {
    std::string user;
    std::string salt;
    std::string hash_hex;  // lower-case hex, 64 digits
};

// Parses "user:salt$hash" (Core's -rpcauth). nullopt when malformed.
[[nodiscard]] std::optional<RpcAuthEntry> parse_rpcauth(const std::string& spec);
// hex(HMAC-SHA256(key=salt, message=password)), as share/rpcauth/rpcauth.py prints.
std::string rpcauth_hash(std::string_view salt, std::string_view password);

// Constant-time comparison (time depends on the lengths only).
bool timing_safe_equal(std::string_view a, std::string_view b);

std::string base64_encode(std::string_view data);
// Strict standard alphabet with padding; nullopt on anything else.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

class Authenticator {
public:
    // "user:password" accepted as is (cookie or -rpcuser/-rpcpassword). Several allowed.
    void add_user_password(std::string user_colon_password);
    void add_rpcauth(RpcAuthEntry entry);
    bool empty() const { return plain_.empty() && rpcauth_.empty(); }

    // Checks an Authorization header value ("Basic <base64(user:pass)>"). Returns the
    // user name on success.
    [[nodiscard]] std::optional<std::string> check(std::string_view authorization) const;

private:
    std::vector<std::string> plain_;
    std::vector<RpcAuthEntry> rpcauth_;
};

// "__cookie__:" + 64 hex digits from 32 random bytes (OpenSSL's RAND_bytes).
std::string generate_cookie();
// Writes the cookie with mode 0600 through a temporary file and a rename. False with
// `error` set on failure (the message names the file, never its content).
[[nodiscard]] bool write_cookie_file(const std::filesystem::path& path, const std::string& cookie, std::string* error);
// The first line of a cookie file ("user:password"); nullopt when unreadable.
[[nodiscard]] std::optional<std::string> read_cookie_file(const std::filesystem::path& path);

}  // namespace minicash::rpc
