#include "net/protocol.h"

#include <cstring>

#include "consensus/serialize.h"
#include "util/hash.h"

namespace minicash::net {

namespace {

void set_error(std::string* error, const char* what) {
    if (error) *error = what;
}

// The legacy 16-byte form: IPv4-mapped or IPv6; other networks as zeros (as Core).
void write_v1_address(Writer& w, const NetAddr& a) {
    static constexpr uint8_t kZeros[16] = {};
    w.bytes(a.is_addr_v1_compatible() ? ByteView(a.v6_bytes().data(), 16) : ByteView(kZeros, 16));
}

void write_version_addr(Writer& w, const VersionAddr& a) {
    w.u64(a.services);
    write_v1_address(w, a.service.addr);
    w.u8(uint8_t(a.service.port >> 8));
    w.u8(uint8_t(a.service.port));
}

VersionAddr read_version_addr(Reader& r) {
    VersionAddr a;
    a.services = r.u64();
    ByteView ip = r.view(16);
    const uint8_t hi = r.u8();
    const uint8_t lo = r.u8();
    if (r.ok()) {
        a.service.addr = NetAddr::from_v6_bytes(ip.data());
        a.service.port = uint16_t((hi << 8) | lo);
    }
    return a;
}

}  // namespace

std::vector<std::string> service_flag_names(uint64_t services) {
    static const std::pair<uint64_t, const char*> kNames[] = {
        {NODE_NETWORK, "NETWORK"},
        {NODE_BLOOM, "BLOOM"},
        {NODE_WITNESS, "WITNESS"},
        {NODE_COMPACT_FILTERS, "COMPACT_FILTERS"},
        {NODE_NETWORK_LIMITED, "NETWORK_LIMITED"},
        {NODE_P2P_V2, "P2P_V2"},
    };
    std::vector<std::string> out;
    for (int bit = 0; bit < 64; ++bit) {
        const uint64_t flag = uint64_t(1) << bit;
        if (!(services & flag)) continue;
        const char* name = nullptr;
        for (const auto& [f, n] : kNames)
            if (f == flag) name = n;
        out.push_back(name ? name : "UNKNOWN[2^" + std::to_string(bit) + "]");
    }
    return out;
}

const std::string& traffic_key(const std::string& command) {
    static const std::vector<std::string> kKnown = {
        cmd::VERSION,     cmd::VERACK,  cmd::WTXIDRELAY,   cmd::SENDADDRV2, cmd::SENDHEADERS,  cmd::SENDCMPCT,
        cmd::FEEFILTER,   cmd::PING,    cmd::PONG,         cmd::ADDR,       cmd::ADDRV2,       cmd::GETADDR,
        cmd::INV,         cmd::GETDATA, cmd::NOTFOUND,     cmd::GETHEADERS, cmd::GETBLOCKS,    cmd::HEADERS,
        cmd::BLOCK,       cmd::TX,      cmd::MEMPOOL,      cmd::CMPCTBLOCK, cmd::GETBLOCKTXN,  cmd::BLOCKTXN,
        cmd::GETCFILTERS, cmd::CFILTER, cmd::GETCFHEADERS, cmd::CFHEADERS,  cmd::GETCFCHECKPT, cmd::CFCHECKPT};
    static const std::string kOther = "*other*";
    for (const std::string& k : kKnown)
        if (k == command) return k;
    return kOther;
}

std::string sanitize_command(const std::string& command) {
    std::string out;
    for (char c : command)
        if (c >= 0x20 && c <= 0x7e) out.push_back(c);
    return out;
}

const char* frame_error_name(FrameError e) {
    switch (e) {
    case FrameError::NONE: return "none";
    case FrameError::BAD_MAGIC: return "wrong network magic";
    case FrameError::BAD_COMMAND: return "malformed command name";
    case FrameError::OVERSIZED: return "oversized message";
    case FrameError::BAD_CHECKSUM: return "checksum mismatch";
    }
    return "unknown";
}

FrameError decode_header(ByteView bytes, const Magic& magic, MessageHeader& out, size_t max_payload) {
    std::memcpy(out.magic.data(), bytes.data(), 4);
    if (out.magic != magic) return FrameError::BAD_MAGIC;
    const uint8_t* c = bytes.data() + 4;
    size_t len = 0;
    while (len < kCommandSize && c[len] != 0) ++len;
    out.command.assign(reinterpret_cast<const char*>(c), len);
    out.length = read_le32(bytes.data() + 16);
    std::memcpy(out.checksum.data(), bytes.data() + 20, 4);
    if (out.length > max_payload) return FrameError::OVERSIZED;
    for (size_t i = 0; i < len; ++i)
        if (c[i] < 0x20 || c[i] > 0x7e) return FrameError::BAD_COMMAND;
    for (size_t i = len; i < kCommandSize; ++i)
        if (c[i] != 0) return FrameError::BAD_COMMAND;
    return FrameError::NONE;
}

std::array<uint8_t, 4> payload_checksum(ByteView payload) {
    const uint256 h = sha256d(payload);
    std::array<uint8_t, 4> out;
    std::memcpy(out.data(), h.data(), 4);
    return out;
}

Bytes frame_message(const Magic& magic, const std::string& command, ByteView payload) {
    Bytes out(kHeaderSize + payload.size());
    std::memcpy(out.data(), magic.data(), 4);
    std::memcpy(out.data() + 4, command.data(), std::min(command.size(), kCommandSize));
    write_le32(out.data() + 16, uint32_t(payload.size()));
    const auto sum = payload_checksum(payload);
    std::memcpy(out.data() + 20, sum.data(), 4);
    if (!payload.empty()) std::memcpy(out.data() + kHeaderSize, payload.data(), payload.size());
    return out;
}

size_t MessageParser::feed(ByteView data) {
    if (failed() || complete_) return 0;
    size_t used = 0;
    if (!have_header_) {
        const size_t want = std::min(kHeaderSize - head_.size(), data.size());
        head_.insert(head_.end(), data.begin(), data.begin() + want);
        used += want;
        if (head_.size() < kHeaderSize) return used;
        const FrameError e = decode_header(head_, magic_, header_, max_payload_);
        head_.clear();
        bad_command_ = e == FrameError::BAD_COMMAND;  // read the payload, then drop it
        if (e != FrameError::NONE && !bad_command_) {
            error_ = e;
            return used;
        }
        have_header_ = true;
        payload_.clear();
        payload_.reserve(std::min<size_t>(header_.length, 1 << 16));
    }
    const size_t want = std::min<size_t>(header_.length - payload_.size(), data.size() - used);
    payload_.insert(payload_.end(), data.begin() + used, data.begin() + used + want);
    used += want;
    if (payload_.size() == header_.length) {
        if (payload_checksum(payload_) != header_.checksum) rejected_ = FrameError::BAD_CHECKSUM;
        else if (bad_command_) rejected_ = FrameError::BAD_COMMAND;
        complete_ = true;
    }
    return used;
}

Message MessageParser::take() {
    Message m{std::move(header_.command), std::move(payload_)};
    payload_ = Bytes();
    complete_ = false;
    have_header_ = false;
    bad_command_ = false;
    rejected_ = FrameError::NONE;
    header_ = MessageHeader();
    return m;
}

std::optional<VersionMsg> decode_version(ByteView payload, std::string* error) {
    Reader r(payload);
    VersionMsg m;
    m.version = r.i32();
    m.services = r.u64();
    m.time = r.i64();
    m.addr_recv = read_version_addr(r);
    if (!r.ok()) return finish_decode(r, m, error);
    // Very old peers stop here; every later field is optional.
    if (!r.empty()) m.addr_from = read_version_addr(r);
    if (!r.empty()) m.nonce = r.u64();
    if (!r.empty()) {
        const uint64_t n = r.compact_size();
        if (r.ok() && n > kMaxUserAgentLength) {
            set_error(error, "user agent too long");
            return std::nullopt;
        }
        ByteView ua = r.view(size_t(n));
        m.user_agent.assign(ua.begin(), ua.end());
    }
    if (!r.empty()) m.start_height = r.i32();
    if (!r.empty()) m.relay = r.u8() != 0;
    return finish_decode(r, std::move(m), error);
}

Bytes encode_version(const VersionMsg& m) {
    Bytes out;
    Writer w(out);
    w.i32(m.version);
    w.u64(m.services);
    w.i64(m.time);
    write_version_addr(w, m.addr_recv);
    write_version_addr(w, m.addr_from);
    w.u64(m.nonce);
    const std::string ua = m.user_agent.substr(0, kMaxUserAgentLength);
    w.var_bytes(ByteView(reinterpret_cast<const uint8_t*>(ua.data()), ua.size()));
    w.i32(m.start_height);
    w.u8(m.relay ? 1 : 0);
    return out;
}

std::optional<std::vector<Inv>> decode_inv(ByteView payload, std::string* error) {
    Reader r(payload);
    const uint64_t n = r.count(36);
    if (r.ok() && n > kMaxInvEntries) {
        set_error(error, kErrTooManyInventory);
        return std::nullopt;
    }
    std::vector<Inv> items;
    if (r.ok()) items.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        Inv inv;
        inv.type = r.u32();
        inv.hash = r.hash();
        items.push_back(inv);
    }
    return finish_decode(r, std::move(items), error);
}

