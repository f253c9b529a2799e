#include "net/block_filter_serving.h"

#include "net/chain_access.h"
#include "net/job_runner.h"
#include "net/peer_network.h"
#include "node/index/block_filter_index.h"
#include "util/hash.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

class IndexFilterSource final : public BlockFilterSource {
public:
    explicit IndexFilterSource(const BlockFilterIndex& index) : index_(index) {}
    std::optional<Entry> lookup(const uint256& block_hash) const override {
        auto e = index_.lookup(block_hash);
        if (!e) return std::nullopt;
        return Entry{std::move(e->filter), e->header};
    }

private:
    const BlockFilterIndex& index_;
};

}  // namespace

std::unique_ptr<BlockFilterSource> make_block_filter_source(const BlockFilterIndex& index) {
    return std::make_unique<IndexFilterSource>(index);
}

struct FilterServer::Range {
    const BlockIndex* stop = nullptr;
    std::vector<const BlockIndex*> blocks;  // start_height .. stop, in order
};

asio::awaitable<std::optional<FilterServer::Range>> FilterServer::prepare(std::shared_ptr<Peer> peer,
                                                                          const FilterRequest& req, uint32_t max_count,
                                                                          const char* what) {
    if (req.filter_type != kBasicFilter || !deps_.filters || !(deps_.options.local_services & NODE_COMPACT_FILTERS)) {
        deps_.network.misbehaving(
            *peer, Misbehavior::BAD_FILTER_REQUEST,
            std::string(what) + ": unsupported block filter type " + std::to_string(int(req.filter_type)));
        co_return std::nullopt;
    }
    ChainAccess& chain = deps_.chain;
    const uint256 stop_hash = req.stop_hash;
    auto lookup_job = [&chain, stop_hash]() -> const BlockIndex* {
        const BlockIndex* b = chain.lookup(stop_hash);
        const BlockIndex* tip = chain.tip();
        if (!b || !tip) return nullptr;
        const bool active = tip->height >= b->height && tip->ancestor(b->height) == b;
        return active || b->is_valid(BLOCK_VALID_SCRIPTS) ? b : nullptr;
    };
    const BlockIndex* stop = co_await deps_.query.run(lookup_job);
    if (peer->disconnected()) co_return std::nullopt;
    if (!stop) {
        deps_.network.misbehaving(*peer, Misbehavior::BAD_FILTER_REQUEST,
                                  std::string(what) + ": unknown stop hash " + stop_hash.to_hex());
        co_return std::nullopt;
    }
    const uint32_t stop_height = uint32_t(stop->height);
    if (req.start_height > stop_height) {
        deps_.network.misbehaving(*peer, Misbehavior::BAD_FILTER_REQUEST,
                                  std::string(what) + ": start height " + std::to_string(req.start_height) +
                                      " above stop height " + std::to_string(stop_height));
        co_return std::nullopt;
    }
    if (stop_height - req.start_height >= max_count) {
        deps_.network.misbehaving(*peer, Misbehavior::BAD_FILTER_REQUEST,
                                  std::string(what) +
                                      ": too many requested: " + std::to_string(stop_height - req.start_height + 1) +
                                      " / " + std::to_string(max_count));
        co_return std::nullopt;
    }
    Range r;
    r.stop = stop;
    if (max_count == UINT32_MAX) co_return r;  // getcfcheckpt walks ancestors itself
    r.blocks.resize(stop_height - req.start_height + 1);
    const BlockIndex* b = stop;
    for (size_t i = r.blocks.size(); i-- > 0; b = b->prev) r.blocks[i] = b;
    co_return r;
}

asio::awaitable<void> FilterServer::handle(std::shared_ptr<Peer> peer, std::string command, ByteView payload) {
    if (command == cmd::GETCFILTERS) co_await handle_getcfilters(peer, payload);
    else if (command == cmd::GETCFHEADERS) co_await handle_getcfheaders(peer, payload);
    else co_await handle_getcfcheckpt(peer, payload);
}

