#include "test/net/p2p_test_harness.h"

#include "consensus/pow.h"
#include "util/hash.h"

namespace minicash::net::test {

// ---- RecordingTransport ----

size_t RecordingTransport::send(const std::string& command, ByteView payload) {
    if (closed_) return 0;
    sent.push_back(Sent{command, Bytes(payload.begin(), payload.end())});
    return payload.size() + kHeaderSize;
}

asio::awaitable<Received> RecordingTransport::receive() {
    co_return Received{std::nullopt, 0, "recording transport: messages are delivered by the harness", std::nullopt};
}

void RecordingTransport::close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    reason_ = reason;
}

// ---- QueuedJobRunner ----

bool QueuedJobRunner::post(Job job) {
    jobs_.push_back(std::move(job));
    return true;
}

size_t QueuedJobRunner::run_pending() {
    if (held) return 0;
    size_t n = jobs_.size();
    for (size_t i = 0; i < n; ++i) {
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        job();
    }
    return n;
}

// ---- FakeTxPool ----

AcceptResult FakeTxPool::accept(const Transaction& tx) {
    offered.push_back(tx.txid());
    AcceptResult r;
    r.txid = tx.txid();
    r.wtxid = tx.wtxid();
    if (contains(r.txid)) {
        r.already_known = true;
        return r;
    }
    if (decide) {
        r = decide(tx);
        if (!r.accepted) {
            const bool held =
                std::any_of(orphans_.begin(), orphans_.end(), [&](const auto& o) { return o->wtxid() == tx.wtxid(); });
            if (!r.missing_inputs.empty() && !held) orphans_.push_back(std::make_shared<const Transaction>(tx));
            return r;
        }
    }
    r.accepted = true;
    add(tx);
    return r;
}

PackageResult FakeTxPool::accept_package(const std::vector<Transaction>& txs) {
    std::vector<uint256> ids;
    for (const Transaction& tx : txs) ids.push_back(tx.txid());
    packages.push_back(ids);
    PackageResult out;
    if (decide_package) {
        out = decide_package(txs);
        if (!out.package_msg.empty()) return out;
    }
    for (const Transaction& tx : txs) {
        AcceptResult r;
        r.accepted = true;
        r.txid = tx.txid();
        r.wtxid = tx.wtxid();
        out.results[tx.wtxid()] = r;
        if (!contains(tx.txid())) add(tx);
    }
    return out;
}

std::vector<std::shared_ptr<const Transaction>> FakeTxPool::orphan_children(const uint256& parent_txid) const {
    std::vector<std::shared_ptr<const Transaction>> out;
    for (const auto& o : orphans_)
        if (std::any_of(o->vin.begin(), o->vin.end(), [&](const TxIn& in) { return in.prevout.txid == parent_txid; }))
            out.push_back(o);
    return out;
}

std::shared_ptr<const Transaction> FakeTxPool::orphan(const uint256& hash, bool is_wtxid) const {
    for (const auto& o : orphans_)
        if ((is_wtxid ? o->wtxid() : o->txid()) == hash) return o;
    return nullptr;
}

std::shared_ptr<const Transaction> FakeTxPool::get(const uint256& txid) const {
    auto it = by_txid_.find(txid);
    return it == by_txid_.end() ? nullptr : it->second;
}

std::shared_ptr<const Transaction> FakeTxPool::get_by_wtxid(const uint256& wtxid) const {
    auto it = by_wtxid_.find(wtxid);
    return it == by_wtxid_.end() ? nullptr : it->second;
}

std::optional<MempoolEntryInfo> FakeTxPool::entry(const uint256& txid) const {
    auto it = by_txid_.find(txid);
    if (it == by_txid_.end()) return std::nullopt;
    MempoolEntryInfo e;
    e.tx = it->second;
    e.txid = txid;
    e.wtxid = it->second->wtxid();
    e.vsize = 1000;
    auto rate = fee_rate_.find(txid);
    e.fee = rate == fee_rate_.end() ? 1000 : rate->second;
    return e;
}

