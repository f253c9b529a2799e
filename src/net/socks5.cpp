#include "net/socks5.h"

#include <cstdio>

namespace minicash::net {

namespace {

constexpr uint8_t kVersion = 0x05;
constexpr uint8_t kMethodNoAuth = 0x00;
constexpr uint8_t kMethodUserPass = 0x02;
constexpr uint8_t kAuthVersion = 0x01;
constexpr uint8_t kCommandConnect = 0x01;
constexpr uint8_t kAtypIpv4 = 0x01;
constexpr uint8_t kAtypDomain = 0x03;
constexpr uint8_t kAtypIpv6 = 0x04;

std::string hex2(uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%02x", unsigned(v));
    return buf;
}

}  // namespace

std::string socks5_reply_name(uint8_t code) {
    switch (code) {
    case 0x01: return "general failure";
    case 0x02: return "connection not allowed";
    case 0x03: return "network unreachable";
    case 0x04: return "host unreachable";
    case 0x05: return "connection refused";
    case 0x06: return "TTL expired";
    case 0x07: return "protocol error";
    case 0x08: return "address type not supported";
    case 0xf0: return "onion service descriptor can not be found";
    case 0xf1: return "onion service descriptor is invalid";
    case 0xf2: return "onion service introduction failed";
    case 0xf3: return "onion service rendezvous failed";
    case 0xf4: return "onion service missing client authorization";
    case 0xf5: return "onion service wrong client authorization";
    case 0xf6: return "onion service invalid address";
    case 0xf7: return "onion service introduction timed out";
    }
    return "unknown (0x" + hex2(code) + ")";
}

Socks5Client::Socks5Client(std::string destination, uint16_t port, std::optional<ProxyCredentials> auth)
    : destination_(std::move(destination)), port_(port), auth_(std::move(auth)) {}

Socks5Client::Step Socks5Client::fail(std::string why) {
    state_ = State::FAILED;
    error_ = std::move(why);
    return Step{};
}

Socks5Client::Step Socks5Client::start() {
    if (state_ != State::INIT) return fail("SOCKS5 handshake started twice");
    if (destination_.empty() || destination_.size() > 255) return fail("Hostname too long");
    if (auth_ && (auth_->username.size() > 255 || auth_->password.size() > 255))
        return fail("Proxy username or password too long");
    Step s;
    if (auth_) s.send = {kVersion, 0x02, kMethodNoAuth, kMethodUserPass};
    else s.send = {kVersion, 0x01, kMethodNoAuth};
    s.need = 2;
    state_ = State::METHOD;
    return s;
}

Socks5Client::Step Socks5Client::connect_request() {
    Step s;
    s.send = {kVersion, kCommandConnect, 0x00, kAtypDomain, uint8_t(destination_.size())};
    s.send.insert(s.send.end(), destination_.begin(), destination_.end());
    s.send.push_back(uint8_t(port_ >> 8));
    s.send.push_back(uint8_t(port_));
    s.need = 4;
    state_ = State::REPLY;
    return s;
}

Socks5Client::Step Socks5Client::receive(ByteView data) {
    switch (state_) {
    case State::METHOD: {
        if (data.size() != 2 || data[0] != kVersion) return fail("Proxy failed to initialize");
        if (data[1] == kMethodUserPass && auth_) {
            Step s;
            s.send.push_back(kAuthVersion);
            s.send.push_back(uint8_t(auth_->username.size()));
            s.send.insert(s.send.end(), auth_->username.begin(), auth_->username.end());
            s.send.push_back(uint8_t(auth_->password.size()));
            s.send.insert(s.send.end(), auth_->password.begin(), auth_->password.end());
            s.need = 2;
            state_ = State::AUTH;
            return s;
        }
        if (data[1] == kMethodNoAuth) return connect_request();
        return fail("Proxy requested wrong authentication method " + hex2(data[1]));
    }
    case State::AUTH:
        if (data.size() != 2 || data[0] != kAuthVersion || data[1] != 0x00)
            return fail("Proxy authentication unsuccessful");
        return connect_request();
    case State::REPLY: {
        if (data.size() != 4 || data[0] != kVersion) return fail("Proxy failed to accept request");
        if (data[1] != 0x00)
            return fail("connect to " + destination_ + ":" + std::to_string(port_) +
                        " failed: " + socks5_reply_name(data[1]));
        if (data[2] != 0x00) return fail("malformed proxy response");
        Step s;
        switch (data[3]) {
        case kAtypIpv4: s.need = 4 + 2; break;
        case kAtypIpv6: s.need = 16 + 2; break;
        case kAtypDomain:
            s.need = 1;
            state_ = State::BOUND_ADDRESS_LENGTH;
            return s;
        default: return fail("malformed proxy response");
        }
        state_ = State::BOUND_ADDRESS;
        return s;
    }
    case State::BOUND_ADDRESS_LENGTH: {
        if (data.size() != 1) return fail("Error reading from proxy");
        Step s;
        s.need = size_t(data[0]) + 2;
        state_ = State::BOUND_ADDRESS;
        return s;
    }
    case State::BOUND_ADDRESS: state_ = State::DONE; return Step{};
    case State::INIT:
    case State::DONE:
    case State::FAILED: break;
    }
    return fail("SOCKS5 handshake used out of order");
}

}  // namespace minicash::net