asio::awaitable<void> FilterServer::handle_getcfilters(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto req = decode_filter_request(payload, true, &error);
    if (!req) co_return deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "getcfilters message: " + error);
    std::optional<Range> range = co_await prepare(peer, *req, kMaxGetCFilters, "getcfilters");
    if (!range) co_return;
    const BlockFilterSource* filters = deps_.filters;
    auto read_job = [filters, &range] {
        std::vector<Bytes> out;
        for (const BlockIndex* b : range->blocks) {
            auto e = filters->lookup(b->hash);
            if (!e) return std::vector<Bytes>{};
            out.push_back(std::move(e->filter));
        }
        return out;
    };
    std::vector<Bytes> found = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return;
    if (found.size() != range->blocks.size()) {
        log_debug(LogCategory::NET, "block filters not indexed yet for peer=%lld's getcfilters", (long long)peer->id);
        co_return;
    }
    for (size_t i = 0; i < found.size(); ++i) {
        co_await peer->wait_send_below(Peer::kSendSoftLimit);
        if (peer->disconnected()) co_return;
        peer->send(cmd::CFILTER, encode_cfilter(CFilterMsg{kBasicFilter, range->blocks[i]->hash, std::move(found[i])}));
    }
}

asio::awaitable<void> FilterServer::handle_getcfheaders(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto req = decode_filter_request(payload, true, &error);
    if (!req) co_return deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "getcfheaders message: " + error);
    std::optional<Range> range = co_await prepare(peer, *req, kMaxGetCFHeaders, "getcfheaders");
    if (!range) co_return;
    const BlockFilterSource* filters = deps_.filters;
    auto read_job = [filters, &range]() -> std::optional<CFHeadersMsg> {
        CFHeadersMsg m;
        m.filter_type = kBasicFilter;
        m.stop_hash = range->stop->hash;
        if (const BlockIndex* before = range->blocks.front()->prev) {
            auto e = filters->lookup(before->hash);
            if (!e) return std::nullopt;
            m.previous_header = e->header;
        }
        for (const BlockIndex* b : range->blocks) {
            auto e = filters->lookup(b->hash);
            if (!e) return std::nullopt;
            m.filter_hashes.push_back(sha256d(e->filter));
        }
        return m;
    };
    std::optional<CFHeadersMsg> m = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return;
    if (!m) {
        log_debug(LogCategory::NET, "block filters not indexed yet for peer=%lld's getcfheaders", (long long)peer->id);
        co_return;
    }
    peer->send(cmd::CFHEADERS, encode_cfheaders(*m));
}

asio::awaitable<void> FilterServer::handle_getcfcheckpt(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto req = decode_filter_request(payload, false, &error);
    if (!req) co_return deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "getcfcheckpt message: " + error);
    std::optional<Range> range = co_await prepare(peer, *req, UINT32_MAX, "getcfcheckpt");
    if (!range) co_return;
    const BlockFilterSource* filters = deps_.filters;
    auto read_job = [filters, &range]() -> std::optional<CFCheckptMsg> {
        CFCheckptMsg m;
        m.filter_type = kBasicFilter;
        m.stop_hash = range->stop->hash;
        for (int h = int(kCheckpointInterval); h <= range->stop->height; h += int(kCheckpointInterval)) {
            auto e = filters->lookup(range->stop->ancestor(h)->hash);
            if (!e) return std::nullopt;
            m.headers.push_back(e->header);
        }
        return m;
    };
    std::optional<CFCheckptMsg> m = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return;
    if (!m) {
        log_debug(LogCategory::NET, "block filters not indexed yet for peer=%lld's getcfcheckpt", (long long)peer->id);
        co_return;
    }
    peer->send(cmd::CFCHECKPT, encode_cfcheckpt(*m));
}

}  // namespace minicash::net
