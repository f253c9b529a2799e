// Transactions: outpoints, inputs, outputs, witnesses; BIP144 serialization; txid/wtxid.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consensus/amount.h"
#include "consensus/script.h"
#include "consensus/serialize.h"
#include "util/uint256.h"

namespace minicash {

struct OutPoint {
    static constexpr uint32_t kNullIndex = 0xffffffff;
    uint256 txid;
    uint32_t index = kNullIndex;

    bool is_null() const { return txid.is_null() && index == kNullIndex; }
    friend bool operator==(const OutPoint&, const OutPoint&) = default;
    friend auto operator<=>(const OutPoint&, const OutPoint&) = default;
};

using Witness = std::vector<Bytes>;  // stack items, bottom first

// A witness stack as transactions (and BIP174/BIP322) serialize it: item count, then
// each item with its length.
void read_witness(Reader& r, Witness& stack);
void write_witness(Writer& w, const Witness& stack);

struct TxIn {
    static constexpr uint32_t kSequenceFinal = 0xffffffff;
    // BIP68 relative lock-time fields of nSequence.
    static constexpr uint32_t kSequenceDisableFlag = 1u << 31;
    static constexpr uint32_t kSequenceTypeFlag = 1u << 22;  // set: time in 512 s units
    static constexpr uint32_t kSequenceLocktimeMask = 0x0000ffff;
    static constexpr int kSequenceGranularity = 9;

    OutPoint prevout;
    Script script_sig;
    uint32_t sequence = kSequenceFinal;
    Witness witness;

    friend bool operator==(const TxIn&, const TxIn&) = default;
};

struct TxOut {
    Amount value = -1;  // -1 marks a null (unset) output
    Script script_pubkey;

    bool is_null() const { return value == -1; }
    friend bool operator==(const TxOut&, const TxOut&) = default;
};

class Transaction {
public:
    int32_t version = 2;
    std::vector<TxIn> vin;
    std::vector<TxOut> vout;
    uint32_t locktime = 0;

    // Decodes one transaction from the reader (BIP144 extended format allowed when
    // `allow_witness`). On malformed input the reader's error is set.
    static Transaction read(Reader& r, bool allow_witness = true);
    // Decodes exactly the bytes given (trailing data is an error).
    [[nodiscard]] static std::optional<Transaction> decode(ByteView bytes, std::string* error = nullptr,
                                                           bool allow_witness = true);

    void write(Writer& w, bool with_witness = true) const;
    Bytes serialize(bool with_witness = true) const;

    // Identifiers, computed from the current fields on every call (hash once, keep the value).
    uint256 txid() const;   // double SHA-256 of the serialization without witness
    uint256 wtxid() const;  // the same with witness (equals txid when there is none)

    bool has_witness() const;
    bool is_coinbase() const { return vin.size() == 1 && vin[0].prevout.is_null(); }
    size_t total_size() const;     // with witness
    size_t stripped_size() const;  // without witness
    size_t weight() const { return stripped_size() * 3 + total_size(); }
    // Sum of output values; REQUIRES: each value and the running sum in money range.
    Amount value_out() const;

    friend bool operator==(const Transaction& a, const Transaction& b) {
        return a.version == b.version && a.vin == b.vin && a.vout == b.vout && a.locktime == b.locktime;
    }
};

}  // namespace minicash
