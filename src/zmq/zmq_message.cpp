#include "zmq/zmq_message.h"

namespace minicash::zmq {

const char* topic_name(Topic topic) {
    switch (topic) {
    case Topic::HASHBLOCK: return "hashblock";
    case Topic::HASHTX: return "hashtx";
    case Topic::RAWBLOCK: return "rawblock";
    case Topic::RAWTX: return "rawtx";
    case Topic::SEQUENCE: return "sequence";
    }
    return "";
}

std::string notifier_type(Topic topic) { return std::string("pub") + topic_name(topic); }

Bytes hash_body(const uint256& hash) { return Bytes(hash.view().rbegin(), hash.view().rend()); }

Bytes sequence_body(const uint256& hash, char label, std::optional<uint64_t> mempool_sequence) {
    Bytes body = hash_body(hash);
    body.push_back(uint8_t(label));
    if (mempool_sequence) {
        uint8_t le[8];
        write_le64(le, *mempool_sequence);
        body.insert(body.end(), le, le + 8);
    }
    return body;
}

std::array<uint8_t, 4> sequence_part(uint32_t sequence) {
    std::array<uint8_t, 4> out;
    write_le32(out.data(), sequence);
    return out;
}

}  // namespace minicash::zmq
