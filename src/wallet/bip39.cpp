#include "wallet/bip39.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "util/hash.h"

namespace minicash {
namespace {

bool set_error(std::string* error, const std::string& msg) {
    if (error) *error = msg;
    return false;
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const size_t start = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

// Reads bit `i` (most significant first) of `data`.
inline bool get_bit(const uint8_t* data, size_t i) { return (data[i / 8] >> (7 - i % 8)) & 1; }

}  // namespace

std::optional<uint16_t> bip39_word_index(std::string_view word) {
    const auto list = bip39_english_wordlist();
    const auto it = std::lower_bound(list.begin(), list.end(), word,
                                     [](const char* a, std::string_view b) { return std::string_view(a) < b; });
    if (it == list.end() || std::string_view(*it) != word) return std::nullopt;
    return static_cast<uint16_t>(it - list.begin());
}

std::optional<std::string> mnemonic_from_entropy(ByteView entropy) {
    const size_t n = entropy.size();
    if (n < 16 || n > 32 || n % 4 != 0) return std::nullopt;
    // entropy || first n/4 bits of SHA256(entropy)
    Bytes bits(entropy.begin(), entropy.end());
    const uint256 h = sha256(entropy);
    bits.push_back(h.data()[0]);
    const size_t total = n * 8 + n / 4;
    std::string out;
    for (size_t w = 0; w < total / 11; ++w) {
        unsigned idx = 0;
        for (size_t b = 0; b < 11; ++b) idx = (idx << 1) | (get_bit(bits.data(), w * 11 + b) ? 1u : 0u);
        if (w) out += ' ';
        out += bip39_english_wordlist()[idx];
    }
    OPENSSL_cleanse(bits.data(), bits.size());
    return out;
}

std::optional<Bytes> mnemonic_to_entropy(std::string_view mnemonic, std::string* error) {
    const std::vector<std::string_view> words = split_words(mnemonic);
    const size_t nw = words.size();
    if (nw < 12 || nw > 24 || nw % 3 != 0) {
        set_error(error, "a mnemonic has 12, 15, 18, 21 or 24 words, this one has " + std::to_string(nw));
        return std::nullopt;
    }
    const size_t total = nw * 11;
    const size_t ent_bits = total * 32 / 33;
    Bytes bits((total + 7) / 8, 0);
    for (size_t w = 0; w < nw; ++w) {
        const std::optional<uint16_t> idx = bip39_word_index(words[w]);
        if (!idx) {
            set_error(error, "word " + std::to_string(w + 1) + " is not in the BIP39 English word list");
            OPENSSL_cleanse(bits.data(), bits.size());
            return std::nullopt;
        }
        for (size_t b = 0; b < 11; ++b) {
            if ((*idx >> (10 - b)) & 1) {
                const size_t pos = w * 11 + b;
                bits[pos / 8] |= static_cast<uint8_t>(0x80 >> (pos % 8));
            }
        }
    }
    Bytes entropy(bits.begin(), bits.begin() + ent_bits / 8);
    const uint256 h = sha256(entropy);
    bool ok = true;
    for (size_t b = 0; b < total - ent_bits; ++b) {
        if (get_bit(bits.data(), ent_bits + b) != get_bit(h.data(), b)) ok = false;
    }
    OPENSSL_cleanse(bits.data(), bits.size());
    if (!ok) {
        OPENSSL_cleanse(entropy.data(), entropy.size());
        set_error(error, "mnemonic checksum does not match (a word is wrong or the order is changed)");
        return std::nullopt;
    }
    return entropy;
}

std::optional<std::array<uint8_t, 64>> mnemonic_to_seed(std::string_view mnemonic, std::string_view passphrase,
                                                        std::string* error) {
    for (char c : passphrase) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            set_error(error,
                      "the passphrase contains non-ASCII characters; BIP39 needs their Unicode NFKD form, "
                      "which this wallet does not compute (use an ASCII passphrase)");
            return std::nullopt;
        }
    }
    std::optional<Bytes> entropy = mnemonic_to_entropy(mnemonic, error);
    if (!entropy) return std::nullopt;
    OPENSSL_cleanse(entropy->data(), entropy->size());

    std::string sentence;
    for (std::string_view w : split_words(mnemonic)) {
        if (!sentence.empty()) sentence += ' ';
        sentence.append(w);
    }
    std::string salt = "mnemonic";
    salt.append(passphrase);
    std::array<uint8_t, 64> seed{};
    const int ok = PKCS5_PBKDF2_HMAC(sentence.data(), static_cast<int>(sentence.size()),
                                     reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                                     2048, EVP_sha512(), static_cast<int>(seed.size()), seed.data());
    OPENSSL_cleanse(sentence.data(), sentence.size());
    OPENSSL_cleanse(salt.data(), salt.size());
    if (ok != 1) {
        set_error(error, "PBKDF2 failed");
        return std::nullopt;
    }
    return seed;
}

}  // namespace minicash
