// libFuzzer target: PSBT (common/psbt.h) decoding, binary and base64, and the roles that
// work on what decodes (Combiner, Input Finalizer, Transaction Extractor, analysis).
//
// Properties:
//   * decoding never crashes; what decodes serializes to bytes that decode to an equal
//     PSBT, and serializing that gives the same bytes (one canonical form);
//   * base64 text decodes iff its bytes do, to the same PSBT; to_base64 round-trips;
//   * combining a PSBT with itself gives it back; combining with a PSBT of another
//     unsigned transaction fails;
//   * finalizing never crashes, keeps the unsigned transaction, and what it produces
//     still serializes and decodes; what a fully final PSBT extracts is the unsigned
//     transaction plus scriptSigs and witnesses; analysis never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "common/psbt.h"

using namespace minicash;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_psbt: property violated: %s\n", what);
        std::abort();
    }
}

void exercise(const Psbt& psbt) {
    const Bytes once = psbt.serialize();
    auto again = Psbt::decode(once);
    check(again.has_value(), "serialized PSBT does not decode");
    check(*again == psbt, "re-decoded PSBT differs");
    check(again->serialize() == once, "serialization is not stable");
    auto from_text = Psbt::decode_base64(psbt.to_base64());
    check(from_text.has_value() && *from_text == psbt, "base64 round trip");

    auto self = combine_psbts({psbt, psbt});
    check(self.has_value() && *self == psbt, "combining a PSBT with itself changes it");
    Psbt other = psbt;
    other.tx.locktime ^= 1;
    check(!combine_psbts({psbt, other}).has_value(), "combined PSBTs of different transactions");

    (void)analyze_psbt(psbt);
    Psbt finalized = psbt;
    const bool all_final = finalize_psbt(finalized);
    check(finalized.tx == psbt.tx, "finalizing changed the unsigned transaction");
    auto final_again = Psbt::decode(finalized.serialize());
    check(final_again.has_value() && *final_again == finalized, "finalized PSBT does not round-trip");
    (void)analyze_psbt(finalized);
    if (all_final) {
        auto tx = extract_transaction(finalized);
        if (tx) {  // the unsigned transaction with the final scriptSigs and witnesses
            Transaction stripped = *tx;
            for (TxIn& in : stripped.vin) {
                in.script_sig = Script();
                in.witness.clear();
            }
            check(stripped == psbt.tx, "extracted transaction is not the unsigned one");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView bytes(data, size);
    std::string error;
    auto psbt = Psbt::decode(bytes, &error);
    check(psbt.has_value() || !error.empty(), "decoding failed without an error");
    if (psbt) exercise(*psbt);

    // The same bytes as base64 text decode to the same thing.
    auto text = Psbt::decode_base64(base64_encode(bytes));
    check(text.has_value() == psbt.has_value(), "base64 form decodes differently");
    if (text) check(*text == *psbt, "base64 form decodes to another PSBT");

    // And the input read as text (what decodepsbt receives).
    const std::string_view as_text(reinterpret_cast<const char*>(data), size);
    if (auto t = Psbt::decode_base64(as_text)) {
        auto raw = base64_decode(as_text);
        check(raw.has_value(), "base64 PSBT whose text is not base64");
        auto b = Psbt::decode(*raw);
        check(b.has_value() && *b == *t, "base64 PSBT differs from its bytes' PSBT");
    }
    return 0;
}
