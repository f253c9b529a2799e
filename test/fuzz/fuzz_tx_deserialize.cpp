// libFuzzer target: transaction and block decoding.
//
// Properties checked on every input (a violation aborts, which libFuzzer reports):
//   * decoding never crashes, hangs or reads out of bounds (ASan/UBSan watch that);
//   * whatever decodes re-encodes to exactly the bytes it came from: the wire format
//     has one encoding per value (canonical CompactSize, no superfluous witness flag);
//   * decoding that encoding again gives an equal object;
//   * the derived values (txid, wtxid, sizes, weight, merkle roots, context-free
//     checks) can be computed for anything that decodes.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "consensus/block.h"
#include "consensus/merkle.h"
#include "consensus/transaction.h"
#include "consensus/tx_check.h"
#include "consensus/validation_state.h"
#include "util/hash.h"

using namespace minicash;

namespace {

[[noreturn]] void property_failed(const char* what) {
    std::fprintf(stderr, "fuzz_tx_deserialize: property violated: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) property_failed(what);
}

void exercise_tx(const Transaction& tx, ByteView input, bool with_witness) {
    const Bytes again = tx.serialize(with_witness);
    check(again.size() == input.size() && std::equal(again.begin(), again.end(), input.begin()),
          "transaction re-serializes to different bytes");
    auto redecoded = Transaction::decode(again, nullptr, with_witness);
    check(redecoded.has_value(), "re-serialized transaction does not decode");
    check(*redecoded == tx, "re-decoded transaction differs");

    check(tx.txid() == sha256d(tx.serialize(false)), "txid is not the hash of the stripped serialization");
    if (!tx.has_witness()) check(tx.txid() == tx.wtxid(), "wtxid differs from txid without witness");
    check(tx.stripped_size() <= tx.total_size(), "stripped size above total size");
    check(tx.weight() == tx.stripped_size() * 3 + tx.total_size(), "weight formula");
    ValidationState state;
    if (check_transaction(tx, state)) {
        check(state.valid(), "check_transaction passed with an invalid state");
        check(money_range(tx.value_out()), "check_transaction passed an out-of-range output sum");
    } else {
        check(!state.reason().empty(), "check_transaction failed without a reason");
    }
}

void exercise_block(const Block& block, ByteView input) {
    const Bytes again = block.serialize(true);
    check(again.size() == input.size() && std::equal(again.begin(), again.end(), input.begin()),
          "block re-serializes to different bytes");
    auto redecoded = Block::decode(again);
    check(redecoded.has_value(), "re-serialized block does not decode");
    check(redecoded->header == block.header && redecoded->txs == block.txs, "re-decoded block differs");
    check(BlockHeader::decode(ByteView(input).first(kBlockHeaderSize)).has_value(),
          "header of a block does not decode");

    bool mutated = false;
    (void)block_merkle_root(block, &mutated);
    (void)block_witness_merkle_root(block);
    if (auto idx = witness_commitment_index(block))
        check(*idx < block.txs[0].vout.size(), "commitment index out of range");
    check(block.weight() >= block.serialize(false).size() * 3, "block weight below 3x stripped size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView input(data, size);

    // Both transaction formats: extended (BIP144) and legacy.
    for (bool with_witness : {true, false}) {
        if (auto tx = Transaction::decode(input, nullptr, with_witness)) exercise_tx(*tx, input, with_witness);
    }
    // A prefix decode through the streaming reader must agree with the exact decode.
    {
        Reader r(input);
        Transaction tx = Transaction::read(r);
        if (r.ok()) {
            const Bytes prefix = tx.serialize(true);
            check(prefix.size() == r.position(), "streamed transaction length differs from its encoding");
            check(std::equal(prefix.begin(), prefix.end(), input.begin()), "streamed transaction bytes differ");
        }
    }
    if (auto header = BlockHeader::decode(input)) {
        check(header->serialize().size() == kBlockHeaderSize, "header re-serializes to a wrong size");
    }
    if (auto block = Block::decode(input)) exercise_block(*block, input);
    return 0;
}
