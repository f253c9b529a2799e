#include "consensus/sighash.h"

#include "util/hash.h"

namespace minicash {
namespace {

// The number 1 as a uint256 (byte 0 = 0x01): what the original algorithm "signs" when
// the input or the SIGHASH_SINGLE output does not exist.
uint256 uint256_one() {
    uint256 one;
    one.data()[0] = 1;
    return one;
}

void write_outpoint(HashWriter& w, const OutPoint& p) {
    w.write_hash(p.txid);
    w.write_u32(p.index);
}

void write_txout(HashWriter& w, const TxOut& out) {
    w.write_u64(uint64_t(out.value));
    w.write_var_bytes(out.script_pubkey.view());
}

// BIP341 single-SHA256 aggregates. BIP143 uses the SHA256 of each of the first three.
uint256 prevouts_sha256(const Transaction& tx) {
    HashWriter w;
    w.reserve(tx.vin.size() * 36);
    for (const TxIn& in : tx.vin) write_outpoint(w, in.prevout);
    return w.sha256();
}

uint256 sequences_sha256(const Transaction& tx) {
    HashWriter w;
    w.reserve(tx.vin.size() * 4);
    for (const TxIn& in : tx.vin) w.write_u32(in.sequence);
    return w.sha256();
}

uint256 outputs_sha256(const Transaction& tx) {
    HashWriter w;
    for (const TxOut& out : tx.vout) write_txout(w, out);
    return w.sha256();
}

uint256 spent_amounts_sha256(const std::vector<TxOut>& spent) {
    HashWriter w;
    w.reserve(spent.size() * 8);
    for (const TxOut& out : spent) w.write_u64(uint64_t(out.value));
    return w.sha256();
}

uint256 spent_scripts_sha256(const std::vector<TxOut>& spent) {
    HashWriter w;
    for (const TxOut& out : spent) w.write_var_bytes(out.script_pubkey.view());
    return w.sha256();
}

uint256 sha256_of(const uint256& h) { return sha256(h.view()); }

// Writes the script code as a length-prefixed string with every OP_CODESEPARATOR that
// is reached by op-by-op parsing removed. Parsing stops at the first malformed op; the
// bytes from there on are kept verbatim (as the original implementation did).
void write_script_code_without_separators(HashWriter& w, const Script& script) {
    const ByteView bytes = script.view();
    size_t separators = 0;
    {
        size_t pc = 0;
        Opcode op;
        while (script.get_op(pc, op)) {
            if (op == OP_CODESEPARATOR) ++separators;
        }
    }
    w.write_compact_size(bytes.size() - separators);
    size_t pc = 0;
    size_t segment_start = 0;
    Opcode op;
    while (script.get_op(pc, op)) {
        if (op == OP_CODESEPARATOR) {
            // pc is just past the separator byte; drop it, keep what precedes it.
            w.write(bytes.subspan(segment_start, pc - 1 - segment_start));
            segment_start = pc;
        }
    }
    w.write(bytes.subspan(segment_start));
}

}  // namespace

PrecomputedTxData::PrecomputedTxData(const Transaction& tx, std::vector<TxOut> spent, bool force) {
    init(tx, std::move(spent), force);
}

void PrecomputedTxData::init(const Transaction& tx, std::vector<TxOut> spent, bool force) {
    *this = PrecomputedTxData();
    spent_outputs = std::move(spent);
    spent_outputs_ready = !spent_outputs.empty() && spent_outputs.size() == tx.vin.size();

    // BIP143 data only helps witness inputs. BIP341 data is computed whenever every spent
    // output is known, even for a transaction without witnesses yet (a signer hashing
    // an unsigned transaction), because a taproot hash cannot be made without it.
    const bool want_bip143 = force || tx.has_witness();
    const bool want_bip341 = spent_outputs_ready;
    if (!want_bip143 && !want_bip341) return;

    prevouts_single_hash = prevouts_sha256(tx);
    sequences_single_hash = sequences_sha256(tx);
    outputs_single_hash = outputs_sha256(tx);
    if (want_bip143) {
        // BIP143's double-SHA256 equals SHA256 of BIP341's single hash.
        hash_prevouts = sha256_of(prevouts_single_hash);
        hash_sequence = sha256_of(sequences_single_hash);
        hash_outputs = sha256_of(outputs_single_hash);
        bip143_ready = true;
    }
    if (want_bip341) {
        spent_amounts_single_hash = spent_amounts_sha256(spent_outputs);
        spent_scripts_single_hash = spent_scripts_sha256(spent_outputs);
        bip341_ready = true;
    }
}

uint256 legacy_signature_hash(const Script& script_code, const Transaction& tx, unsigned n_in, int32_t hash_type) {
    if (n_in >= tx.vin.size()) return uint256_one();
    const int base_type = hash_type & 0x1f;
    const bool anyone_can_pay = (hash_type & SIGHASH_ANYONECANPAY) != 0;
    const bool hash_none = base_type == SIGHASH_NONE;
    const bool hash_single = base_type == SIGHASH_SINGLE;
    if (hash_single && n_in >= tx.vout.size()) return uint256_one();

    // The modified transaction is streamed straight into the hasher, never built.
    HashWriter w;
    w.write_u32(uint32_t(tx.version));

    const size_t n_inputs = anyone_can_pay ? 1 : tx.vin.size();
    w.write_compact_size(n_inputs);
    for (size_t i = 0; i < n_inputs; ++i) {
        const size_t idx = anyone_can_pay ? n_in : i;
        const TxIn& in = tx.vin[idx];
        write_outpoint(w, in.prevout);
        if (idx == n_in) {
            write_script_code_without_separators(w, script_code);
        } else {
            w.write_compact_size(0);  // other inputs sign with an empty script
        }
        // NONE and SINGLE let other inputs change their sequence.
        w.write_u32(idx != n_in && (hash_none || hash_single) ? 0 : in.sequence);
    }

    const size_t n_outputs = hash_none ? 0 : hash_single ? size_t(n_in) + 1 : tx.vout.size();
    w.write_compact_size(n_outputs);
    for (size_t i = 0; i < n_outputs; ++i) {
        if (hash_single && i != n_in) {
            // A blanked output: value -1, empty script.
            w.write_u64(uint64_t(int64_t(-1)));
            w.write_compact_size(0);
        } else {
            write_txout(w, tx.vout[i]);
        }
    }
    w.write_u32(tx.locktime);
    w.write_u32(uint32_t(hash_type));
    return w.sha256d();
}

uint256 witness_v0_signature_hash(const Script& script_code, const Transaction& tx, unsigned n_in, int32_t hash_type,
                                  Amount amount, const PrecomputedTxData* cache) {
    if (n_in >= tx.vin.size()) return uint256_one();  // REQUIRES violated; never a valid hash
    const int base_type = hash_type & 0x1f;
    const bool anyone_can_pay = (hash_type & SIGHASH_ANYONECANPAY) != 0;
    const bool none_or_single = base_type == SIGHASH_NONE || base_type == SIGHASH_SINGLE;
    const bool ready = cache != nullptr && cache->bip143_ready;

    uint256 hash_prevouts, hash_sequence, hash_outputs;  // zero unless committed to
    if (!anyone_can_pay) {
        hash_prevouts = ready ? cache->hash_prevouts : sha256_of(prevouts_sha256(tx));
        if (!none_or_single) hash_sequence = ready ? cache->hash_sequence : sha256_of(sequences_sha256(tx));
    }
    if (!none_or_single) {
        hash_outputs = ready ? cache->hash_outputs : sha256_of(outputs_sha256(tx));
    } else if (base_type == SIGHASH_SINGLE && n_in < tx.vout.size()) {
        HashWriter one;
        write_txout(one, tx.vout[n_in]);
        hash_outputs = one.sha256d();
    }

    const TxIn& in = tx.vin[n_in];
    HashWriter w;
    w.reserve(156 + script_code.size() + 9);
    w.write_u32(uint32_t(tx.version));
    w.write_hash(hash_prevouts);
    w.write_hash(hash_sequence);
    write_outpoint(w, in.prevout);
    w.write_var_bytes(script_code.view());  // BIP143: the script code as is
    w.write_u64(uint64_t(amount));
    w.write_u32(in.sequence);
    w.write_hash(hash_outputs);
    w.write_u32(tx.locktime);
    w.write_u32(uint32_t(hash_type));
    return w.sha256d();
}

std::optional<uint256> taproot_signature_hash(const ScriptExecutionData& execdata, const Transaction& tx, unsigned n_in,
                                              uint8_t hash_type, SigVersion sigversion,
                                              const PrecomputedTxData& cache) {
    uint8_t ext_flag = 0;
    if (sigversion == SigVersion::TAPSCRIPT) {
        ext_flag = 1;
        if (!execdata.tapleaf_hash_init || !execdata.codeseparator_pos_init) return std::nullopt;
    } else if (sigversion != SigVersion::TAPROOT) {
        return std::nullopt;
    }
    if (n_in >= tx.vin.size()) return std::nullopt;
    if (!cache.bip341_ready || !cache.spent_outputs_ready || cache.spent_outputs.size() != tx.vin.size())
        return std::nullopt;

    // Valid hash types: DEFAULT (0), ALL, NONE, SINGLE, each of the last three optionally
    // with ANYONECANPAY.
    if (!(hash_type <= 0x03 || (hash_type >= 0x81 && hash_type <= 0x83))) return std::nullopt;
    const uint8_t output_type =
        hash_type == SIGHASH_DEFAULT ? uint8_t(SIGHASH_ALL) : uint8_t(hash_type & SIGHASH_OUTPUT_MASK);
    const bool anyone_can_pay = (hash_type & SIGHASH_INPUT_MASK) == SIGHASH_ANYONECANPAY;
    if (output_type == SIGHASH_SINGLE && n_in >= tx.vout.size()) return std::nullopt;

    HashWriter w = HashWriter::tagged("TapSighash");
    w.reserve(64 + 1 + 1 + 4 + 4 + 5 * 32 + 1 + 36 + 8 + 35 + 4 + 32 + 32 + 32 + 1 + 4);
    w.write_u8(0);  // epoch
    w.write_u8(hash_type);

    // Transaction data.
    w.write_u32(uint32_t(tx.version));
    w.write_u32(tx.locktime);
    if (!anyone_can_pay) {
        w.write_hash(cache.prevouts_single_hash);
        w.write_hash(cache.spent_amounts_single_hash);
        w.write_hash(cache.spent_scripts_single_hash);
        w.write_hash(cache.sequences_single_hash);
    }
    if (output_type == SIGHASH_ALL) w.write_hash(cache.outputs_single_hash);

    // Data about this input.
    const bool have_annex = execdata.annex_init && execdata.annex_present;
    w.write_u8(uint8_t((ext_flag << 1) | (have_annex ? 1 : 0)));  // spend_type
    if (anyone_can_pay) {
        const TxIn& in = tx.vin[n_in];
        write_outpoint(w, in.prevout);
        write_txout(w, cache.spent_outputs[n_in]);
        w.write_u32(in.sequence);
    } else {
        w.write_u32(n_in);
    }
    if (have_annex) w.write_hash(execdata.annex_hash);

    // Data about the output signed with SINGLE.
    if (output_type == SIGHASH_SINGLE) {
        HashWriter one;
        write_txout(one, tx.vout[n_in]);
        w.write_hash(one.sha256());
    }

    // BIP342 extension.
    if (sigversion == SigVersion::TAPSCRIPT) {
        w.write_hash(execdata.tapleaf_hash);
        w.write_u8(0);  // key_version
        w.write_u32(execdata.codeseparator_pos);
    }
    return w.sha256();
}

}  // namespace minicash
