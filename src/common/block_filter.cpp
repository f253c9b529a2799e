#include "common/block_filter.h"

#include <algorithm>
#include <limits>

#include "consensus/serialize.h"
#include "util/hash.h"
#include "util/siphash.h"

namespace minicash {
namespace {

// Appends bits most significant first; the last byte is zero-padded.
class BitWriter {
public:
    explicit BitWriter(Bytes& out) : out_(out) {}
    void bit(bool b) {
        if (used_ == 0) out_.push_back(0);
        if (b) out_.back() |= uint8_t(0x80 >> used_);
        used_ = (used_ + 1) & 7;
    }
    void bits(uint64_t v, int count) {  // the low `count` bits of v, high bit first
        for (int i = count - 1; i >= 0; --i) bit((v >> i) & 1);
    }

private:
    Bytes& out_;
    int used_ = 0;  // bits used in out_.back(); 0 means a new byte is needed
};

// Reads bits most significant first; never reads past the data.
class BitReader {
public:
    explicit BitReader(ByteView data) : data_(data) {}
    uint64_t remaining() const { return uint64_t(data_.size()) * 8 - pos_; }
    // REQUIRES: remaining() >= 1
    bool bit() {
        bool b = (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
        ++pos_;
        return b;
    }
    // One Golomb-Rice value with parameter P; nullopt when the bits run out.
    std::optional<uint64_t> golomb_rice(int p) {
        uint64_t q = 0;
        for (;;) {
            if (remaining() == 0) return std::nullopt;
            if (!bit()) break;
            ++q;
        }
        if (remaining() < uint64_t(p)) return std::nullopt;
        uint64_t r = 0;
        for (int i = 0; i < p; ++i) r = (r << 1) | uint64_t(bit());
        return (q << p) | r;
    }

private:
    ByteView data_;
    uint64_t pos_ = 0;
};

void golomb_rice_encode(BitWriter& w, uint64_t x, int p) {
    for (uint64_t q = x >> p; q > 0; --q) w.bit(true);
    w.bit(false);
    w.bits(x, p);
}

// Parses the CompactSize N; the Golomb-Rice bits follow at *bits_offset.
std::optional<uint64_t> read_count(ByteView encoded, size_t* bits_offset) {
    Reader r(encoded);
    uint64_t n = r.compact_size(/*range_check=*/false);
    if (!r.ok() || n > std::numeric_limits<uint32_t>::max()) return std::nullopt;
    *bits_offset = r.position();
    return n;
}

}  // namespace

BasicBlockFilter BasicBlockFilter::build(const uint256& block_hash, const std::vector<Bytes>& elements) {
    std::vector<const Bytes*> unique;
    unique.reserve(elements.size());
    for (const Bytes& e : elements)
        if (!e.empty()) unique.push_back(&e);
    std::sort(unique.begin(), unique.end(), [](const Bytes* a, const Bytes* b) { return *a < *b; });
    unique.erase(std::unique(unique.begin(), unique.end(), [](const Bytes* a, const Bytes* b) { return *a == *b; }),
                 unique.end());

    BasicBlockFilter f;
    f.block_hash_ = block_hash;
    f.k0_ = read_le64(block_hash.data());
    f.k1_ = read_le64(block_hash.data() + 8);
    f.n_ = uint32_t(unique.size());

    std::vector<uint64_t> values;
    values.reserve(unique.size());
    for (const Bytes* e : unique) values.push_back(f.hash_to_range(*e));
    std::sort(values.begin(), values.end());

    f.encoded_.clear();
    Writer(f.encoded_).compact_size(f.n_);
    BitWriter bw(f.encoded_);
    uint64_t last = 0;
    for (uint64_t v : values) {
        golomb_rice_encode(bw, v - last, kP);
        last = v;
    }
    return f;
}

std::optional<BasicBlockFilter> BasicBlockFilter::decode(const uint256& block_hash, ByteView encoded) {
    size_t offset = 0;
    std::optional<uint64_t> n = read_count(encoded, &offset);
    if (!n) return std::nullopt;
    ByteView bits = encoded.subspan(offset);
    // Each value takes at least P+1 bits: reject impossible counts before looping.
    if (*n * uint64_t(kP + 1) > uint64_t(bits.size()) * 8) return std::nullopt;
    BitReader br(bits);
    for (uint64_t i = 0; i < *n; ++i)
        if (!br.golomb_rice(kP)) return std::nullopt;
    // Only the padding of the last partly used byte may remain (as Core, whose check
    // is on whole bytes).
    if (br.remaining() >= 8) return std::nullopt;

    BasicBlockFilter f;
    f.block_hash_ = block_hash;
    f.k0_ = read_le64(block_hash.data());
    f.k1_ = read_le64(block_hash.data() + 8);
    f.n_ = uint32_t(*n);
    f.encoded_.assign(encoded.begin(), encoded.end());
    return f;
}

uint256 BasicBlockFilter::filter_hash() const { return sha256d(encoded_); }

uint256 BasicBlockFilter::header(const uint256& prev_header) const {
    HashWriter w;
    w.write_hash(filter_hash()).write_hash(prev_header);
    return w.sha256d();
}

uint64_t BasicBlockFilter::hash_to_range(ByteView element) const {
    const unsigned __int128 f = (unsigned __int128)n_ * kM;
    return uint64_t(((unsigned __int128)siphash24(k0_, k1_, element) * f) >> 64);
}

bool BasicBlockFilter::match_sorted(const std::vector<uint64_t>& queries) const {
    if (n_ == 0 || queries.empty()) return false;
    size_t offset = 0;
    if (!read_count(encoded_, &offset)) return false;
    BitReader br(ByteView(encoded_).subspan(offset));
    uint64_t value = 0;
    size_t qi = 0;
    for (uint32_t i = 0; i < n_; ++i) {
        std::optional<uint64_t> delta = br.golomb_rice(kP);
        if (!delta) return false;  // cannot happen: encoded_ was built or validated
        value += *delta;
        while (qi < queries.size() && queries[qi] < value) ++qi;
        if (qi == queries.size()) return false;
        if (queries[qi] == value) return true;
    }
    return false;
}

bool BasicBlockFilter::match(ByteView element) const {
    if (n_ == 0) return false;
    return match_sorted({hash_to_range(element)});
}

bool BasicBlockFilter::match_any(const std::vector<Bytes>& elements) const {
    if (n_ == 0) return false;
    std::vector<uint64_t> queries;
    queries.reserve(elements.size());
    for (const Bytes& e : elements) queries.push_back(hash_to_range(e));
    std::sort(queries.begin(), queries.end());
    return match_sorted(queries);
}

std::vector<Bytes> basic_filter_elements(const Block& block, const std::vector<TxOut>& spent) {
    std::vector<Bytes> out;
    for (const Transaction& tx : block.txs)
        for (const TxOut& o : tx.vout) {
            const Script& s = o.script_pubkey;
            if (s.empty() || s[0] == OP_RETURN) continue;
            out.push_back(s.bytes());
        }
    for (const TxOut& o : spent)
        if (!o.script_pubkey.empty()) out.push_back(o.script_pubkey.bytes());
    return out;
}

}  // namespace minicash
