// One side of a BIP324 v2 connection as a byte-in/byte-out state machine, without a
// socket (V2Transport runs it over one; tests and the fuzzer feed it bytes directly).
//
// Handshake: each side sends its 64-byte ElligatorSwift public key and 0..4095 bytes of
// garbage (hello()); once it has the other's key it derives the session keys and sends
// its garbage terminator and its version packet (authenticated with its garbage as AAD).
// On the receiving side, the other's garbage ends at its garbage terminator (searched in
// at most 4095 + 16 bytes); the first packet after it is authenticated with that garbage
// as AAD. Packets with the ignore bit (decoys) are authenticated and dropped, before or
// after the version packet; the version packet's contents are ignored (future
// extensions). After it, each packet carries one message: a short message id (BIP324's
// table, 1..28) or 0 and the 12-byte command, then the payload. Unknown short ids are
// dropped, as Core does.
//
// Rules (a violation makes receive() fail; the connection must be dropped): no
// terminator within 4095 bytes of garbage, a packet that does not authenticate, contents
// longer than a 4,000,000-byte message with its command, a malformed command. Memory
// grows only with received bytes: 64 + 4,111 during the handshake, one packet after.
//
// Rekeying happens inside the ciphers (fschacha20.h), every 224 packets each way.
//
// Thread rules: one thread at a time (the owner's).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/key.h"
#include "net/protocol.h"
#include "net/v2_cipher.h"
#include "net/v2_keys.h"

namespace minicash::net {

class V2Session {
public:
    static constexpr size_t kMaxGarbage = 4095;
    static constexpr size_t kMaxContents = 1 + kCommandSize + kMaxMessageSize;

    // `ours` is `key`'s ElligatorSwift encoding (make_ellswift_pubkey); `garbage` at most
    // kMaxGarbage bytes.
    V2Session(bool initiator, const Magic& magic, const SecretKey& key, const EllSwiftPubKey& ours, Bytes garbage);
    // A session with a fresh random key, encoding and garbage length (0..4095).
    static std::unique_ptr<V2Session> make_random(bool initiator, const Magic& magic);

    // What to send first: our public key and our garbage.
    Bytes hello() const;
    // Consumes received bytes: appends to `out` what must be sent now (our terminator,
    // version packet and messages queued meanwhile) and to `messages` what arrived.
    // False with `error` when the peer broke the protocol (then nothing more is accepted).
    [[nodiscard]] bool receive(ByteView in, Bytes& out, std::vector<Message>& messages, std::string& error);
    // Encrypts a message into `out`, or queues it until the keys exist (then receive()
    // emits it). REQUIRES: command.size() <= 12.
    void send(const std::string& command, ByteView payload, Bytes& out);
    // A decoy packet of `size` contents bytes (the receiver drops it). REQUIRES: keys().
    void send_decoy(size_t size, Bytes& out);

    bool keys() const { return cipher_.has_value(); }          // their key arrived: we can encrypt
    bool established() const { return state_ == State::APP; }  // their version packet arrived
    bool failed() const { return state_ == State::FAILED; }
    bool received_anything() const { return received_any_; }
    // Messages with an unknown short id dropped so far (the transport reports them).
    size_t unknown_ids_dropped() const { return unknown_ids_dropped_; }
    // The session id (getpeerinfo session_id), once keys().
    std::optional<std::array<uint8_t, 32>> session_id() const;

    // BIP324 short message ids: 1..28 for the table's commands, 0 for others.
    static uint8_t short_id(const std::string& command);
    static const char* command_of(uint8_t short_id);  // nullptr when unknown

private:
    enum class State { KEY, GARBAGE, PACKETS, APP, FAILED };
    bool fail(std::string& error, std::string why);
    Bytes encode_contents(const std::string& command, ByteView payload) const;

    const bool initiator_;
    const Magic magic_;
    SecretKey key_;
    EllSwiftPubKey ours_;
    Bytes garbage_;
    State state_ = State::KEY;
    std::optional<V2Cipher> cipher_;
    Bytes buffer_;                                      // received, not yet consumed
    Bytes their_garbage_;                               // AAD of their first packet
    bool first_packet_ = true;                          // next packet received is their first
    std::optional<uint32_t> packet_length_;             // decrypted length of the packet being read
    std::deque<std::pair<std::string, Bytes>> queued_;  // messages sent before keys()
    bool received_any_ = false;
    size_t unknown_ids_dropped_ = 0;
};

// The first 16 bytes of a v1 version message on this network (magic, "version", NUL
// padding): what an inbound v1 peer starts with, and what an initiator's key never does.
Bytes v1_version_prefix(const Magic& magic);

}  // namespace minicash::net
