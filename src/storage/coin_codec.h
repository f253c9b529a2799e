// Compact encodings for unspent outputs, as Bitcoin Core stores them: base-128 VARINTs,
// compressed amounts and scripts (P2PKH, P2SH and P2PK stored as their key material).
#pragma once

#include <optional>

#include "consensus/serialize.h"
#include "consensus/tx_verify.h"

namespace minicash {

// Core's VARINT: 7 bits per byte, most significant group first, each continuation byte
// offset by one so every number has exactly one encoding. Byte order of encodings equals
// numeric order only among encodings of equal length (16511 = ff7f sorts after 16512 = 808000).
void write_varint(Writer& w, uint64_t n);
uint64_t read_varint(Reader& r);  // fails the reader on overflow or truncation

uint64_t compress_amount(uint64_t amount);
uint64_t decompress_amount(uint64_t x);

// Compressed script: 0x00+20 (P2PKH), 0x01+20 (P2SH), 0x02/0x03+32 (P2PK, compressed
// key), 0x04/0x05+32 (P2PK, uncompressed key, x only), else VARINT(size+6) + script.
void write_compressed_script(Writer& w, const Script& script);
Script read_compressed_script(Reader& r);  // uncompressed P2PK keys are restored via libsecp256k1

// A coin: VARINT(height*2 + coinbase), VARINT(compressed amount), compressed script.
void write_coin(Writer& w, const Coin& coin);
Coin read_coin(Reader& r);

// A spent coin in undo data: as write_coin, plus Core's legacy version byte (0) for
// coins with height > 0, so Core's rev*.dat layout is kept.
void write_undo_coin(Writer& w, const Coin& coin);
Coin read_undo_coin(Reader& r);

}  // namespace minicash
