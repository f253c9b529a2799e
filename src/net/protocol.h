// Bitcoin's P2P wire protocol: message framing (24-byte header with network magic,
// command, length and checksum) and the payloads minicash speaks.
//
// Every decoder takes untrusted bytes and either returns the message or nullopt with a
// reason; it never reads out of bounds, never allocates from a claimed length before
// the bytes are there, and bounds every count (inv/getdata/notfound <= 50,000 entries,
// headers <= 2,000, addr <= 1,000, locators <= 101). Trailing bytes after a complete
// payload are ignored, as Bitcoin Core does (future protocol extensions append fields).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "consensus/serialize.h"
#include "consensus/transaction.h"
#include "net/netaddress.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash::net {

using Magic = std::array<uint8_t, 4>;

// ---- Protocol constants (values as Bitcoin Core's) ----
inline constexpr int32_t kProtocolVersion = 70016;
inline constexpr int32_t kMinPeerProtocolVersion = 31800;  // older peers are disconnected
inline constexpr int32_t kSendHeadersVersion = 70012;      // "sendheaders" understood
inline constexpr int32_t kFeeFilterVersion = 70013;        // "feefilter" understood
inline constexpr int32_t kWtxidRelayVersion = 70016;       // "wtxidrelay" understood
inline constexpr int32_t kBip31Version = 60000;            // pings carry a nonce

inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kCommandSize = 12;
inline constexpr size_t kMaxMessageSize = 4'000'000;  // MAX_PROTOCOL_MESSAGE_LENGTH
inline constexpr size_t kMaxInvEntries = 50'000;      // MAX_INV_SZ
inline constexpr size_t kMaxHeadersResults = 2000;    // MAX_HEADERS_RESULTS
inline constexpr size_t kMaxAddrEntries = 1000;       // MAX_ADDR_TO_SEND
inline constexpr size_t kMaxLocatorEntries = 101;     // MAX_LOCATOR_SZ
inline constexpr size_t kMaxUserAgentLength = 256;    // MAX_SUBVERSION_LENGTH
inline constexpr size_t kMaxAddrV2Length = 512;       // BIP155 address bytes

// The decoders' errors for a list longer than the protocol allows (the payload long
// enough to hold it): Core decodes such a message and then punishes or disconnects its
// sender, while bytes that do not decode are only dropped (misbehavior.h).
inline constexpr const char* kErrTooManyInventory = "too many inventory entries";
inline constexpr const char* kErrTooManyAddresses = "too many addresses";
inline constexpr const char* kErrTooManyHeaders = "too many headers";
inline constexpr const char* kErrLocatorTooLong = "locator too long";

// Service bits.
enum ServiceFlags : uint64_t {
    NODE_NONE = 0,
    NODE_NETWORK = 1 << 0,
    NODE_BLOOM = 1 << 2,
    NODE_WITNESS = 1 << 3,
    NODE_COMPACT_FILTERS = 1 << 6,
    NODE_NETWORK_LIMITED = 1 << 10,
    NODE_P2P_V2 = 1 << 11,
};
// What minicash offers: every block (NODE_NETWORK, and so also the last 288 blocks,
// NODE_NETWORK_LIMITED, as Core signals both when not pruned) with witness data.
inline constexpr uint64_t kLocalServices = NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED;
// "netfull" names of the bits for getpeerinfo/getnetworkinfo ("NETWORK", "WITNESS", ...).
std::vector<std::string> service_flag_names(uint64_t services);

// Inventory types.
enum InvType : uint32_t {
    MSG_TX = 1,
    MSG_BLOCK = 2,
    MSG_FILTERED_BLOCK = 3,
    MSG_CMPCT_BLOCK = 4,
    MSG_WTX = 5,
    MSG_WITNESS_FLAG = 1u << 30,
    MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG,
    MSG_WITNESS_TX = MSG_TX | MSG_WITNESS_FLAG,
};

