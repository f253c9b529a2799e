// mempool.dat in Bitcoin Core's format (versions 1 and 2), written atomically.
#include "node/mempool_internal.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "consensus/block_check.h"
#include "consensus/interpreter.h"
#include "consensus/sighash.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "node/fee_estimator.h"
#include "node/policy.h"
#include "node/sig_cache.h"
#include "util/atomic_file.h"
#include "util/logging.h"

namespace minicash {

using namespace mempool_internal;

namespace {

constexpr uint64_t kDumpVersionNoXor = 1;  // MEMPOOL_DUMP_VERSION_NO_XOR_KEY

constexpr uint64_t kDumpVersionXor = 2;  // MEMPOOL_DUMP_VERSION

}  // namespace

bool Mempool::save(const std::filesystem::path& file, std::string* error) const {
    Bytes data;
    Writer w(data);
    {
        std::lock_guard lock(impl_->mutex);
        std::vector<const Entry*> entries;
        for (const auto& [txid, e] : impl_->by_txid) entries.push_back(e.get());
        // Parents before children, so that loading re-accepts them in order.
        std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
            return a->anc_count != b->anc_count ? a->anc_count < b->anc_count : a->sequence < b->sequence;
        });
        std::map<uint256, Amount> deltas = impl_->deltas;
        w.u64(kDumpVersionNoXor);
        w.u64(entries.size());
        for (const Entry* e : entries) {
            e->tx->write(w, true);
            w.i64(e->time);
            w.i64(e->modified_fee - e->fee);
            deltas.erase(e->txid);
        }
        w.compact_size(deltas.size());
        for (const auto& [txid, delta] : deltas) {
            w.hash(txid);
            w.i64(delta);
        }
        w.compact_size(impl_->unbroadcast.size());
        for (const uint256& txid : impl_->unbroadcast) w.hash(txid);
    }
    return write_file_atomically(file, data, error);
}

bool Mempool::load(const std::filesystem::path& file, std::string* error, LoadStats* stats) {
    return load(file, error, stats, LoadOptions{});
}

bool Mempool::load(const std::filesystem::path& file, std::string* error, LoadStats* stats,
                   const LoadOptions& options) {
    LoadStats local;
    LoadStats& st = stats ? *stats : local;
    st = LoadStats{};
    auto fail = [&](const std::string& why) {
        if (error) *error = file.string() + ": " + why;
        return false;
    };
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("cannot open");
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail("cannot read");

    Reader r(data);
    const uint64_t version = r.u64();
    if (!r.ok()) return fail("truncated header");
    if (version == kDumpVersionXor) {
        // Everything after the key is XORed with it, by absolute file offset.
        const Bytes key = r.var_bytes();
        if (!r.ok()) return fail("truncated obfuscation key");
        if (!key.empty())
            for (size_t pos = r.position(); pos < data.size(); ++pos) data[pos] ^= key[pos % key.size()];
    } else if (version != kDumpVersionNoXor) {
        return fail("unknown version " + std::to_string(version));
    }
    const uint64_t count = r.u64();
    for (uint64_t n = 0; n < count; ++n) {
        Transaction tx = Transaction::read(r, true);
        int64_t time = r.i64();
        const int64_t delta = r.i64();
        if (!r.ok()) return fail("malformed transaction record: " + r.error());
        const uint256 txid = tx.txid();
        if (delta != 0 && options.apply_fee_delta_priority) prioritise(txid, delta);
        const int64_t now = impl_->chain.now();
        if (options.use_current_time) time = now;
        if (time <= now - impl_->opts.expiry_seconds) {
            ++st.expired;
            continue;
        }
        auto ptx = std::make_shared<const Transaction>(std::move(tx));
        AcceptResult result;
        std::vector<MempoolEntryInfo> added;
        impl_->chain.with_view([&](Chainstate::View& v) {
            std::lock_guard lock(impl_->mutex);
            Args a;
            a.now = v.now();
            a.accept_time = time;
            a.allow_orphan = false;
            result = impl_->accept_with_orphans(v, ptx, a, added);
        });
        impl_->notify(added);
        if (result.accepted) {
            ++st.accepted;
        } else if (contains(txid)) {
            ++st.already_there;
        } else {
            ++st.failed;
        }
    }
    const uint64_t n_deltas = r.compact_size();
    for (uint64_t n = 0; n < n_deltas && r.ok(); ++n) {
        const uint256 txid = r.hash();
        const int64_t delta = r.i64();
        if (r.ok() && options.apply_fee_delta_priority) prioritise(txid, delta);
    }
    const uint64_t n_unbroadcast = r.compact_size();
    for (uint64_t n = 0; n < n_unbroadcast && r.ok(); ++n) {
        const uint256 txid = r.hash();
        if (r.ok() && options.apply_unbroadcast_set && contains(txid)) add_unbroadcast(txid);
    }
    if (!r.ok()) return fail("malformed trailer: " + r.error());
    return true;
}

}  // namespace minicash
