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
        if (closed()) co_return Received{std::nullopt, 0, close_reason(), false};
        if (!unparsed_.empty()) {
            const size_t used = parser_.feed(unparsed_);
            unparsed_ = unparsed_.subspan(used);
            if (parser_.failed()) {
                std::string what = frame_error_name(parser_.error());
                if (parser_.error() != FrameError::BAD_MAGIC && parser_.error() != FrameError::BAD_COMMAND)
                    what += " (" + traffic_key(parser_.header().command) + ", " +
                            std::to_string(parser_.header().length) + " bytes)";
                // Wrong magic only disconnects, as Core: it is also what a v1-only node sees
                // of a BIP324 initiator, which then retries over v1.
                co_return Received{std::nullopt, 0, what, parser_.error() != FrameError::BAD_MAGIC};
            }
            if (parser_.has_message()) {
                Message msg = parser_.take();
                const size_t wire = msg.payload.size() + kHeaderSize;
                co_return Received{std::move(msg), wire, {}, false};
            }
            continue;  // everything was fed: read more
        }
        std::string error;
        std::optional<ByteView> data = co_await read_some(error);
        if (!data) co_return Received{std::nullopt, 0, error, false};
        unparsed_ = *data;
    }
}

}  // namespace minicash::net
