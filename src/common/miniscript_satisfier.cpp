#include "common/miniscript_satisfier.h"

#include <algorithm>
#include <utility>

#include "consensus/script.h"
#include "consensus/serialize.h"

namespace minicash::miniscript {

namespace {

constexpr size_t kMaxStandardP2wshStackItems = 100;  // policy

// A candidate witness for a (sub)expression with what is known about it (Core's
// InputStack): whether it exists, whether it contains a signature (a third party cannot
// produce it), whether a third party could change it into another valid witness.
struct Candidate {
    bool available = false;
    bool has_sig = false;
    bool malleable = false;
    bool non_canon = false;  // uses a construction satisfaction never needs (kept for checks only)
    size_t size = 0;         // serialized bytes of the elements
    std::vector<Bytes> stack;
    uint32_t older = 0, after = 0;

    Candidate&& with_sig() && {
        has_sig = true;
        return std::move(*this);
    }
    Candidate&& malleable_if(bool m = true) && {
        malleable |= m;
        return std::move(*this);
    }
    Candidate&& non_canonical() && {
        non_canon = true;
        return std::move(*this);
    }
};

Candidate element(Bytes b) {
    Candidate c;
    c.available = true;
    c.size = compact_size_length(b.size()) + b.size();
    c.stack.push_back(std::move(b));
    return c;
}
Candidate element_if(std::optional<Bytes> b) { return b ? element(std::move(*b)) : Candidate{}; }
Candidate invalid() { return {}; }
Candidate empty() {
    Candidate c;
    c.available = true;
    return c;
}
Candidate zero() { return element({}); }
Candidate one() { return element({0x01}); }

// Both, `b` executed first (so its elements are on top): the stack of `a` then `b`'s.
Candidate operator+(Candidate a, Candidate b) {
    if (!a.available || !b.available) return invalid();
    a.stack.insert(a.stack.end(), std::make_move_iterator(b.stack.begin()), std::make_move_iterator(b.stack.end()));
    a.size += b.size;
    a.has_sig |= b.has_sig;
    a.malleable |= b.malleable;
    a.non_canon |= b.non_canon;
    a.older = std::max(a.older, b.older);
    a.after = std::max(a.after, b.after);
    return a;
}

// The better of two alternatives (Core's choice rules).
Candidate operator|(Candidate a, Candidate b) {
    if (!a.available) return b;
    if (!b.available) return a;
    // A third party can always use the alternative without a signature: take it.
    if (!a.has_sig && b.has_sig) return a;
    if (!b.has_sig && a.has_sig) return b;
    if (!a.has_sig && !b.has_sig) {
        // Neither needs a signature: whichever is taken, the other one could be used.
        a.malleable = b.malleable = true;
    } else {
        if (b.malleable && !a.malleable) return a;
        if (a.malleable && !b.malleable) return b;
    }
    return a.size <= b.size ? a : b;
}

struct SatDsat {
    Candidate sat, dsat;
};

class Satisfier {
public:
    Satisfier(Context ctx, const SatisfierInputs& in) : ctx_(ctx), in_(in) {}

