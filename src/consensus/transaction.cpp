#include "consensus/transaction.h"

#include <algorithm>

#include "util/hash.h"

namespace minicash {
namespace {

// Smallest encodings, used to bound counts against the bytes that remain.
constexpr size_t kMinTxInSize = 32 + 4 + 1 + 4;
constexpr size_t kMinTxOutSize = 8 + 1;

void read_inputs(Reader& r, std::vector<TxIn>& vin) {
    const uint64_t n = r.count(kMinTxInSize);
    vin.clear();
    vin.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        TxIn in;
        in.prevout.txid = r.hash();
        in.prevout.index = r.u32();
        in.script_sig = Script(r.var_bytes());
        in.sequence = r.u32();
        vin.push_back(std::move(in));
    }
}

void read_outputs(Reader& r, std::vector<TxOut>& vout) {
    const uint64_t n = r.count(kMinTxOutSize);
    vout.clear();
    vout.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        TxOut out;
        out.value = r.i64();
        out.script_pubkey = Script(r.var_bytes());
        vout.push_back(std::move(out));
    }
}

}  // namespace

void read_witness(Reader& r, Witness& stack) {
    const uint64_t n = r.count(1);
    stack.clear();
    stack.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) stack.push_back(r.var_bytes());
}

void write_witness(Writer& w, const Witness& stack) {
    w.compact_size(stack.size());
    for (const Bytes& item : stack) w.var_bytes(item);
}

Transaction Transaction::read(Reader& r, bool allow_witness) {
    Transaction tx;
    tx.version = r.i32();
    // BIP144: an empty input list followed by a non-zero flag byte marks the extended
    // format. "00 00" (no inputs, flag 0) therefore means no inputs and no outputs.
    uint8_t flags = 0;
    read_inputs(r, tx.vin);
    if (tx.vin.empty() && allow_witness) {
        flags = r.u8();
        if (flags != 0) {
            read_inputs(r, tx.vin);
            read_outputs(r, tx.vout);
        }
    } else {
        read_outputs(r, tx.vout);
    }
    if ((flags & 1) && allow_witness) {
        flags ^= 1;
        for (TxIn& in : tx.vin) read_witness(r, in.witness);
        if (r.ok() && !tx.has_witness()) r.fail("Superfluous witness record");
    }
    if (flags && r.ok()) r.fail("Unknown transaction optional data");
    tx.locktime = r.u32();
    return tx;
}

std::optional<Transaction> Transaction::decode(ByteView bytes, std::string* error, bool allow_witness) {
    Reader r(bytes);
    Transaction tx = read(r, allow_witness);
    if (r.ok() && !r.empty()) r.fail("trailing data after transaction");
    if (!r.ok()) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return tx;
}

void Transaction::write(Writer& w, bool with_witness) const {
    const bool extended = with_witness && has_witness();
    w.i32(version);
    if (extended) {
        w.u8(0);  // marker
        w.u8(1);  // flag
    }
    w.compact_size(vin.size());
    for (const TxIn& in : vin) {
        w.hash(in.prevout.txid);
        w.u32(in.prevout.index);
        w.var_bytes(in.script_sig.view());
        w.u32(in.sequence);
    }
    w.compact_size(vout.size());
    for (const TxOut& out : vout) {
        w.i64(out.value);
        w.var_bytes(out.script_pubkey.view());
    }
    if (extended) {
        for (const TxIn& in : vin) write_witness(w, in.witness);
    }
    w.u32(locktime);
}

Bytes Transaction::serialize(bool with_witness) const {
    Bytes out;
    Writer w(out);
    write(w, with_witness);
    return out;
}

uint256 Transaction::txid() const { return sha256d(serialize(false)); }

uint256 Transaction::wtxid() const { return sha256d(serialize(true)); }

bool Transaction::has_witness() const {
    return std::any_of(vin.begin(), vin.end(), [](const TxIn& in) { return !in.witness.empty(); });
}

size_t Transaction::total_size() const { return serialize(true).size(); }

size_t Transaction::stripped_size() const { return serialize(false).size(); }

Amount Transaction::value_out() const {
    Amount total = 0;
    for (const TxOut& out : vout) total += out.value;
    return total;
}

}  // namespace minicash