// Command names.
namespace cmd {
inline constexpr const char* VERSION = "version";
inline constexpr const char* VERACK = "verack";
inline constexpr const char* WTXIDRELAY = "wtxidrelay";
inline constexpr const char* SENDADDRV2 = "sendaddrv2";
inline constexpr const char* SENDHEADERS = "sendheaders";
inline constexpr const char* SENDCMPCT = "sendcmpct";
inline constexpr const char* FEEFILTER = "feefilter";
inline constexpr const char* PING = "ping";
inline constexpr const char* PONG = "pong";
inline constexpr const char* ADDR = "addr";
inline constexpr const char* ADDRV2 = "addrv2";
inline constexpr const char* GETADDR = "getaddr";
inline constexpr const char* INV = "inv";
inline constexpr const char* GETDATA = "getdata";
inline constexpr const char* NOTFOUND = "notfound";
inline constexpr const char* GETHEADERS = "getheaders";
inline constexpr const char* GETBLOCKS = "getblocks";
inline constexpr const char* HEADERS = "headers";
inline constexpr const char* BLOCK = "block";
inline constexpr const char* TX = "tx";
inline constexpr const char* MEMPOOL = "mempool";
inline constexpr const char* CMPCTBLOCK = "cmpctblock";
inline constexpr const char* GETBLOCKTXN = "getblocktxn";
inline constexpr const char* BLOCKTXN = "blocktxn";
inline constexpr const char* GETCFILTERS = "getcfilters";
inline constexpr const char* CFILTER = "cfilter";
inline constexpr const char* GETCFHEADERS = "getcfheaders";
inline constexpr const char* CFHEADERS = "cfheaders";
inline constexpr const char* GETCFCHECKPT = "getcfcheckpt";
inline constexpr const char* CFCHECKPT = "cfcheckpt";
}  // namespace cmd

// The name traffic is counted under for a command (getpeerinfo's bytes*_per_msg): the
// command itself when known, else "*other*" (Core), so a peer cannot grow the statistics
// with made-up commands.
const std::string& traffic_key(const std::string& command);
// A peer-given command (or other string) made safe to log: printable ASCII only.
std::string sanitize_command(const std::string& command);

// ---- Framing ----

struct MessageHeader {
    Magic magic{};
    std::string command;  // without NUL padding
    uint32_t length = 0;
    std::array<uint8_t, 4> checksum{};
};

// BAD_MAGIC and OVERSIZED end the stream (the connection is closed); a message with
// BAD_CHECKSUM or BAD_COMMAND is read whole and then dropped, and the stream goes on
// (Core's V1Transport: "Header error: Wrong checksum" / "Invalid message type").
enum class FrameError {
    NONE,
    BAD_MAGIC,     // not our network's magic (or garbage)
    BAD_COMMAND,   // command not printable ASCII followed by NUL padding
    OVERSIZED,     // length above kMaxMessageSize
    BAD_CHECKSUM,  // payload does not match the header's checksum
};
const char* frame_error_name(FrameError e);

// Decodes a 24-byte header (REQUIRES: bytes.size() >= 24) and checks magic, length
// against `max_payload`, then the command (in that order: `out` is complete unless the
// magic or the length failed).
[[nodiscard]] FrameError decode_header(ByteView bytes, const Magic& magic, MessageHeader& out,
                                       size_t max_payload = kMaxMessageSize);
std::array<uint8_t, 4> payload_checksum(ByteView payload);  // first 4 bytes of sha256d
// Header + payload, ready for the socket. REQUIRES: command.size() <= 12.
Bytes frame_message(const Magic& magic, const std::string& command, ByteView payload);

struct Message {
    std::string command;
    Bytes payload;
};

// Incremental decoder for a byte stream: feed() whatever arrived, take() complete
// messages. Memory grows only with bytes actually received (at most one header and one
// payload of at most max_payload bytes); after an error (failed(): wrong magic, oversized)
// it consumes nothing more. A complete message with a bad checksum or command is still
// taken, with rejected() saying why it must be dropped.
class MessageParser {
public:
    explicit MessageParser(const Magic& magic, size_t max_payload = kMaxMessageSize)
        : magic_(magic), max_payload_(max_payload) {}

    // Consumes bytes up to the end of the current message; returns how many were used.
    // Stops early when a message is complete (take() it, then feed the rest).
    size_t feed(ByteView data);
    bool has_message() const { return complete_; }
    // NONE, or why the complete message is to be dropped (BAD_CHECKSUM, BAD_COMMAND).
    FrameError rejected() const { return rejected_; }
    Message take();  // REQUIRES: has_message()
    FrameError error() const { return error_; }
    bool failed() const { return error_ != FrameError::NONE; }
    const MessageHeader& header() const { return header_; }  // of the message being read
    size_t buffered_bytes() const { return head_.size() + payload_.size(); }

private:
    Magic magic_;
    size_t max_payload_;
    Bytes head_;  // partial header bytes
    bool have_header_ = false;
    MessageHeader header_;
    Bytes payload_;
    bool complete_ = false;
    bool bad_command_ = false;  // of the message being read
    FrameError rejected_ = FrameError::NONE;
    FrameError error_ = FrameError::NONE;
};

// ---- Payloads ----

