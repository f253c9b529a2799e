// libFuzzer target: v1 message framing (net/protocol.h MessageParser, what V1Transport
// feeds every received byte to): 24-byte headers with magic, command, length and
// checksum, split out of a byte stream that arrives in arbitrary pieces.
//
// Input: byte 0 picks the mode, bytes 1..4 seed the piece sizes, the rest is either the
// raw stream (mode even) or a list of messages that are framed correctly and then get
// one byte changed (mode odd; see build_stream).
//
// Properties:
//   * the messages and the final error do not depend on how the stream is cut into
//     pieces (fed whole versus in pieces of 1..max bytes);
//   * buffered bytes never exceed one header plus one payload of at most max_payload,
//     and every payload taken is at most max_payload with a printable command;
//   * after an error the parser consumes nothing more;
//   * a correctly framed stream gives back exactly the messages framed, in order, and
//     consumes every byte; with one byte changed, every message framed before the
//     changed byte still comes out intact.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/protocol.h"

using namespace minicash;
using namespace minicash::net;

namespace {

constexpr Magic kMagic = {0xf9, 0xbe, 0xb4, 0xd9};
constexpr size_t kMaxPayload = 1000;  // small, so that OVERSIZED is reachable

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_p2p_framing: property violated: %s\n", what);
        std::abort();
    }
}

struct Outcome {
    std::vector<Message> messages;
    FrameError error = FrameError::NONE;
    size_t consumed = 0;
    size_t rejected = 0;  // complete messages dropped for their checksum or command
};

// Feeds `stream` in pieces whose sizes come from `seed` (0: the whole rest each time).
Outcome parse(ByteView stream, uint32_t seed, size_t max_piece) {
    MessageParser parser(kMagic, kMaxPayload);
    Outcome out;
    size_t pos = 0;
    while (pos < stream.size()) {
        size_t piece = stream.size() - pos;
        if (seed != 0) {
            seed = seed * 1103515245u + 12345u;  // any sequence will do; this one is cheap
            piece = std::min(piece, size_t(1 + (seed >> 16) % max_piece));
        }
        ByteView rest = stream.subspan(pos, piece);
        while (!rest.empty()) {
            const size_t used = parser.feed(rest);
            check(used <= rest.size(), "feed used more than it was given");
            check(parser.buffered_bytes() <= kHeaderSize + kMaxPayload, "buffer above one message");
            rest = rest.subspan(used);
            pos += used;
            if (parser.has_message()) {
                // A message with a bad checksum or command is taken whole and dropped (the
                // stream goes on, as Core's); only the others reach the peer logic.
                const bool rejected = parser.rejected() != FrameError::NONE;
                Message m = parser.take();
                check(m.payload.size() <= kMaxPayload, "payload above the limit");
                check(m.command.size() <= kCommandSize, "command too long");
                if (rejected) {
                    ++out.rejected;
                    continue;
                }
                for (char c : m.command) check(c >= 0x20 && c <= 0x7e, "command not printable");
                out.messages.push_back(std::move(m));
            } else if (parser.failed()) {
                check(parser.feed(rest) == 0, "parser consumed bytes after an error");
                out.error = parser.error();
                out.consumed = pos;
                return out;
            } else {
                check(rest.empty(), "parser stopped without a message or an error");
            }
        }
    }
    out.consumed = pos;
    return out;
}

bool same(const Outcome& a, const Outcome& b) {
    if (a.error != b.error || a.consumed != b.consumed || a.rejected != b.rejected ||
        a.messages.size() != b.messages.size())
        return false;
    for (size_t i = 0; i < a.messages.size(); ++i)
        if (a.messages[i].command != b.messages[i].command || a.messages[i].payload != b.messages[i].payload)
            return false;
    return true;
}

// Mode odd: the input is a list of (command length, command, payload length, payload)
// with single-byte lengths; the last two input bytes say which stream byte to change
// and how (xor 0 changes nothing).
struct Framed {
    Bytes stream;
    std::vector<Message> messages;
    std::vector<size_t> ends;  // stream offset after each message
};

Framed build_stream(ByteView in) {
    Framed f;
    size_t pos = 0;
    while (pos + 2 <= in.size()) {
        const size_t want_command = in[pos++] % (kCommandSize + 1);
        const size_t clen = std::min(want_command, in.size() - pos);
        std::string command;
        for (size_t i = 0; i < clen; ++i) command += char(0x20 + in[pos + i] % 0x5f);  // printable
        pos += clen;
        if (pos >= in.size()) break;
        const size_t want_payload = in[pos++];
        const size_t plen = std::min(want_payload, in.size() - pos);
        Bytes payload(in.begin() + pos, in.begin() + pos + plen);
        pos += plen;
        append(f.stream, frame_message(kMagic, command, payload));
        f.messages.push_back({command, payload});
        f.ends.push_back(f.stream.size());
    }
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5) return 0;
    const uint8_t mode = data[0];
    const uint32_t seed = read_le32(data + 1) | 1;
    ByteView in(data + 5, size - 5);

    if (mode % 2 == 0) {
        const Outcome whole = parse(in, 0, 0);
        check(same(whole, parse(in, seed, 1 + mode % 64)), "pieces of up to 64 bytes change the result");
        check(same(whole, parse(in, seed, 1)), "single bytes change the result");
        return 0;
    }

    if (in.size() < 2) return 0;
    const uint16_t where = uint16_t(in[in.size() - 2] | (in[in.size() - 1] & 0x7f) << 8);
    const uint8_t flip = uint8_t(mode >> 1);
    Framed f = build_stream(in.subspan(0, in.size() - 2));
    const bool changed = flip != 0 && where < f.stream.size();
    if (changed) f.stream[where] ^= flip;

    const Outcome out = parse(f.stream, seed, 1 + in[0] % 32);
    check(same(out, parse(f.stream, 0, 0)), "pieces change the result");
    if (!changed) {
        check(out.error == FrameError::NONE, "a correctly framed stream fails");
        check(out.consumed == f.stream.size(), "a correctly framed stream is not consumed");
        check(out.messages.size() == f.messages.size(), "message count differs");
    }
    for (size_t i = 0; i < f.messages.size(); ++i) {
        if (changed && f.ends[i] > where) break;
        check(i < out.messages.size(), "a message before the changed byte is missing");
        check(out.messages[i].command == f.messages[i].command, "command differs");
        check(out.messages[i].payload == f.messages[i].payload, "payload differs");
    }
    return 0;
}