std::vector<MempoolEntryInfo> FakeTxPool::entries() const {
    std::vector<MempoolEntryInfo> out;
    for (const auto& [txid, tx] : by_txid_) out.push_back(*entry(txid));
    return out;
}

std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> FakeTxPool::transactions() const {
    std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> out;
    for (const auto& [wtxid, tx] : by_wtxid_) out.emplace_back(wtxid, tx);
    return out;
}

std::optional<int64_t> FakeTxPool::entry_time(const uint256& txid) const {
    auto it = entry_time_.find(txid);
    if (it == entry_time_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::shared_ptr<const Transaction>> FakeTxPool::conflicts(const Transaction& tx) const {
    std::vector<std::shared_ptr<const Transaction>> out;
    for (const auto& [txid, t] : by_txid_) {
        bool spends_same = false;
        for (const TxIn& a : t->vin)
            for (const TxIn& b : tx.vin) spends_same = spends_same || a.prevout == b.prevout;
        if (spends_same && txid != tx.txid()) out.push_back(t);
    }
    return out;
}

void FakeTxPool::remove(const uint256& txid) {
    auto it = by_txid_.find(txid);
    if (it == by_txid_.end()) return;
    by_wtxid_.erase(it->second->wtxid());
    entry_time_.erase(txid);
    by_txid_.erase(it);
}

void FakeTxPool::add(const Transaction& tx, int64_t fee_rate_per_kvb) {
    std::erase_if(orphans_, [&](const auto& o) { return o->wtxid() == tx.wtxid(); });
    auto p = std::make_shared<const Transaction>(tx);
    entry_time_[tx.txid()] = clock ? clock->unix_now() : 0;
    by_txid_[tx.txid()] = p;
    by_wtxid_[tx.wtxid()] = p;
    fee_rate_[tx.txid()] = fee_rate_per_kvb;
    MempoolEntryInfo e;
    e.tx = p;
    e.txid = tx.txid();
    e.wtxid = tx.wtxid();
    e.vsize = 1000;
    e.fee = fee_rate_per_kvb;  // per 1000 vbytes: the rate itself
    for (auto& cb : callbacks_) cb(e);
}

// ---- P2PHarness ----

P2PHarness::P2PHarness(const std::string& tag, bool with_mempool)
    : chain(tag),
      addresses([this] { return clock.unix_now(); }, 7),
      banman(std::filesystem::path(), [this] { return clock.unix_now(); }),
      with_mempool_(with_mempool) {
    options.allow_local_addresses = false;
    txpool.clock = &clock;
    work_.emplace(io.get_executor());
    chain_access = make_chain_access(chain.chain());
}

P2PHarness::~P2PHarness() {
    if (logic) {
        logic->interrupt();
        logic->shutdown();
        settle();
        logic.reset();
    }
    peers_.clear();
}

void P2PHarness::start() {
    logic = make_peer_logic(PeerLogicDeps{chain.params(), options, clock, *chain_access,
                                          with_mempool_ ? &txpool : nullptr, *this, query, validation, io, &filters});
    logic->start();
    settle();
}

std::shared_ptr<Peer> P2PHarness::connect(const PeerOptions& o) {
    const int64_t id = next_id_++;
    const std::string text = o.addr.empty() ? std::to_string(20 + id) + ".1.2.3:18444" : o.addr;
    auto addr = Service::parse(text, 18444);
    EXPECT_TRUE(addr) << text;
    auto peer = std::make_shared<Peer>(id, *addr, o.type, std::make_shared<RecordingTransport>(), clock);
    peer->permissions = o.permissions;
    peers_[id] = peer;
    logic->on_peer_connected(peer);
    settle();
    return peer;
}

void P2PHarness::handshake(const std::shared_ptr<Peer>& peer, const PeerOptions& o) {
    VersionMsg v;
    v.version = o.version;
    v.services = o.services;
    v.time = clock.unix_now();
    v.addr_recv.service = *Service::parse("8.8.8.8:18444", 18444);
    v.nonce = 0x5eed0000ull + uint64_t(peer->id);
    v.user_agent = "/fake-peer:1.0/";
    v.start_height = o.start_height;
    v.relay = o.relay;
    deliver(peer, cmd::VERSION, encode_version(v));
    if (o.wtxidrelay) deliver(peer, cmd::WTXIDRELAY);
    if (o.sendaddrv2) deliver(peer, cmd::SENDADDRV2);
    deliver(peer, cmd::VERACK);
    if (o.sendheaders) deliver(peer, cmd::SENDHEADERS);
}

std::shared_ptr<Peer> P2PHarness::connect_ready(const PeerOptions& o) {
    auto peer = connect(o);
    handshake(peer, o);
    take(peer);
    return peer;
}

void P2PHarness::deliver(const std::shared_ptr<Peer>& peer, const std::string& command, const Bytes& payload) {
    inbox_[peer->id].push_back(Message{command, payload});
    if (!reading_[peer->id]) {
        reading_[peer->id] = true;
        asio::co_spawn(io, reader(peer), asio::detached);
    }
    settle();
}

// As Connman's reader: one message at a time, the next only after the last was handled.
asio::awaitable<void> P2PHarness::reader(std::shared_ptr<Peer> peer) {
    auto& box = inbox_[peer->id];
    while (!box.empty() && !peer->disconnected()) {
        Message m = std::move(box.front());
        box.pop_front();
        try {
            co_await logic->on_message(peer, std::move(m));
        } catch (const std::exception& e) { peer->disconnect(std::string("processing error: ") + e.what()); }
    }
    box.clear();
    reading_[peer->id] = false;
}

// As Connman::peer_closed, for peers whose reader has finished.
size_t P2PHarness::close_disconnected() {
    std::vector<std::shared_ptr<Peer>> gone;
    for (const auto& [id, p] : peers_)
        if (p->disconnected() && !reading_[id]) gone.push_back(p);
    for (const auto& p : gone) {
        if (p->discourage_on_close) banman.discourage(p->addr.addr);
        logic->on_peer_closed(*p);
        peers_.erase(p->id);
    }
    return gone.size();
}

void P2PHarness::settle() {
    for (int round = 0; round < 100000; ++round) {
        size_t n = io.poll();
        n += query.run_pending();
        n += validation.run_pending();
        n += close_disconnected();
        if (n == 0) return;
    }
    ADD_FAILURE() << "the logic never became quiet";
}

void P2PHarness::tick(int n) {
    for (int i = 0; i < n; ++i) {
        clock.advance(500ms);
        logic->on_tick();
        settle();
    }
}

void P2PHarness::pass(std::chrono::milliseconds d) { tick(int((d.count() + 499) / 500)); }

RecordingTransport& P2PHarness::transport(const Peer& peer) {
    return static_cast<RecordingTransport&>(const_cast<Peer&>(peer).transport());
}

std::vector<Sent> P2PHarness::take(const std::shared_ptr<Peer>& peer) {
    std::vector<Sent> out;
    out.swap(transport(*peer).sent);
    return out;
}

std::vector<std::string> P2PHarness::commands(const std::shared_ptr<Peer>& peer) const {
    std::vector<std::string> out;
    for (const Sent& s : transport(*peer).sent) out.push_back(s.command);
    return out;
}

size_t P2PHarness::count(const std::shared_ptr<Peer>& peer, const std::string& command) const {
    size_t n = 0;
    for (const Sent& s : transport(*peer).sent) n += s.command == command;
    return n;
}

std::vector<Bytes> P2PHarness::payloads(const std::shared_ptr<Peer>& peer, const std::string& command) const {
    std::vector<Bytes> out;
    for (const Sent& s : transport(*peer).sent)
        if (s.command == command) out.push_back(s.payload);
    return out;
}

std::vector<Inv> P2PHarness::invs(const std::shared_ptr<Peer>& peer, const std::string& command) const {
    std::vector<Inv> out;
    for (const Bytes& p : payloads(peer, command)) {
        auto items = decode_inv(p);
        EXPECT_TRUE(items);
        if (items) out.insert(out.end(), items->begin(), items->end());
    }
    return out;
}

std::shared_ptr<Peer> P2PHarness::find_peer(int64_t id) const {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : it->second;
}

std::optional<Service> P2PHarness::local_address_for(const Peer& peer) {
    if (!is_listening || !peer.addr_as_seen.addr.is_routable()) return std::nullopt;
    return Service{peer.addr_as_seen.addr, listen_port()};
}

int P2PHarness::extra_full_outbound_count() const {
    int n = 0;
    for (const auto& [id, p] : peers_)
        if (p->type == ConnType::OUTBOUND_FULL_RELAY && p->successfully_connected && !p->disconnected()) ++n;
    return std::max(n - max_full_relay, 0);
}

int P2PHarness::extra_block_relay_count() const {
    int n = 0;
    for (const auto& [id, p] : peers_)
        if (p->block_relay_only() && p->successfully_connected && !p->disconnected()) ++n;
    return std::max(n - max_block_relay, 0);
}

void P2PHarness::misbehaving(Peer& peer, Misbehavior what, const std::string& detail) {
    reports.push_back(Report{peer.id, what, detail});
    const MisbehaviorRule& rule = misbehavior_rule(what);
    if (rule.action == PeerAction::DISCOURAGE)
        misbehaved.emplace_back(peer.id, detail.empty() ? std::string(rule.reason) : rule.reason + (": " + detail));
    act_on_misbehavior(peer, what, detail);
}

// ---- helpers ----

std::vector<BlockHeader> make_headers(const BlockHeader& parent, int count, uint32_t time, uint32_t salt) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    std::vector<BlockHeader> out;
    uint256 prev = parent.hash();
    for (int i = 0; i < count; ++i) {
        BlockHeader h;
        h.version = 0x20000000;
        h.prev_block = prev;
        HashWriter w;
        w.write_u64(uint64_t(salt) << 32 | uint32_t(i));
        h.merkle_root = w.sha256();
        h.time = time + uint32_t(i);
        h.bits = parent.bits;
        while (!check_proof_of_work(h.hash(), h.bits, params.consensus)) ++h.nonce;
        prev = h.hash();
        out.push_back(h);
    }
    return out;
}

Transaction make_tx(int n) {
    Transaction tx;
    TxIn in;
    HashWriter w;
    w.write_u64(0x7478ull << 32 | uint32_t(n));
    in.prevout = OutPoint{w.sha256(), 0};
    in.witness = {Bytes(72, 0x30), Bytes(33, 0x02)};
    tx.vin.push_back(in);
    tx.vout.push_back(TxOut{10000 + n, Script()});
    return tx;
}

std::vector<BlockHeader> headers_of(Chainstate& chain, int from, int to) {
    std::vector<BlockHeader> out;
    for (int h = from; h <= to; ++h) out.push_back(chain.at_height(h)->header);
    return out;
}

Bytes block_bytes(Chainstate& chain, int height) {
    auto block = chain.read_block(chain.at_height(height));
    EXPECT_TRUE(block);
    return block ? block->serialize(true) : Bytes{};
}

uint256 hash_at(Chainstate& chain, int height) { return chain.at_height(height)->hash; }

Bytes inv_payload(uint32_t type, const std::vector<uint256>& hashes) {
    std::vector<Inv> items;
    for (const uint256& h : hashes) items.push_back(Inv{type, h});
    return encode_inv(items);
}

}  // namespace minicash::net::test