Bytes encode_inv(const std::vector<Inv>& items) {
    Bytes out;
    out.reserve(3 + items.size() * 36);
    Writer w(out);
    w.compact_size(items.size());
    for (const Inv& inv : items) {
        w.u32(inv.type);
        w.hash(inv.hash);
    }
    return out;
}

std::optional<std::vector<AddrEntry>> decode_addr(ByteView payload, bool v2, std::string* error) {
    Reader r(payload);
    // Smallest entry: legacy 30 bytes; addrv2 4 + 1 + 1 + 1 + 2 = 9 bytes.
    const uint64_t n = r.count(v2 ? 9 : 30);
    if (r.ok() && n > kMaxAddrEntries) {
        set_error(error, kErrTooManyAddresses);
        return std::nullopt;
    }
    std::vector<AddrEntry> out;
    if (r.ok()) out.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        AddrEntry e;
        e.time = r.u32();
        if (!v2) {
            e.services = r.u64();
            ByteView ip = r.view(16);
            const uint8_t hi = r.u8(), lo = r.u8();
            if (r.ok()) e.service = Service{NetAddr::from_v6_bytes(ip.data()), uint16_t((hi << 8) | lo)};
        } else {
            e.services = r.compact_size(false);
            const uint8_t net_id = r.u8();
            const uint64_t len = r.compact_size();
            if (r.ok() && len > kMaxAddrV2Length) {
                set_error(error, "addrv2 address too long");
                return std::nullopt;
            }
            ByteView bytes = r.view(size_t(len));
            const uint8_t hi = r.u8(), lo = r.u8();
            if (!r.ok()) break;
            const uint16_t port = uint16_t((hi << 8) | lo);
            // BIP155: a known network with the wrong address size is invalid.
            const size_t expected = bip155_address_size(net_id);
            if (expected != 0 && expected != len) {
                set_error(error, "addrv2 address has the wrong size for its network");
                return std::nullopt;
            }
            // Tor v2, unknown networks, IPv4-mapped addresses sent as IPv6 and CJDNS
            // addresses outside fc00::/8 are skipped.
            if (auto a = NetAddr::from_bip155(net_id, bytes)) e.service = Service{*a, port};
        }
        out.push_back(std::move(e));
    }
    return finish_decode(r, std::move(out), error);
}