struct Inv {
    uint32_t type = 0;
    uint256 hash;
    friend bool operator==(const Inv&, const Inv&) = default;
};

// An address as the version message carries it (services, IPv6-mapped address, port).
struct VersionAddr {
    uint64_t services = 0;
    Service service;
};

struct VersionMsg {
    int32_t version = kProtocolVersion;
    uint64_t services = 0;
    int64_t time = 0;
    VersionAddr addr_recv;
    VersionAddr addr_from;
    uint64_t nonce = 0;
    std::string user_agent;
    int32_t start_height = 0;
    bool relay = true;  // BIP37 fRelay; absent (old peers) means true
};

// One entry of addr/addrv2. `service` is empty for what BIP155 lets a node skip (Tor
// v2, unknown network ids, malformed addresses): such entries are decoded and ignored.
// Tor v3, I2P and CJDNS addresses are kept; the legacy addr encoding cannot carry them
// (encode_addr with v2 = false leaves them out, as Core).
struct AddrEntry {
    uint32_t time = 0;
    uint64_t services = 0;
    std::optional<Service> service;
};

struct GetHeadersMsg {  // also getblocks
    uint32_t version = kProtocolVersion;
    std::vector<uint256> locator;
    uint256 stop;
};

// BIP157 requests: getcfilters and getcfheaders (start height and stop hash),
// getcfcheckpt (stop hash only; start_height unused).
struct FilterRequest {
    uint8_t filter_type = 0;
    uint32_t start_height = 0;
    uint256 stop_hash;
};
struct CFilterMsg {
    uint8_t filter_type = 0;
    uint256 block_hash;
    Bytes filter;
};
struct CFHeadersMsg {
    uint8_t filter_type = 0;
    uint256 stop_hash;
    uint256 previous_header;
    std::vector<uint256> filter_hashes;
};
struct CFCheckptMsg {
    uint8_t filter_type = 0;
    uint256 stop_hash;
    std::vector<uint256> headers;
};

struct SendCmpctMsg {
    bool high_bandwidth = false;
    uint64_t version = 0;
};

// The end of a decoder: `value`, or nullopt with the reader's error when it failed.
template <class T>
std::optional<T> finish_decode(Reader& r, T value, std::string* error) {
    if (!r.ok()) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return value;
}

// Decoders: nullopt with `error` set on malformed input.
[[nodiscard]] std::optional<VersionMsg> decode_version(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<std::vector<Inv>> decode_inv(ByteView payload,
                                                         std::string* error = nullptr);  // inv/getdata/notfound
[[nodiscard]] std::optional<std::vector<AddrEntry>> decode_addr(ByteView payload, bool v2,
                                                                std::string* error = nullptr);
[[nodiscard]] std::optional<GetHeadersMsg> decode_getheaders(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<std::vector<BlockHeader>> decode_headers(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<uint64_t> decode_ping(ByteView payload, std::string* error = nullptr);  // also pong
[[nodiscard]] std::optional<int64_t> decode_feefilter(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<SendCmpctMsg> decode_sendcmpct(ByteView payload, std::string* error = nullptr);
// getcfilters/getcfheaders (`with_start`), getcfcheckpt (without).
[[nodiscard]] std::optional<FilterRequest> decode_filter_request(ByteView payload, bool with_start,
                                                                 std::string* error = nullptr);
[[nodiscard]] std::optional<CFilterMsg> decode_cfilter(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<CFHeadersMsg> decode_cfheaders(ByteView payload, std::string* error = nullptr);
[[nodiscard]] std::optional<CFCheckptMsg> decode_cfcheckpt(ByteView payload, std::string* error = nullptr);
Bytes encode_filter_request(const FilterRequest& m, bool with_start);
Bytes encode_cfilter(const CFilterMsg& m);
Bytes encode_cfheaders(const CFHeadersMsg& m);
Bytes encode_cfcheckpt(const CFCheckptMsg& m);

Bytes encode_version(const VersionMsg& m);
Bytes encode_inv(const std::vector<Inv>& items);  // REQUIRES: size() <= kMaxInvEntries
// Entries without a service, and (legacy addr) entries of other networks than IPv4 and
// IPv6, are skipped.
Bytes encode_addr(const std::vector<AddrEntry>& entries, bool v2);
Bytes encode_getheaders(const GetHeadersMsg& m);
Bytes encode_headers(const std::vector<BlockHeader>& headers);
Bytes encode_sendcmpct(const SendCmpctMsg& m);
Bytes encode_u64(uint64_t v);  // ping, pong
Bytes encode_i64(int64_t v);   // feefilter

}  // namespace minicash::net
