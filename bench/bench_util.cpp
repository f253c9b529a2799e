#include "bench_util.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "util/hash.h"

namespace minicash::bench {

const secp256k1_context* signing_context() {
    static secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        if (c == nullptr) throw std::runtime_error("secp256k1_context_create failed");
        return c;
    }();
    return ctx;
}

uint256 secret_key(const char* label) {
    const uint256 key = sha256(ByteView(reinterpret_cast<const uint8_t*>(label), std::strlen(label)));
    if (!secp256k1_ec_seckey_verify(signing_context(), key.data()))
        throw std::runtime_error(std::string("invalid secret key for label ") + label);
    return key;
}

Bytes compressed_pubkey(const uint256& secret) {
    secp256k1_pubkey pub;
    if (!secp256k1_ec_pubkey_create(signing_context(), &pub, secret.data()))
        throw std::runtime_error("secp256k1_ec_pubkey_create failed");
    Bytes out(33);
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(signing_context(), out.data(), &len, &pub, SECP256K1_EC_COMPRESSED);
    return out;
}

std::optional<std::filesystem::path> vectors_dir() {
    const char* env = std::getenv("MINICASH_VECTORS");
    std::filesystem::path dir = (env != nullptr && *env != '\0')
                                    ? std::filesystem::path(env)
                                    : std::filesystem::path(MINICASH_SOURCE_DIR "/../shared/vectors");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    return dir;
}

SegwitTx make_segwit_tx(size_t n_inputs) {
    const Bytes pubkey = compressed_pubkey(secret_key("minicash bench sighash key"));
    const Hash160 keyhash = hash160(pubkey);

    SegwitTx s;
    s.script_code.push_op(OP_DUP).push_op(OP_HASH160).push_data(keyhash).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    Script p2wpkh;
    p2wpkh.push_op(OP_0).push_data(keyhash);

    s.tx.version = 2;
    s.tx.locktime = 0;
    for (size_t i = 0; i < n_inputs; ++i) {
        TxIn in;
        // Distinct, deterministic prevouts.
        uint8_t seed[8];
        write_le64(seed, i);
        in.prevout = OutPoint{sha256(seed), uint32_t(i % 4)};
        in.sequence = 0xfffffffd;
        in.witness = {Bytes(72, 0x30), pubkey};  // signature-sized placeholder
        s.tx.vin.push_back(std::move(in));
        s.spent.push_back(TxOut{1000000, p2wpkh});
    }
    s.tx.vout.push_back(TxOut{Amount(n_inputs) * 900000, p2wpkh});
    s.tx.vout.push_back(TxOut{Amount(n_inputs) * 90000, p2wpkh});
    return s;
}

}  // namespace minicash::bench