    SatDsat produce(const Node& n) const {
        auto sub = [&](size_t i) { return produce(*n.subs[i]); };
        switch (n.fragment) {
        case Fragment::JUST_0: return {invalid(), empty()};
        case Fragment::JUST_1: return {empty(), invalid()};
        case Fragment::PK_K: return {signature(n.keys[0]), zero()};
        case Fragment::PK_H: {
            const Bytes key = in_.key ? in_.key(n.keys[0]) : Bytes{};
            return {signature(n.keys[0]) + element(key), zero() + element(key)};
        }
        case Fragment::OLDER: {
            Candidate c = in_.older && in_.older(n.k) ? empty() : invalid();
            c.older = n.k;
            return {std::move(c), invalid()};
        }
        case Fragment::AFTER: {
            Candidate c = in_.after && in_.after(n.k) ? empty() : invalid();
            c.after = n.k;
            return {std::move(c), invalid()};
        }
        case Fragment::SHA256:
        case Fragment::HASH256:
        case Fragment::RIPEMD160:
        case Fragment::HASH160: {
            // Any 32-byte value other than the preimage dissatisfies: malleable.
            Candidate pre = element_if(in_.preimage ? in_.preimage(n.fragment, n.data) : std::nullopt);
            return {std::move(pre), element(Bytes(32, 0)).malleable_if()};
        }
        case Fragment::ANDOR: {
            SatDsat x = sub(0), y = sub(1), z = sub(2);
            return {(y.sat + x.sat) | (z.sat + x.dsat), (y.dsat + x.sat).non_canonical() | (z.dsat + x.dsat)};
        }
        case Fragment::AND_V: {
            SatDsat x = sub(0), y = sub(1);
            return {y.sat + x.sat, (y.dsat + x.sat).non_canonical()};
        }
        case Fragment::AND_B: {
            SatDsat x = sub(0), y = sub(1);
            return {y.sat + x.sat, (y.dsat + x.dsat) | (y.sat + x.dsat).malleable_if().non_canonical() |
                                       (y.dsat + x.sat).malleable_if().non_canonical()};
        }
        case Fragment::OR_B: {
            SatDsat x = sub(0), z = sub(1);
            return {(z.dsat + x.sat) | (z.sat + x.dsat) | (z.sat + x.sat).malleable_if().non_canonical(),
                    z.dsat + x.dsat};
        }
        case Fragment::OR_C: {
            SatDsat x = sub(0), z = sub(1);
            return {x.sat | (z.sat + x.dsat), invalid()};
        }
        case Fragment::OR_D: {
            SatDsat x = sub(0), z = sub(1);
            return {x.sat | (z.sat + x.dsat), z.dsat + x.dsat};
        }
        case Fragment::OR_I: {
            SatDsat x = sub(0), z = sub(1);
            return {(x.sat + one()) | (z.sat + zero()), (x.dsat + one()) | (z.dsat + zero())};
        }
        case Fragment::THRESH: return thresh(n);
        case Fragment::MULTI: return multi(n);
        case Fragment::MULTI_A: return multi_a(n);
        case Fragment::WRAP_A:
        case Fragment::WRAP_S:
        case Fragment::WRAP_C:
        case Fragment::WRAP_N: return sub(0);
        case Fragment::WRAP_D: {
            SatDsat x = sub(0);
            return {x.sat + one(), zero()};
        }
        case Fragment::WRAP_V: return {sub(0).sat, invalid()};
        case Fragment::WRAP_J: {
            // A zero skips X. If X has a dissatisfaction without a signature, a third party
            // may use that one instead (its top element may be nonzero): malleable.
            SatDsat x = sub(0);
            return {x.sat, zero().malleable_if(x.dsat.available && !x.dsat.has_sig)};
        }
        }
        return {};
    }

private:
    Candidate signature(size_t key) const {
        return element_if(in_.signature ? in_.signature(key) : std::nullopt).with_sig();
    }

    // best[j]: the best witness so far with exactly j of the subexpressions satisfied.
    // Subexpressions are taken last first: the first one's elements end on top.
    SatDsat thresh(const Node& n) const {
        std::vector<Candidate> best{empty()};
        for (size_t i = n.subs.size(); i-- > 0;) {
            SatDsat r = produce(*n.subs[i]);
            std::vector<Candidate> next;
            next.push_back(best[0] + r.dsat);
            for (size_t j = 1; j < best.size(); ++j) next.push_back((best[j] + r.dsat) | (best[j - 1] + r.sat));
            next.push_back(best.back() + r.sat);
            best = std::move(next);
        }
        Candidate dsat = invalid();
        for (size_t j = 0; j < best.size(); ++j) {
            // Only all-dissatisfied is canonical; any other count but k is a dissatisfaction
            // a third party could also make from the canonical one's parts.
            if (j != 0 && j != n.k) best[j].malleable = best[j].non_canon = true;
            if (j != n.k) dsat = std::move(dsat) | std::move(best[j]);
        }
        return {std::move(best[n.k]), std::move(dsat)};
    }

