#include "net/chain_access.h"

#include "consensus/pow.h"
#include "node/chainstate.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

class ChainstateAccess final : public ChainAccess {
public:
    explicit ChainstateAccess(Chainstate& cs) : cs_(cs) {}

    const BlockIndex* tip() const override { return cs_.tip(); }

    const BlockIndex* best_header() const override {
        const std::vector<ChainTip> tips = cs_.chain_tips();
        const BlockIndex* best = nullptr;
        cs_.with_view([&](Chainstate::View& view) {
            best = view.tip();
            for (const ChainTip& t : tips) {
                const BlockIndex* candidate = t.block;
                for (const BlockIndex* b = t.block; b && view.at_height(b->height) != b; b = b->prev)
                    if (b->status & BLOCK_FAILED_MASK) candidate = b->prev;
                if (candidate && best && candidate->chain_work > best->chain_work) best = candidate;
            }
        });
        return best;
    }

    const BlockIndex* lookup(const uint256& hash) const override { return cs_.lookup(hash); }

    bool process_header(const BlockHeader& header, ValidationState& state, const BlockIndex** out) override {
        return cs_.process_header(header, state, out);
    }

    bool process_block(const Block& block, ValidationState& state, bool* is_new) override {
        return cs_.process_block(block, state, is_new);
    }

    BlockPlacement placement(const uint256& hash, const BlockHeader& header) const override {
        BlockPlacement p;
        cs_.with_view([&](Chainstate::View& view) {
            p.tip = view.tip();
            if (const BlockIndex* known = view.lookup(hash)) {
                p.parent_known = true;
                p.have_data = (known->status & BLOCK_HAVE_DATA) != 0;
                p.known_invalid = (known->status & BLOCK_FAILED_MASK) != 0;
                p.height = known->height;
                p.chain_work = known->chain_work;
                return;
            }
            const BlockIndex* prev = view.lookup(header.prev_block);
            if (!prev) return;
            p.parent_known = true;
            p.height = prev->height + 1;
            p.chain_work = prev->chain_work + block_proof(header.bits);
        });
        return p;
    }

    uint256 invalid_culprit(const uint256& hash) const override {
        uint256 culprit;
        cs_.with_view([&](Chainstate::View& view) {
            const BlockIndex* b = view.lookup(hash);
            if (!b || (b->status & BLOCK_FAILED_VALID)) {
                culprit = hash;
                return;
            }
            int steps = 0;
            for (const BlockIndex* p = b->prev; p && steps < 100000 && view.at_height(p->height) != p;
                 p = p->prev, ++steps) {
                if (p->status & BLOCK_FAILED_VALID) {
                    culprit = p->hash;
                    return;
                }
            }
            if (!(b->status & BLOCK_HAVE_DATA)) culprit = hash;
        });
        return culprit;
    }

    std::vector<const BlockIndex*> blocks_after_locator(const std::vector<uint256>& locator, const uint256& stop,
                                                        size_t limit, bool stop_inclusive) const override {
        std::vector<const BlockIndex*> out;
        cs_.with_view([&](Chainstate::View& v) {
            const BlockIndex* tip = v.tip();
            if (!tip) return;
            if (locator.empty()) {
                const BlockIndex* b = v.lookup(stop);
                if (b && !(b->status & BLOCK_FAILED_MASK)) out.push_back(b);
                return;
            }
            const BlockIndex* fork = v.at_height(0);
            for (const uint256& h : locator) {
                const BlockIndex* b = v.lookup(h);
                if (!b) continue;
                if (v.at_height(b->height) == b) {
                    fork = b;
                    break;
                }
                if (b->ancestor(tip->height) == tip) {  // they are ahead of us
                    fork = tip;
                    break;
                }
            }
            for (int h = fork->height + 1; out.size() < limit; ++h) {
                const BlockIndex* b = v.at_height(h);
                if (!b) break;
                if (!stop_inclusive && b->hash == stop) break;
                out.push_back(b);
                if (b->hash == stop) break;
            }
        });
        return out;
    }

    std::optional<Bytes> read_block_for_peer(const uint256& hash, bool witness) const override {
        const BlockIndex* b = nullptr;
        cs_.with_view([&](Chainstate::View& v) {
            const BlockIndex* x = v.lookup(hash);
            if (x && (x->status & BLOCK_HAVE_DATA) && (v.at_height(x->height) == x || x->is_valid(BLOCK_VALID_SCRIPTS)))
                b = x;
        });
        std::optional<Bytes> out;
        if (!b) return out;
        try {
            if (auto block = cs_.read_block(b)) out = block->serialize(witness);
        } catch (const std::exception& e) {
            log_warning("cannot read block %s for a peer: %s", hash.to_hex().c_str(), e.what());
        }
        return out;
    }

    bool loading_blocks() const override { return cs_.loading_blocks(); }

    void subscribe(Listener listener) override {
        Chainstate::Listener l;
        if (listener.connected)
            l.connected = [f = listener.connected](const Block&, const BlockIndex* b, const Chainstate::View&) {
                f(b);
            };
        if (listener.disconnected)
            l.disconnected = [f = listener.disconnected](const Block&, const BlockIndex* b, const Chainstate::View&) {
                f(b);
            };
        cs_.add_listener(std::move(l));
    }

private:
    Chainstate& cs_;
};

}  // namespace

std::unique_ptr<ChainAccess> make_chain_access(Chainstate& chainstate) {
    return std::make_unique<ChainstateAccess>(chainstate);
}

}  // namespace minicash::net
