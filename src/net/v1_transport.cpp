#include "net/v1_transport.h"

namespace minicash::net {

V1Transport::V1Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock,
                         std::atomic<uint64_t>* sent_total, std::atomic<uint64_t>* recv_total)
    : SocketTransport(std::move(socket), clock, sent_total, recv_total), magic_(magic), parser_(magic) {}

size_t V1Transport::send(const std::string& command, ByteView payload) {
    Bytes frame = frame_message(magic_, command, payload);
    const size_t n = frame.size();
    return queue_bytes(std::move(frame)) ? n : 0;
}

asio::awaitable<Received> V1Transport::receive() {
    auto self = shared_from_this();
    for (;;) {
        if (closed()) co_return Received{std::nullopt, 0, close_reason(), std::nullopt};
        if (!unparsed_.empty()) {
            const size_t used = parser_.feed(unparsed_);
            unparsed_ = unparsed_.subspan(used);
            if (parser_.failed()) {
                // Wrong magic is also what a v1-only node sees of a BIP324 initiator, which
                // then retries over v1. Neither ends in punishment (Core).
                // `what` is the detail after the rule's reason (misbehavior.h).
                const FrameError e = parser_.error();
                std::string what;
                if (e == FrameError::OVERSIZED)
                    what = traffic_key(parser_.header().command) + ", " + std::to_string(parser_.header().length) +
                           " bytes";
                co_return Received{
                    std::nullopt, 0, what,
                    e == FrameError::BAD_MAGIC ? Misbehavior::WRONG_MAGIC : Misbehavior::OVERSIZED_MESSAGE};
            }
            if (parser_.has_message()) {
                const FrameError rejected = parser_.rejected();
                Message msg = parser_.take();
                const size_t wire = msg.payload.size() + kHeaderSize;
                if (rejected != FrameError::NONE) {
                    // Read whole, then dropped: the stream goes on (Core).
                    const std::string what =
                        sanitize_command(msg.command) + ", " + std::to_string(msg.payload.size()) + " bytes";
                    co_return Received{
                        std::nullopt, wire, what,
                        rejected == FrameError::BAD_CHECKSUM ? Misbehavior::BAD_CHECKSUM : Misbehavior::BAD_COMMAND};
                }
                co_return Received{std::move(msg), wire, {}, std::nullopt};
            }
            continue;  // everything was fed: read more
        }
        std::string error;
        std::optional<ByteView> data = co_await read_some(error);
        if (!data) co_return Received{std::nullopt, 0, error, std::nullopt};
        unparsed_ = *data;
    }
}

}  // namespace minicash::net
