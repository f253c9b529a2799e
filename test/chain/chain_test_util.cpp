#include "test/chain/chain_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <ostream>
#include <set>
#include <stdexcept>
#include <thread>

#include "consensus/blk_records.h"
#include "test/util/vectors.h"
#include "util/hash.h"

extern char** environ;

namespace minicash::test {

TempDir::TempDir(const std::string& tag) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("minicash-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path_ = pattern;
}

TempDir::~TempDir() {
    const char* keep = std::getenv("MINICASH_KEEP_TMP");
    if (keep != nullptr && *keep != '\0') return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::vector<Bytes> read_block_records(const std::filesystem::path& file) {
    const Bytes data = read_binary(file);
    const BlkSplit split = split_blk_records(data);
    if (const std::string why = blk_split_error(split, file.string()); !why.empty()) throw std::runtime_error(why);
    std::vector<Bytes> out;
    for (const BlkRecord& r : split.records) out.emplace_back(r.payload.begin(), r.payload.end());
    return out;
}

std::vector<Block> read_blocks(const std::filesystem::path& file) {
    std::vector<Block> blocks;
    for (const Bytes& rec : read_block_records(file)) {
        std::string error;
        auto b = Block::decode(rec, &error);
        if (!b) throw std::runtime_error(file.string() + ": block does not decode: " + error);
        blocks.push_back(std::move(*b));
    }
    return blocks;
}

Bytes make_record(const std::array<uint8_t, 4>& magic, ByteView payload) {
    Bytes out;
    append_blk_record(out, magic, payload);
    return out;
}

void write_file(const std::filesystem::path& path, ByteView data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::unique_ptr<Chainstate> open_chainstate(const ChainParams& params, const std::filesystem::path& dir,
                                            size_t dbcache_bytes, int script_threads) {
    ChainstateOptions options;
    options.datadir = dir;
    options.dbcache_bytes = dbcache_bytes;
    options.script_threads = script_threads;
    std::string error;
    auto cs = Chainstate::open(params, options, &error);
    if (!cs) throw std::runtime_error("Chainstate::open(" + dir.string() + ") failed: " + error);
    return cs;
}

std::ostream& operator<<(std::ostream& os, const Stats& s) {
    return os << "{height " << s.height << ", bestblock " << s.bestblock << ", txouts " << s.txouts
              << ", transactions " << s.transactions << ", total_amount " << s.total_amount
              << ", hash_serialized_3 " << s.hash_serialized_3 << "}";
}

Stats to_stats(const UtxoStats& s) {
    return Stats{s.height, s.best_block.to_hex(), s.txouts, s.transactions, format_btc(s.total_amount),
                 s.hash_serialized_3.to_hex()};
}

Stats stats_from_json(const boost::json::value& v) {
    const boost::json::object& o = v.as_object();
    Stats s;
    s.height = int(o.at("height").to_number<int64_t>());
    s.bestblock = std::string(o.at("bestblock").as_string());
    s.txouts = o.at("txouts").to_number<uint64_t>();
    s.transactions = o.at("transactions").to_number<uint64_t>();
    s.total_amount = std::string(o.at("total_amount").as_string());
    s.hash_serialized_3 = std::string(o.at("hash_serialized_3").as_string());
    return s;
}

void UtxoModel::apply(const Block& block, int height) {
    for (const Transaction& tx : block.txs) {
        const bool coinbase = tx.is_coinbase();
        if (!coinbase) {
            for (const TxIn& in : tx.vin) {
                if (coins_.erase(in.prevout) != 1)
                    throw std::runtime_error("UtxoModel: input " + in.prevout.txid.to_hex() + ":" +
                                             std::to_string(in.prevout.index) + " is not unspent");
            }
        }
        const uint256 txid = tx.txid();
        for (uint32_t i = 0; i < tx.vout.size(); ++i) {
            if (tx.vout[i].script_pubkey.is_unspendable()) continue;  // OP_RETURN or > 10,000 bytes
            coins_[OutPoint{txid, i}] = Coin{tx.vout[i], height, coinbase};
        }
    }
}

Stats UtxoModel::stats(int height, const uint256& best_block) const {
    HashWriter w;
    Amount total = 0;
    uint64_t transactions = 0;
    const uint256* last_txid = nullptr;
    for (const auto& [outpoint, coin] : coins_) {
        if (last_txid == nullptr || *last_txid != outpoint.txid) ++transactions;
        last_txid = &outpoint.txid;
        w.write_hash(outpoint.txid);
        w.write_u32(outpoint.index);
        w.write_u32(uint32_t(coin.height) * 2 + (coin.coinbase ? 1 : 0));
        w.write_u64(uint64_t(coin.out.value));
        w.write_var_bytes(coin.out.script_pubkey.view());
        total += coin.out.value;
    }
    return Stats{height, best_block.to_hex(), coins_.size(), transactions, format_btc(total), w.sha256d().to_hex()};
}

std::map<std::string, Stats> reference_stats(const std::filesystem::path& vectors) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    const auto chain_a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const auto fork_b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    std::map<std::string, Stats> out;
    UtxoModel a;
    out[params.genesis.hash().to_hex()] = a.stats(0, params.genesis.hash());
    UtxoModel b;
    for (size_t i = 0; i < chain_a.size(); ++i) {
        const int height = int(i) + 1;
        a.apply(chain_a[i], height);
        out[chain_a[i].hash().to_hex()] = a.stats(height, chain_a[i].hash());
        if (height <= 430) b.apply(chain_a[i], height);
    }
    for (size_t i = 0; i < fork_b.size(); ++i) {
        const int height = 431 + int(i);
        b.apply(fork_b[i], height);
        out[fork_b[i].hash().to_hex()] = b.stats(height, fork_b[i].hash());
    }
    return out;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
                           const std::filesystem::path& err_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

ChildProcess::~ChildProcess() {
    if (!status_) kill_and_wait();
}

namespace {
int decode_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? -WTERMSIG(raw) : -999; }
}  // namespace

std::optional<int> ChildProcess::poll() {
    if (status_) return status_;
    int raw = 0;
    const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) status_ = decode_status(raw);
    return status_;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_and_wait();
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
}

int ChildProcess::kill_and_wait() {
    if (status_) return *status_;
    ::kill(pid_, SIGKILL);
    int raw = 0;
    pid_t r;
    do r = ::waitpid(pid_, &raw, 0);
    while (r < 0 && errno == EINTR);
    status_ = r == pid_ ? decode_status(raw) : -999;
    return *status_;
}

RunResult run_program(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      std::chrono::milliseconds timeout) {
    static std::atomic<int> counter{0};
    const int n = counter++;
    const auto out = scratch / ("run" + std::to_string(n) + ".out");
    const auto err = scratch / ("run" + std::to_string(n) + ".err");
    RunResult result;
    {
        ChildProcess child(argv, out, err);
        auto status = child.wait(timeout);
        result.status = status ? *status : -1000;
    }
    result.out = read_text(out);
    result.err = read_text(err);
    return result;
}

}  // namespace minicash::test
