// What a ZMQ subscriber receives, byte for byte as Bitcoin Core publishes it (doc/zmq.md):
// a three-part message
//
//   [topic] [body] [4-byte little-endian sequence number, counted per notifier from 0]
//
//   topic       body
//   hashblock   block hash, 32 bytes in display order (reversed from the internal order)
//   hashtx      txid, 32 bytes in display order
//   rawblock    the block, serialized with witness
//   rawtx       the transaction, serialized with witness
//   sequence    32-byte hash in display order, a label, and for A and R the mempool
//               sequence number as 8 bytes little-endian:
//                 <blockhash>C  block connected        <txid>A<seq>  added to the mempool
//                 <blockhash>D  block disconnected     <txid>R<seq>  removed from the mempool
//                                                                    (not for block inclusion)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash::zmq {

// The five notification types, in Core's order (its -zmqpub* option names sorted).
enum class Topic { HASHBLOCK, HASHTX, RAWBLOCK, RAWTX, SEQUENCE };
inline constexpr Topic kAllTopics[] = {Topic::HASHBLOCK, Topic::HASHTX, Topic::RAWBLOCK, Topic::RAWTX, Topic::SEQUENCE};

// "hashblock", "hashtx", "rawblock", "rawtx", "sequence".
const char* topic_name(Topic topic);
// "pubhashblock" ...: the option (-zmqpubhashblock) and getzmqnotifications' "type".
std::string notifier_type(Topic topic);

// One message for one socket.
struct ZmqMessage {
    size_t socket = 0;  // index of the publishing socket (one per distinct address)
    Topic topic = Topic::HASHBLOCK;
    Bytes body;
    uint32_t sequence = 0;
};

// A 32-byte hash in display order (hashblock, hashtx).
Bytes hash_body(const uint256& hash);
// The sequence topic's body; `mempool_sequence` only for 'A' and 'R'.
Bytes sequence_body(const uint256& hash, char label, std::optional<uint64_t> mempool_sequence = std::nullopt);
// The third part of every message.
std::array<uint8_t, 4> sequence_part(uint32_t sequence);

}  // namespace minicash::zmq
