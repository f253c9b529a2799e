#include "net/v2_session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace minicash::net {

namespace {

// BIP324's short message ids, index = id.
constexpr const char* kShortIds[] = {
    nullptr,        "addr",      "block",        "blocktxn",  "cmpctblock", "feefilter", "filteradd",   "filterclear",
    "filterload",   "getblocks", "getblocktxn",  "getdata",   "getheaders", "headers",   "inv",         "mempool",
    "merkleblock",  "notfound",  "ping",         "pong",      "sendcmpct",  "tx",        "getcfilters", "cfilter",
    "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt", "addrv2",
};
constexpr size_t kShortIdCount = sizeof(kShortIds) / sizeof(kShortIds[0]);

bool valid_command(const uint8_t* p) {
    size_t len = 0;
    while (len < kCommandSize && p[len] != 0) {
        if (p[len] < 0x20 || p[len] > 0x7e) return false;
        ++len;
    }
    for (size_t i = len; i < kCommandSize; ++i)
        if (p[i] != 0) return false;
    return len > 0;
}

}  // namespace

Bytes v1_version_prefix(const Magic& magic) {
    Bytes out(magic.begin(), magic.end());
    const std::string c = cmd::VERSION;
    for (size_t i = 0; i < kCommandSize; ++i) out.push_back(i < c.size() ? uint8_t(c[i]) : 0);
    return out;
}

uint8_t V2Session::short_id(const std::string& command) {
    for (size_t i = 1; i < kShortIdCount; ++i)
        if (command == kShortIds[i]) return uint8_t(i);
    return 0;
}

const char* V2Session::command_of(uint8_t id) { return id > 0 && id < kShortIdCount ? kShortIds[id] : nullptr; }

V2Session::V2Session(bool initiator, const Magic& magic, const SecretKey& key, const EllSwiftPubKey& ours,
                     Bytes garbage)
    : initiator_(initiator), magic_(magic), key_(key), ours_(ours), garbage_(std::move(garbage)) {
    if (garbage_.size() > kMaxGarbage) garbage_.resize(kMaxGarbage);
}

std::unique_ptr<V2Session> V2Session::make_random(bool initiator, const Magic& magic) {
    for (;;) {
        std::array<uint8_t, 32> secret{}, rnd{};
        uint8_t len[2];
        if (RAND_bytes(secret.data(), 32) != 1 || RAND_bytes(rnd.data(), 32) != 1 || RAND_bytes(len, 2) != 1)
            throw std::runtime_error("RAND_bytes failed");
        SecretKey key{std::span<const uint8_t, 32>(secret)};
        auto ours = make_ellswift_pubkey(key, rnd);
        if (!ours) continue;  // (probability 2^-128) an invalid secret
        // (probability 2^-128) a key the responder would take for a v1 version message
        const Bytes v1 = v1_version_prefix(magic);
        if (initiator && std::equal(v1.begin(), v1.end(), ours->begin())) continue;
        Bytes garbage(size_t((len[0] | (len[1] << 8)) % (kMaxGarbage + 1)));
        if (!garbage.empty() && RAND_bytes(garbage.data(), int(garbage.size())) != 1)
            throw std::runtime_error("RAND_bytes failed");
        return std::make_unique<V2Session>(initiator, magic, key, *ours, std::move(garbage));
    }
}

Bytes V2Session::hello() const {
    Bytes out(ours_.begin(), ours_.end());
    out.insert(out.end(), garbage_.begin(), garbage_.end());
    return out;
}

std::optional<std::array<uint8_t, 32>> V2Session::session_id() const {
    if (!cipher_) return std::nullopt;
    return cipher_->session_id();
}

bool V2Session::fail(std::string& error, std::string why) {
    state_ = State::FAILED;
    buffer_.clear();
    error = std::move(why);
    return false;
}

Bytes V2Session::encode_contents(const std::string& command, ByteView payload) const {
    Bytes contents;
    const uint8_t id = short_id(command);
    if (id != 0) {
        contents.reserve(1 + payload.size());
        contents.push_back(id);
    } else {
        contents.reserve(1 + kCommandSize + payload.size());
        contents.push_back(0);
        for (size_t i = 0; i < kCommandSize; ++i) contents.push_back(i < command.size() ? uint8_t(command[i]) : 0);
    }
    contents.insert(contents.end(), payload.begin(), payload.end());
    return contents;
}

void V2Session::send(const std::string& command, ByteView payload, Bytes& out) {
    if (!cipher_) {
        queued_.emplace_back(command, Bytes(payload.begin(), payload.end()));
        return;
    }
    const Bytes packet = cipher_->encrypt(encode_contents(command, payload));
    out.insert(out.end(), packet.begin(), packet.end());
}

