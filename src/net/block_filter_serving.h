// BIP157 serving (-peerblockfilters): answers getcfilters, getcfheaders and getcfcheckpt
// from the basic block filter index, with Core's limits and checks:
//   - only filter type 0 (basic), and only when we serve filters (NODE_COMPACT_FILTERS);
//   - the stop hash must name a block we would serve (on the active chain, or fully
//     validated); the start height must not be above it;
//   - at most 1,000 filters (MAX_GETCFILTERS_SIZE) or 2,000 filter hashes
//     (MAX_GETCFHEADERS_SIZE) per request; checkpoints every 1,000 blocks
//     (CFCHECKPT_INTERVAL) up to the stop block.
// A request failing a check gets the peer disconnected (not discouraged), as Core; a
// request for blocks the index has not reached yet is ignored.
//
// The index is reached through BlockFilterSource (a seam: the production adapter wraps
// node/index/block_filter_index.h; tests use a map). Lookups run as query jobs.
//
// Thread rules: event loop thread only.
#pragma once

#include <boost/asio.hpp>

#include <memory>
#include <optional>

#include "net/peer.h"
#include "net/peer_logic.h"
#include "net/protocol.h"

namespace minicash {
class BlockFilterIndex;
}

namespace minicash::net {

class BlockFilterSource {
public:
    virtual ~BlockFilterSource() = default;
    struct Entry {
        Bytes filter;    // the serialized basic filter
        uint256 header;  // its filter header
    };
    // May block (the index's database): query jobs only. nullopt when not indexed (yet).
    virtual std::optional<Entry> lookup(const uint256& block_hash) const = 0;
};

// The BlockFilterSource of a running index (which must outlive it).
std::unique_ptr<BlockFilterSource> make_block_filter_source(const BlockFilterIndex& index);

class FilterServer {
public:
    static constexpr uint32_t kMaxGetCFilters = 1000;      // MAX_GETCFILTERS_SIZE
    static constexpr uint32_t kMaxGetCFHeaders = 2000;     // MAX_GETCFHEADERS_SIZE
    static constexpr uint32_t kCheckpointInterval = 1000;  // CFCHECKPT_INTERVAL
    static constexpr uint8_t kBasicFilter = 0;

    explicit FilterServer(const PeerLogicDeps& deps) : deps_(deps) {}

    // getcfilters, getcfheaders or getcfcheckpt.
    asio::awaitable<void> handle(std::shared_ptr<Peer> peer, std::string command, ByteView payload);
    asio::awaitable<void> handle_getcfilters(std::shared_ptr<Peer> peer, ByteView payload);
    asio::awaitable<void> handle_getcfheaders(std::shared_ptr<Peer> peer, ByteView payload);
    asio::awaitable<void> handle_getcfcheckpt(std::shared_ptr<Peer> peer, ByteView payload);

private:
    // The blocks from start_height to the stop block (only the stop block for
    // max_count UINT32_MAX), after Core's checks; nullopt (the peer disconnected when it
    // broke a rule) otherwise.
    struct Range;
    asio::awaitable<std::optional<Range>> prepare(std::shared_ptr<Peer> peer, const FilterRequest& req,
                                                  uint32_t max_count, const char* what);

    PeerLogicDeps deps_;
};

}  // namespace minicash::net
