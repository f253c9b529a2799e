// libFuzzer target: what the node reads back from its data directory and from
// -loadblock files: the blk*.dat record framing (consensus/blk_records.h, also used by
// the import, reindex and minicash-tx), undo data (storage/undo.h, the rev*.dat
// payloads) and the coin encodings under them (storage/coin_codec.h, also the UTXO
// database's values). The blocks inside records are fuzz_tx_deserialize's.
//
// Byte 0 picks the mode, the rest is the data:
//   0, 1  a blk file split with any magic (0) or mainnet's (1);
//   2     a block undo payload;
//   3     one coin (as in the UTXO database), then VARINTs.
//
// Properties:
//   * records lie inside the file, back to back from offset 0, and writing them out
//     again with append_blk_record gives exactly the bytes up to end_offset; the end
//     kind matches what follows (zeros, a short header, another magic, a length past
//     the end) and has an error message exactly when it is not END/ZERO_PADDING;
//   * undo data and coins that decode re-encode to bytes that decode to the same
//     encoding (the legacy version byte and uncompressed scripts have other encodings);
//     a VARINT re-encodes to exactly the bytes read (one encoding per number).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "consensus/blk_records.h"
#include "storage/coin_codec.h"
#include "storage/undo.h"

using namespace minicash;

namespace {

constexpr NetworkMagic kMainMagic = {0xf9, 0xbe, 0xb4, 0xd9};

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_block_files: property violated: %s\n", what);
        std::abort();
    }
}

void blk_file(ByteView file, const NetworkMagic* magic) {
    const BlkSplit split = split_blk_records(file, magic);
    check(split.end_offset <= file.size(), "end offset past the file");
    Bytes again;
    for (const BlkRecord& r : split.records) {
        check(r.offset == again.size(), "records are not back to back");
        check(r.payload.data() == file.data() + r.offset + kBlkRecordHeaderSize, "payload not after its header");
        const BlkRecordHeader h = read_blk_record_header(file.subspan(r.offset));
        check(h.length == r.payload.size(), "payload length differs from the header's");
        if (magic) check(h.magic == *magic, "record with another magic");
        append_blk_record(again, h.magic, r.payload);
    }
    check(again.size() == split.end_offset, "records do not reach the end offset");
    check(std::equal(again.begin(), again.end(), file.begin()), "records re-encode differently");

    const ByteView rest = file.subspan(split.end_offset);
    switch (split.end) {
    case BlkSplitEnd::END: check(rest.empty(), "END before the end"); break;
    case BlkSplitEnd::ZERO_PADDING:
        check(!rest.empty() && std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; }),
              "ZERO_PADDING with non-zero bytes");
        break;
    case BlkSplitEnd::TRUNCATED_HEADER: check(rest.size() < kBlkRecordHeaderSize, "TRUNCATED_HEADER"); break;
    case BlkSplitEnd::WRONG_MAGIC:
        check(magic && read_blk_record_header(rest).magic != *magic, "WRONG_MAGIC with the right magic");
        break;
    case BlkSplitEnd::TRUNCATED_RECORD:
        check(split.bad_length > rest.size() - kBlkRecordHeaderSize, "TRUNCATED_RECORD that fits");
        break;
    }
    const bool complete = split.end == BlkSplitEnd::END || split.end == BlkSplitEnd::ZERO_PADDING;
    check(blk_split_error(split, "blk00000.dat").empty() == complete, "error message iff incomplete");
}

void undo(ByteView data) {
    std::string error;
    auto u = deserialize_block_undo(data, &error);
    if (!u) {
        check(!error.empty(), "undo refused without an error");
        return;
    }
    const Bytes once = serialize_block_undo(*u);
    auto again = deserialize_block_undo(once);
    check(again.has_value(), "serialized undo does not decode");
    check(serialize_block_undo(*again) == once, "undo serialization is not stable");
    check(again->txs.size() == u->txs.size(), "undo transaction count");
}

void coin_and_varints(ByteView data) {
    Reader r(data);
    const Coin coin = read_coin(r);
    if (r.ok()) {
        Bytes once;
        Writer w(once);
        write_coin(w, coin);
        Reader r2(once);
        const Coin again = read_coin(r2);
        check(r2.ok() && r2.empty(), "re-encoded coin does not decode");
        check(again.out == coin.out && again.height == coin.height && again.coinbase == coin.coinbase,
              "re-decoded coin differs");
    }
    const ByteView varints = r.ok() ? data.subspan(r.position()) : data;
    Reader v(varints);
    while (!v.empty()) {
        const size_t start = v.position();
        const uint64_t n = read_varint(v);
        if (!v.ok()) break;
        Bytes enc;
        Writer w(enc);
        write_varint(w, n);
        check(enc.size() == v.position() - start && std::equal(enc.begin(), enc.end(), varints.begin() + start),
              "VARINT has two encodings");
        check(decompress_amount(compress_amount(n)) == n || n > uint64_t(21'000'000) * 100'000'000,
              "amount compression round trip");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView in(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0: blk_file(in, nullptr); break;
    case 1: blk_file(in, &kMainMagic); break;
    case 2: undo(in); break;
    default: coin_and_varints(in); break;
    }
    return 0;
}
