// sig_verify_loop: the floor for block connection speed — bare libsecp256k1 signature
// verification, nothing else (no parsing, hashing or script evaluation in the timed part).
//
//   sig_verify_loop --ecdsa N --schnorr M [--threads T]
//
// Signs N ECDSA and M BIP340 messages with 64 keys (untimed), then verifies all of them
// split evenly over T threads (default: all cores) and prints one line:
//   signatures=... threads=... seconds=... per_second=...

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/hash.h"

using namespace minicash;

namespace {

struct Item {
    bool schnorr;
    uint256 msg;
    secp256k1_pubkey pubkey;          // ECDSA
    secp256k1_ecdsa_signature ecdsa;  // normalized (low-S), parsed
    secp256k1_xonly_pubkey xonly;     // Schnorr
    uint8_t sig64[64];
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "sig_verify_loop: " << why << "\nusage: sig_verify_loop --ecdsa N --schnorr M [--threads T]\n";
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    long n_ecdsa = 0, n_schnorr = 0;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) usage(a + " needs a value");
        try {
            if (a == "--ecdsa") n_ecdsa = std::stol(argv[++i]);
            else if (a == "--schnorr") n_schnorr = std::stol(argv[++i]);
            else if (a == "--threads") threads = unsigned(std::stoul(argv[++i]));
            else usage("unknown argument " + a);
        } catch (const std::logic_error&) { usage("bad number for " + a); }
    }
    if (n_ecdsa < 0 || n_schnorr < 0 || n_ecdsa + n_schnorr == 0 || threads == 0) usage("nothing to do");

    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::vector<Item> items(size_t(n_ecdsa + n_schnorr));
    for (size_t i = 0; i < items.size(); ++i) {
        Item& it = items[i];
        it.schnorr = long(i) >= n_ecdsa;
        const std::string key_label = "sig_verify_loop key " + std::to_string(i % 64);
        const uint256 secret = sha256(ByteView(reinterpret_cast<const uint8_t*>(key_label.data()), key_label.size()));
        uint8_t counter[8];
        write_le64(counter, i);
        it.msg = sha256(counter);
        if (it.schnorr) {
            secp256k1_keypair kp;
            if (!secp256k1_keypair_create(ctx, &kp, secret.data())) throw std::runtime_error("keypair");
            if (!secp256k1_keypair_xonly_pub(ctx, &it.xonly, nullptr, &kp)) throw std::runtime_error("xonly_pub");
            if (!secp256k1_schnorrsig_sign32(ctx, it.sig64, it.msg.data(), &kp, nullptr))
                throw std::runtime_error("sign");
        } else {
            if (!secp256k1_ec_pubkey_create(ctx, &it.pubkey, secret.data())) throw std::runtime_error("pubkey");
            if (!secp256k1_ecdsa_sign(ctx, &it.ecdsa, it.msg.data(), secret.data(), nullptr, nullptr))
                throw std::runtime_error("sign");
        }
    }

    std::atomic<long> failures{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            long bad = 0;
            for (size_t i = t; i < items.size(); i += threads) {
                const Item& it = items[i];
                const int ok = it.schnorr ? secp256k1_schnorrsig_verify(ctx, it.sig64, it.msg.data(), 32, &it.xonly)
                                          : secp256k1_ecdsa_verify(ctx, &it.ecdsa, it.msg.data(), &it.pubkey);
                bad += ok ? 0 : 1;
            }
            failures += bad;
        });
    }
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    secp256k1_context_destroy(ctx);
    if (failures != 0) {
        std::cerr << "sig_verify_loop: " << failures << " signatures did not verify\n";
        return 1;
    }
    std::cout << "signatures=" << items.size() << " threads=" << threads << " seconds=" << secs
              << " per_second=" << double(items.size()) / secs << "\n";
    return 0;
}
