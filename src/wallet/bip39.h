// BIP39 mnemonic sentences (English word list): entropy <-> mnemonic with its checksum,
// and mnemonic + passphrase -> 64-byte seed (PBKDF2-HMAC-SHA512, 2048 rounds, OpenSSL).
//
// Normalisation: BIP39 hashes the NFKD form of the mnemonic and passphrase. The English
// words are ASCII, for which NFKD changes nothing; this implementation does not include
// Unicode tables, so non-ASCII passphrases are refused with an explanation rather than
// silently producing a seed other wallets would not reproduce. Mnemonic words are
// separated by any run of whitespace and hashed joined by single spaces.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

// The 2048 English words, sorted; index i encodes the 11-bit value i.
std::span<const char* const, 2048> bip39_english_wordlist();

// Index of `word` in the English list, or nullopt.
[[nodiscard]] std::optional<uint16_t> bip39_word_index(std::string_view word);

// Mnemonic for `entropy` (16, 20, 24, 28 or 32 bytes -> 12..24 words), words separated
// by single spaces. nullopt for any other entropy length.
[[nodiscard]] std::optional<std::string> mnemonic_from_entropy(ByteView entropy);

// Parses a mnemonic back to its entropy, checking word count (12, 15, 18, 21 or 24),
// that every word is in the list (lower case), and the checksum bits. On failure sets
// `*error` (naming the position of an unknown word, not the word itself).
[[nodiscard]] std::optional<Bytes> mnemonic_to_entropy(std::string_view mnemonic, std::string* error = nullptr);

// The BIP39 seed of a valid mnemonic (checked as mnemonic_to_entropy does) and an
// ASCII passphrase (may be empty). The caller should wipe the result after use.
[[nodiscard]] std::optional<std::array<uint8_t, 64>> mnemonic_to_seed(std::string_view mnemonic,
                                                                      std::string_view passphrase,
                                                                      std::string* error = nullptr);

}  // namespace minicash