Bytes encode_addr(const std::vector<AddrEntry>& entries, bool v2) {
    auto encodable = [v2](const AddrEntry& e) { return e.service && (v2 || e.service->addr.is_addr_v1_compatible()); };
    size_t count = 0;
    for (const auto& e : entries)
        if (encodable(e)) ++count;
    Bytes out;
    Writer w(out);
    w.compact_size(count);
    for (const auto& e : entries) {
        if (!encodable(e)) continue;
        w.u32(e.time);
        if (!v2) {
            w.u64(e.services);
            write_v1_address(w, e.service->addr);
        } else {
            w.compact_size(e.services);
            w.u8(uint8_t(e.service->addr.id()));
            w.var_bytes(e.service->addr.bip155_bytes());
        }
        w.u8(uint8_t(e.service->port >> 8));
        w.u8(uint8_t(e.service->port));
    }
    return out;
}

std::optional<GetHeadersMsg> decode_getheaders(ByteView payload, std::string* error) {
    Reader r(payload);
    GetHeadersMsg m;
    m.version = r.u32();
    const uint64_t n = r.count(32);
    if (r.ok() && n > kMaxLocatorEntries) {
        set_error(error, kErrLocatorTooLong);
        return std::nullopt;
    }
    for (uint64_t i = 0; i < n && r.ok(); ++i) m.locator.push_back(r.hash());
    m.stop = r.hash();
    return finish_decode(r, std::move(m), error);
}

Bytes encode_getheaders(const GetHeadersMsg& m) {
    Bytes out;
    Writer w(out);
    w.u32(m.version);
    w.compact_size(m.locator.size());
    for (const auto& h : m.locator) w.hash(h);
    w.hash(m.stop);
    return out;
}

