// Writes seed corpora for the fuzz targets from the shared test vectors.
//
//   fuzz_seeds VECTORS_DIR OUT_DIR
//
// creates OUT_DIR/tx (raw transactions and small blocks: fuzz_tx_deserialize) and
// OUT_DIR/script (script_tests.json cases and real spends from the regtest chain, in
// the layout of fuzz_input.h: fuzz_script_interpreter). Seeds are generated at run time
// rather than stored in the repository, so the vectors stay the only copy of the data.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>

#include <boost/json.hpp>

#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "consensus/script_flags.h"
#include "fuzz_input.h"
#include "test/util/script_notation.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
namespace fs = std::filesystem;

namespace {

size_t g_written = 0;

void write_seed(const fs::path& dir, ByteView bytes) {
    // Named by content, so identical seeds collapse into one file.
    const fs::path path = dir / sha256(bytes).to_hex().substr(0, 16);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
    ++g_written;
}

// The blocks of a blk*.dat style file (magic, uint32 LE length, block).
std::vector<Bytes> blk_records(const Bytes& data) {
    std::vector<Bytes> out;
    for (const BlkRecord& r : split_blk_records(data).records) out.emplace_back(r.payload.begin(), r.payload.end());
    return out;
}

void tx_seeds(const fs::path& vectors, const fs::path& out) {
    for (const char* name : {"core/tx_valid.json", "core/tx_invalid.json"}) {
        const boost::json::value v = test::load_json(vectors / name);
        size_t n = 0;
        for (const auto& entry : v.as_array()) {
            const auto& a = entry.as_array();
            if (a.size() < 3 || !a[1].is_string()) continue;  // comments
            if (++n % 2) continue;                            // half of them is plenty
            if (auto bytes = hex_decode(std::string(a[1].as_string()))) write_seed(out, *bytes);
        }
    }
    write_seed(out, test::read_binary(vectors / "chain/genesis-mainnet.raw"));
    const auto blocks = blk_records(test::read_binary(vectors / "chain/mainnet-1-255.blk"));
    // Blocks with a second transaction, and a few coinbase-only ones.
    for (size_t i = 0; i < blocks.size(); ++i) {
        auto block = Block::decode(blocks[i]);
        if (block && (block->txs.size() > 1 || i % 64 == 0)) write_seed(out, blocks[i]);
    }
}

void script_test_seeds(const fs::path& vectors, const fs::path& out) {
    const boost::json::value v = test::load_json(vectors / "core/script_tests.json");
    uint8_t mode = 0;
    for (const auto& entry : v.as_array()) {
        const auto& a = entry.as_array();
        if (a.size() < 4) continue;  // comments
        fuzz::ScriptInput in;
        size_t i = 0;
        if (a[0].is_array()) {
            const auto& w = a[0].as_array();
            bool usable = !w.empty();
            for (size_t k = 0; usable && k + 1 < w.size(); ++k) {
                auto item = w[k].is_string() ? hex_decode(std::string(w[k].as_string())) : std::nullopt;
                if (!item) usable = false;  // #SCRIPT# / #CONTROLBLOCK# placeholders
                else in.witness.push_back(*item);
            }
            if (!usable) continue;
            in.amount = Amount(std::llround(w.back().to_number<double>() * double(kCoin)));
            i = 1;
        }
        if (!a[i].is_string() || !a[i + 1].is_string() || !a[i + 2].is_string()) continue;
        auto sig = test::parse_script_notation(std::string(a[i].as_string()));
        auto spk = test::parse_script_notation(std::string(a[i + 1].as_string()));
        auto flags = parse_script_flags(std::string(a[i + 2].as_string()));
        if (!sig || !spk || !flags) continue;
        in.script_sig = *sig;
        in.script_pubkey = *spk;
        in.flags = fuzz::complete_flags(*flags);
        in.mode = mode++ % 3;
        write_seed(out, fuzz::encode_script_input(in));
    }
}

struct OutPointHash {
    size_t operator()(const OutPoint& o) const { return size_t(o.txid.low64()) ^ o.index; }
};

// Real spends of every output type from the regtest chain (their signatures do not
// verify against the fuzz target's transaction, but the script paths are real).
void chain_spend_seeds(const fs::path& vectors, const fs::path& out) {
    const auto blocks = blk_records(test::read_binary(vectors / "chain/regtest/chain-a.blk"));
    std::unordered_map<OutPoint, TxOut, OutPointHash> coins;
    size_t inputs = 0;
    for (const Bytes& raw : blocks) {
        auto block = Block::decode(raw);
        if (!block) continue;
        for (const Transaction& tx : block->txs) {
            const uint256 txid = tx.txid();
            for (const TxIn& in : tx.vin) {
                auto it = coins.find(in.prevout);
                if (it == coins.end()) continue;
                if (inputs++ % 40 == 0 && it->second.script_pubkey.size() < 65536) {
                    fuzz::ScriptInput s;
                    s.flags = kStandardScriptFlags;
                    s.amount = it->second.value;
                    s.mode = uint8_t(inputs % 3);
                    s.script_sig = in.script_sig;
                    s.script_pubkey = it->second.script_pubkey;
                    s.witness = in.witness;
                    write_seed(out, fuzz::encode_script_input(s));
                }
                coins.erase(it);
            }
            for (uint32_t n = 0; n < tx.vout.size(); ++n) coins[OutPoint{txid, n}] = tx.vout[n];
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: fuzz_seeds VECTORS_DIR OUT_DIR\n";
        return 1;
    }
    try {
        const fs::path vectors = argv[1], out = argv[2];
        fs::create_directories(out / "tx");
        fs::create_directories(out / "script");
        tx_seeds(vectors, out / "tx");
        const size_t tx_count = g_written;
        script_test_seeds(vectors, out / "script");
        chain_spend_seeds(vectors, out / "script");
        std::cout << "fuzz_seeds: wrote " << tx_count << " tx seeds and " << (g_written - tx_count)
                  << " script seeds under " << out.string() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "fuzz_seeds: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
