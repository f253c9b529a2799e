// The client side of a SOCKS5 CONNECT (RFC 1928), with RFC 1929 username/password
// authentication, as Core speaks it: the destination is always sent as a domain name
// (the text of an IP address, a .onion name or a host name, at most 255 bytes), so the
// proxy (Tor, or any SOCKS5 server) resolves names and reaches onion services.
//
// Socks5Client is a pure state machine: start() gives the greeting, then each receive()
// takes exactly the bytes the previous step asked for and gives what to send next.
// Connman pumps it over a socket with a timeout (20 s per read, as Core); tests feed it
// scripted or garbage replies. Any deviation from the protocol fails the handshake with
// a reason; nothing a proxy sends is buffered beyond the step's fixed small size.
//
// Thread rules: none (a value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/bytes.h"

namespace minicash::net {

struct ProxyCredentials {
    std::string username, password;  // each at most 255 bytes
};

// Core's wording for a SOCKS5 reply code ("general failure", "connection refused", Tor's
// onion-service codes, "unknown (0xNN)").
std::string socks5_reply_name(uint8_t code);

class Socks5Client {
public:
    struct Step {
        Bytes send;       // bytes to write now (may be empty)
        size_t need = 0;  // bytes to read next; 0 when finished
    };

    Socks5Client(std::string destination, uint16_t port, std::optional<ProxyCredentials> auth);

    Step start();
    // REQUIRES: data.size() == the previous step's need, and !finished().
    Step receive(ByteView data);

    bool finished() const { return state_ == State::DONE || state_ == State::FAILED; }
    bool succeeded() const { return state_ == State::DONE; }
    const std::string& error() const { return error_; }

private:
    enum class State { INIT, METHOD, AUTH, REPLY, BOUND_ADDRESS_LENGTH, BOUND_ADDRESS, DONE, FAILED };
    Step fail(std::string why);
    Step connect_request();

    std::string destination_;
    uint16_t port_;
    std::optional<ProxyCredentials> auth_;
    State state_ = State::INIT;
    std::string error_;
};

}  // namespace minicash::net