std::optional<std::vector<BlockHeader>> decode_headers(ByteView payload, std::string* error) {
    Reader r(payload);
    const uint64_t n = r.count(81);
    if (r.ok() && n > kMaxHeadersResults) {
        set_error(error, kErrTooManyHeaders);
        return std::nullopt;
    }
    std::vector<BlockHeader> out;
    if (r.ok()) out.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        out.push_back(BlockHeader::read(r));
        r.compact_size();  // transaction count: always 0 in headers, ignored as Core does
    }
    return finish_decode(r, std::move(out), error);
}

Bytes encode_headers(const std::vector<BlockHeader>& headers) {
    Bytes out;
    out.reserve(3 + headers.size() * 81);
    Writer w(out);
    w.compact_size(headers.size());
    for (const auto& h : headers) {
        h.write(w);
        w.u8(0);
    }
    return out;
}

std::optional<uint64_t> decode_ping(ByteView payload, std::string* error) {
    Reader r(payload);
    const uint64_t v = r.u64();
    return finish_decode(r, v, error);
}

std::optional<int64_t> decode_feefilter(ByteView payload, std::string* error) {
    Reader r(payload);
    const int64_t v = r.i64();
    return finish_decode(r, v, error);
}

std::optional<SendCmpctMsg> decode_sendcmpct(ByteView payload, std::string* error) {
    Reader r(payload);
    SendCmpctMsg m;
    m.high_bandwidth = r.u8() != 0;
    m.version = r.u64();
    return finish_decode(r, m, error);
}

std::optional<FilterRequest> decode_filter_request(ByteView payload, bool with_start, std::string* error) {
    Reader r(payload);
    FilterRequest m;
    m.filter_type = r.u8();
    if (with_start) m.start_height = r.u32();
    m.stop_hash = r.hash();
    return finish_decode(r, m, error);
}

Bytes encode_filter_request(const FilterRequest& m, bool with_start) {
    Bytes out;
    Writer w(out);
    w.u8(m.filter_type);
    if (with_start) w.u32(m.start_height);
    w.hash(m.stop_hash);
    return out;
}

std::optional<CFilterMsg> decode_cfilter(ByteView payload, std::string* error) {
    Reader r(payload);
    CFilterMsg m;
    m.filter_type = r.u8();
    m.block_hash = r.hash();
    m.filter = r.var_bytes();
    return finish_decode(r, std::move(m), error);
}

Bytes encode_cfilter(const CFilterMsg& m) {
    Bytes out;
    Writer w(out);
    w.u8(m.filter_type);
    w.hash(m.block_hash);
    w.var_bytes(m.filter);
    return out;
}

namespace {
std::vector<uint256> read_hashes(Reader& r) {
    std::vector<uint256> out;
    const uint64_t n = r.count(32);
    if (r.ok()) out.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) out.push_back(r.hash());
    return out;
}
void write_hashes(Writer& w, const std::vector<uint256>& hashes) {
    w.compact_size(hashes.size());
    for (const uint256& h : hashes) w.hash(h);
}
}  // namespace

std::optional<CFHeadersMsg> decode_cfheaders(ByteView payload, std::string* error) {
    Reader r(payload);
    CFHeadersMsg m;
    m.filter_type = r.u8();
    m.stop_hash = r.hash();
    m.previous_header = r.hash();
    m.filter_hashes = read_hashes(r);
    return finish_decode(r, std::move(m), error);
}

Bytes encode_cfheaders(const CFHeadersMsg& m) {
    Bytes out;
    Writer w(out);
    w.u8(m.filter_type);
    w.hash(m.stop_hash);
    w.hash(m.previous_header);
    write_hashes(w, m.filter_hashes);
    return out;
}

std::optional<CFCheckptMsg> decode_cfcheckpt(ByteView payload, std::string* error) {
    Reader r(payload);
    CFCheckptMsg m;
    m.filter_type = r.u8();
    m.stop_hash = r.hash();
    m.headers = read_hashes(r);
    return finish_decode(r, std::move(m), error);
}

Bytes encode_cfcheckpt(const CFCheckptMsg& m) {
    Bytes out;
    Writer w(out);
    w.u8(m.filter_type);
    w.hash(m.stop_hash);
    write_hashes(w, m.headers);
    return out;
}

Bytes encode_sendcmpct(const SendCmpctMsg& m) {
    Bytes out;
    Writer w(out);
    w.u8(m.high_bandwidth ? 1 : 0);
    w.u64(m.version);
    return out;
}

Bytes encode_u64(uint64_t v) {
    Bytes out(8);
    write_le64(out.data(), v);
    return out;
}

Bytes encode_i64(int64_t v) { return encode_u64(uint64_t(v)); }

}  // namespace minicash::net