    // CHECKMULTISIG: the dummy, then k signatures in key order (the last key's on top).
    SatDsat multi(const Node& n) const {
        std::vector<Candidate> best{zero()};
        for (size_t key : n.keys) {
            Candidate sig = signature(key);
            std::vector<Candidate> next;
            next.push_back(best[0]);
            for (size_t j = 1; j < best.size(); ++j) next.push_back(best[j] | (best[j - 1] + sig));
            next.push_back(best.back() + sig);
            best = std::move(next);
        }
        Candidate dsat = zero();
        for (uint32_t i = 0; i < n.k; ++i) dsat = std::move(dsat) + zero();
        return {std::move(best[n.k]), std::move(dsat)};
    }

    // CHECKSIG / CHECKSIGADD: one element per key, the first key's on top; an empty
    // element for each key that does not sign.
    SatDsat multi_a(const Node& n) const {
        std::vector<Candidate> best{empty()};
        for (size_t i = n.keys.size(); i-- > 0;) {
            Candidate sig = signature(n.keys[i]);
            std::vector<Candidate> next;
            next.push_back(best[0] + zero());
            for (size_t j = 1; j < best.size(); ++j) next.push_back((best[j] + zero()) | (best[j - 1] + sig));
            next.push_back(best.back() + sig);
            best = std::move(next);
        }
        Candidate dsat = empty();
        for (size_t i = 0; i < n.keys.size(); ++i) dsat = std::move(dsat) + zero();
        return {std::move(best[n.k]), std::move(dsat)};
    }

    Context ctx_;
    const SatisfierInputs& in_;
};

// The top-level satisfaction, when it exists and is non-malleable.
std::optional<Candidate> top(const Node& node, Context ctx, const SatisfierInputs& in) {
    Candidate sat = Satisfier(ctx, in).produce(node).sat;
    if (!sat.available || sat.malleable || !sat.has_sig) return std::nullopt;
    return sat;
}

std::string timelock_text(const Candidate& c) {
    std::string out;
    if (c.older) out += "older(" + std::to_string(c.older) + ")";
    if (c.after) out += std::string(out.empty() ? "" : " and ") + "after(" + std::to_string(c.after) + ")";
    return out;
}

}  // namespace

std::optional<Satisfaction> satisfy(const Node& node, Context ctx, const SatisfierInputs& inputs, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<Satisfaction> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (auto sat = top(node, ctx, inputs)) {
        if (ctx == Context::P2WSH && sat->stack.size() > kMaxStandardP2wshStackItems)
            return fail("its satisfaction has more than 100 stack elements (non-standard)");
        if (sat->stack.size() > kMaxStackSize) return fail("its satisfaction exceeds the stack limit");
        return Satisfaction{std::move(sat->stack), sat->older, sat->after};
    }
    // Why not: the timelocks, the signatures and preimages, or nothing helps.
    SatisfierInputs any_time = inputs;
    any_time.older = [](uint32_t) { return true; };
    any_time.after = [](uint32_t) { return true; };
    if (auto sat = top(node, ctx, any_time))
        return fail("the transaction does not meet the timelock it needs (" + timelock_text(*sat) + ")");
    SatisfierInputs everything = any_time;
    everything.signature = [](size_t) { return std::optional<Bytes>(Bytes(64, 1)); };
    everything.preimage = [](Fragment, const Bytes&) { return std::optional<Bytes>(Bytes(32, 1)); };
    if (top(node, ctx, everything)) return fail("signatures or preimages are missing");
    return fail("it has no non-malleable satisfaction");
}

bool tx_meets_older(const Transaction& tx, size_t i, uint32_t n) {
    if (i >= tx.vin.size() || tx.version < 2) return false;
    const uint32_t seq = tx.vin[i].sequence;
    if (seq & TxIn::kSequenceDisableFlag) return false;
    constexpr uint32_t kMask = TxIn::kSequenceTypeFlag | TxIn::kSequenceLocktimeMask;
    const uint32_t have = seq & kMask, need = n & kMask;
    if ((have & TxIn::kSequenceTypeFlag) != (need & TxIn::kSequenceTypeFlag)) return false;
    return have >= need;
}

bool tx_meets_after(const Transaction& tx, size_t i, uint32_t n) {
    if (i >= tx.vin.size() || tx.vin[i].sequence == TxIn::kSequenceFinal) return false;
    if ((tx.locktime < kLocktimeThreshold) != (n < kLocktimeThreshold)) return false;
    return tx.locktime >= n;
}

}  // namespace minicash::miniscript