void V2Session::send_decoy(size_t size, Bytes& out) {
    const Bytes packet = cipher_->encrypt(Bytes(size, 0), {}, true);
    out.insert(out.end(), packet.begin(), packet.end());
}

bool V2Session::receive(ByteView in, Bytes& out, std::vector<Message>& messages, std::string& error) {
    if (state_ == State::FAILED) return fail(error, "v2 session already failed");
    if (!in.empty()) received_any_ = true;
    buffer_.insert(buffer_.end(), in.begin(), in.end());
    size_t pos = 0;  // consumed from buffer_
    auto consume_done = [&] {
        buffer_.erase(buffer_.begin(), buffer_.begin() + long(pos));
        return true;
    };
    for (;;) {
        const size_t avail = buffer_.size() - pos;
        if (state_ == State::KEY) {
            if (avail < 64) return consume_done();
            EllSwiftPubKey theirs;
            std::memcpy(theirs.data(), buffer_.data() + pos, 64);
            pos += 64;
            auto secret = v2_shared_secret(key_, ours_, theirs, initiator_);
            if (!secret) return fail(error, "v2 key agreement failed");
            cipher_.emplace(derive_v2_session_keys(*secret, magic_), initiator_);
            // Our terminator and version packet (empty contents, our garbage as AAD), then
            // whatever the logic sent meanwhile.
            const GarbageTerminator& t = cipher_->send_garbage_terminator();
            out.insert(out.end(), t.begin(), t.end());
            const Bytes version = cipher_->encrypt({}, garbage_);
            out.insert(out.end(), version.begin(), version.end());
            while (!queued_.empty()) {
                send(queued_.front().first, queued_.front().second, out);
                queued_.pop_front();
            }
            state_ = State::GARBAGE;
        } else if (state_ == State::GARBAGE) {
            const GarbageTerminator& t = cipher_->recv_garbage_terminator();
            const uint8_t* begin = buffer_.data() + pos;
            const size_t window = std::min(avail, kMaxGarbage + t.size());
            const uint8_t* found = std::search(begin, begin + window, t.begin(), t.end());
            if (found == begin + window) {
                if (avail >= kMaxGarbage + t.size()) return fail(error, "v2 garbage terminator not found");
                return consume_done();
            }
            their_garbage_.assign(begin, found);
            pos += size_t(found - begin) + t.size();
            state_ = State::PACKETS;
        } else {  // PACKETS (until their version packet), APP
            if (!packet_length_) {
                if (avail < V2Cipher::kLengthSize) return consume_done();
                packet_length_ = cipher_->decrypt_length(
                    std::span<const uint8_t, V2Cipher::kLengthSize>(buffer_.data() + pos, V2Cipher::kLengthSize));
                pos += V2Cipher::kLengthSize;
                if (*packet_length_ > kMaxContents)
                    return fail(error, "v2 packet too long (" + std::to_string(*packet_length_) + " bytes)");
            }
            const size_t need = *packet_length_ + V2Cipher::kHeaderSize + V2Cipher::kTagSize;
            if (buffer_.size() - pos < need) return consume_done();
            Bytes contents(*packet_length_);
            bool ignore = false;
            const Bytes aad = first_packet_ ? std::move(their_garbage_) : Bytes{};
            if (!cipher_->decrypt(ByteView(buffer_.data() + pos, need), aad, ignore, contents))
                return fail(error, "v2 packet does not authenticate");
            pos += need;
            packet_length_.reset();
            first_packet_ = false;
            if (ignore) continue;  // a decoy
            if (state_ == State::PACKETS) {
                state_ = State::APP;  // their version packet: contents reserved for extensions
                continue;
            }
            if (contents.empty()) return fail(error, "v2 message without a type");
            Message m;
            if (contents[0] == 0) {
                if (contents.size() < 1 + kCommandSize || !valid_command(contents.data() + 1))
                    return fail(error, "v2 message with a malformed command");
                const char* c = reinterpret_cast<const char*>(contents.data() + 1);
                m.command.assign(c, strnlen(c, kCommandSize));
                m.payload.assign(contents.begin() + 1 + kCommandSize, contents.end());
            } else if (const char* c = command_of(contents[0])) {
                m.command = c;
                m.payload.assign(contents.begin() + 1, contents.end());
            } else {
                ++unknown_ids_dropped_;  // unknown short id: dropped (Core)
                continue;
            }
            messages.push_back(std::move(m));
        }
    }
}

}  // namespace minicash::net
