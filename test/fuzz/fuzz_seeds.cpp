// Writes seed corpora for the fuzz targets from the shared test vectors.
//
//   fuzz_seeds VECTORS_DIR OUT_DIR
//
// creates one folder per target (README.md's table says which vectors feed which):
// tx (raw transactions and small blocks), script (script_tests.json cases and real
// spends from the regtest chain, in the layout of fuzz_input.h), p2p and framing
// (messages made of the mainnet headers), psbt (the BIP174/BIP371 vectors of
// test/common/psbt_vectors.h), descriptor (descriptors built from the BIP32 and key_io
// keys and addresses), address (key_io, bech32 and base58 strings), blocks (blk records,
// undo data and coins of the regtest chain), wallet and rpc (a few hand-made inputs in
// their modes). Seeds are generated at run time rather than stored in the repository,
// so the vectors stay the only copy of the data.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>

#include <boost/json.hpp>

#include "common/base64.h"
#include "common/descriptor.h"
#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "consensus/script_flags.h"
#include "fuzz_input.h"
#include "storage/coin_codec.h"
#include "storage/undo.h"
#include "test/common/psbt_vectors.h"
#include "test/util/script_notation.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

size_t g_written = 0;

void write_seed(const fs::path& dir, ByteView bytes) {
    fs::create_directories(dir);
    // Named by content, so identical seeds collapse into one file.
    const fs::path path = dir / sha256(bytes).to_hex().substr(0, 16);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
    ++g_written;
}

void write_text(const fs::path& dir, const std::string& text) {
    write_seed(dir, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

// A mode (selector) byte followed by `bytes`.
void write_mode(const fs::path& dir, uint8_t mode, ByteView bytes) {
    Bytes b{mode};
    append(b, bytes);
    write_seed(dir, b);
}
void write_mode(const fs::path& dir, uint8_t mode, const std::string& text) {
    write_mode(dir, mode, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
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
// Also writes the blocks' undo data and some coins to `undo_out` (fuzz_block_files
// modes 2 and 3).
void chain_spend_seeds(const fs::path& vectors, const fs::path& out, const fs::path& undo_out) {
    const auto blocks = blk_records(test::read_binary(vectors / "chain/regtest/chain-a.blk"));
    std::unordered_map<OutPoint, Coin, OutPointHash> coins;
    size_t inputs = 0;
    int height = 0;
    for (const Bytes& raw : blocks) {
        auto block = Block::decode(raw);
        ++height;
        if (!block) continue;
        BlockUndo undo;
        for (const Transaction& tx : block->txs) {
            const uint256 txid = tx.txid();
            if (!tx.is_coinbase()) undo.txs.emplace_back();
            for (const TxIn& in : tx.vin) {
                auto it = coins.find(in.prevout);
                if (it == coins.end()) continue;
                undo.txs.back().spent.push_back(it->second);
                if (inputs % 97 == 0) {
                    Bytes coin;
                    Writer w(coin);
                    write_coin(w, it->second);
                    write_mode(undo_out, 3, coin);
                }
                const TxOut& spent = it->second.out;
                if (inputs++ % 40 == 0 && spent.script_pubkey.size() < 65536) {
                    fuzz::ScriptInput s;
                    s.flags = kStandardScriptFlags;
                    s.amount = spent.value;
                    s.mode = uint8_t(inputs % 3);
                    s.script_sig = in.script_sig;
                    s.script_pubkey = spent.script_pubkey;
                    s.witness = in.witness;
                    write_seed(out, fuzz::encode_script_input(s));
                }
                coins.erase(it);
            }
            for (uint32_t n = 0; n < tx.vout.size(); ++n)
                coins[OutPoint{txid, n}] = Coin{tx.vout[n], height, tx.is_coinbase()};
        }
        if (height % 5 == 0 || undo.txs.size() > 1) write_mode(undo_out, 2, serialize_block_undo(undo));
    }
}

// fuzz_block_files modes 0 and 1: the start of the mainnet and regtest blk files.
void blk_file_seeds(const fs::path& vectors, const fs::path& out) {
    const Bytes mainnet = test::read_binary(vectors / "chain/mainnet-1-255.blk");
    const Bytes regtest = test::read_binary(vectors / "chain/regtest/chain-a.blk");
    for (size_t n : {size_t(300), size_t(2000), size_t(8000)}) {
        write_mode(out, 1, ByteView(mainnet).first(std::min(n, mainnet.size())));
        write_mode(out, 0, ByteView(regtest).first(std::min(n, regtest.size())));
    }
    Bytes padded(mainnet.begin(), mainnet.begin() + std::min<size_t>(1000, mainnet.size()));
    padded.resize(padded.size() + 64);  // zero padding, as Core pre-allocates
    write_mode(out, 1, padded);
}

// fuzz_p2p_messages (selector byte + payload) and fuzz_p2p_framing (mode, 4 seed bytes,
// stream) from the mainnet headers.
void p2p_seeds(const fs::path& vectors, const fs::path& p2p, const fs::path& framing) {
    const auto blocks = blk_records(test::read_binary(vectors / "chain/mainnet-1-255.blk"));
    Bytes headers, inv, locator;
    Writer h(headers), i(inv), l(locator);
    const size_t n = std::min<size_t>(blocks.size(), 20);
    h.compact_size(n);
    i.compact_size(n);
    l.u32(70016);
    l.compact_size(n);
    for (size_t k = 0; k < n; ++k) {
        auto block = Block::decode(blocks[k]);
        if (!block) throw std::runtime_error("mainnet block does not decode");
        block->header.write(h);
        h.u8(0);
        i.u32(k % 2 ? 2 : 0x40000001);  // MSG_BLOCK, MSG_WITNESS_TX
        i.hash(block->header.hash());
        l.hash(block->header.hash());
    }
    l.hash(uint256());
    write_mode(p2p, 13, headers);  // selectors as in fuzz_p2p_messages.cpp
    write_mode(p2p, 9, inv);
    write_mode(p2p, 12, locator);
    Bytes version;  // as Core 27.0 sends it
    Writer v(version);
    v.i32(70016);
    v.u64(0x409);
    v.i64(1700000000);
    for (int side = 0; side < 2; ++side) {
        v.u64(side ? 0x409 : 0);
        v.bytes(*hex_decode("00000000000000000000ffff7f000001"));
        v.u8(0x20);
        v.u8(0x8d);
    }
    v.u64(0x0123456789abcdef);
    const std::string ua = "/Satoshi:27.0.0/";
    v.var_bytes(ByteView(reinterpret_cast<const uint8_t*>(ua.data()), ua.size()));
    v.i32(840000);
    v.u8(1);
    write_mode(p2p, 8, version);

    // One stream of v1 frames: mainnet magic, "headers" and "inv" and a ping.
    auto frame = [](Bytes& out, const std::string& command, ByteView payload) {
        append(out, std::array<uint8_t, 4>{0xf9, 0xbe, 0xb4, 0xd9});
        Bytes name(12, 0);
        std::copy(command.begin(), command.end(), name.begin());
        append(out, name);
        Bytes len(4);
        write_le32(len.data(), uint32_t(payload.size()));
        append(out, len);
        const uint256 sum = sha256d(payload);
        append(out, ByteView(sum.data(), 4));
        append(out, payload);
    };
    Bytes stream{0x00, 0x11, 0x22, 0x33, 0x44};
    frame(stream, "ping", ByteView(version).first(8));
    frame(stream, "inv", ByteView(inv).first(std::min<size_t>(inv.size(), 400)));
    frame(stream, "verack", {});
    write_seed(framing, stream);
}

void psbt_seeds(const fs::path& out) {
    auto add = [&](const char* b64) {
        if (auto raw = base64_decode(b64)) write_seed(out, *raw);
    };
    for (const char* v : psbt_vectors::kBip174Invalid) add(v);
    for (const char* v : psbt_vectors::kBip174Valid) add(v);
    for (const char* v : psbt_vectors::kBip174SignerFails) add(v);
    for (const char* v : {psbt_vectors::kCreated, psbt_vectors::kUpdatedSighashAll, psbt_vectors::kSigned1,
                          psbt_vectors::kSigned2, psbt_vectors::kCombined, psbt_vectors::kFinalized})
        add(v);
}

// Strings of key_io (addresses and WIF keys), bech32.json and base58 vectors; the
// descriptor seeds use the same keys and addresses and the BIP32 extended keys.
void address_and_descriptor_seeds(const fs::path& vectors, const fs::path& addr_out, const fs::path& desc_out) {
    std::vector<std::string> wifs, addresses, xpubs, xprvs, pubkeys;
    for (const char* name : {"core/key_io_valid.json", "core/key_io_invalid.json"}) {
        const boost::json::value key_io = test::load_json(vectors / name);
        for (const auto& entry : key_io.as_array()) {
            const auto& a = entry.as_array();
            if (a.empty() || !a[0].is_string()) continue;
            const std::string text(a[0].as_string());
            write_text(addr_out, text);
            if (a.size() < 3 || !a[2].is_object()) continue;
            const auto& meta = a[2].as_object();
            const bool main = meta.at("chain").as_string() == "main";
            if (!main) continue;
            if (meta.at("isPrivkey").as_bool()) wifs.push_back(text);
            else addresses.push_back(text);
        }
    }
    const boost::json::value bech = test::load_json(vectors / "wallet/bech32.json");
    for (const char* kind : {"bech32", "bech32m"}) {
        const auto& k = bech.at(kind).as_object();
        for (const auto& v : k.at("valid").as_array()) write_text(addr_out, std::string(v.as_string()));
        for (const auto& v : k.at("invalid").as_array())
            if (auto b = hex_decode(std::string(v.at("hex").as_string()))) write_seed(addr_out, *b);
    }
    for (const auto& v : bech.at("segwit_addresses").at("valid").as_array())
        write_text(addr_out, std::string(v.at("address").as_string()));
    const boost::json::value base58 = test::load_json(vectors / "core/base58_encode_decode.json");
    for (const auto& entry : base58.as_array())
        if (entry.as_array().size() == 2) write_text(addr_out, std::string(entry.as_array()[1].as_string()));

    const boost::json::value bip32 = test::load_json(vectors / "wallet/bip32.json");
    for (const auto& v : bip32.at("valid").as_array())
        for (const auto& c : v.at("chains").as_array()) {
            xpubs.emplace_back(c.at("ext_pub").as_string());
            xprvs.emplace_back(c.at("ext_prv").as_string());
        }
    if (xpubs.size() < 3 || xprvs.empty() || wifs.empty() || addresses.empty())
        throw std::runtime_error("too few keys in the vectors for descriptor seeds");
    const std::string& x0 = xpubs[0];
    const std::string& x1 = xpubs[1];
    const std::string& x2 = xpubs[2];
    const std::string origin = "[d34db33f/84h/0h/0h]";
    const std::vector<std::string> descs = {
        "pkh(" + wifs[0] + ")",
        "wpkh(" + origin + x0 + "/0/*)",
        "sh(wpkh(" + x1 + "/1/*))",
        "wsh(multi(2," + x0 + "/0/*," + x1 + "/0/*," + x2 + "/<0;1>/*))",
        "sh(wsh(sortedmulti(1," + x0 + "," + x1 + ")))",
        "tr(" + x0 + "/86h/0h/0h/0/*)",
        "tr(" + x0 + ",{pk(" + x1 + "/0/*),{multi_a(1," + x1 + "," + x2 + "),pk(" + x2 + ")}})",
        "combo(" + xprvs[0] + "/0h/*h)",
        "wpkh(" + xprvs[1] + "/<0;1>/*)",
        "addr(" + addresses[0] + ")",
        "raw(76a914a31c06bd463e3923bc1aadbde48b16976c08071788ac)",
        "pk(" + x0 + ")",
        "multi(1," + x0 + "," + x1 + ")",
    };
    for (const std::string& d : descs) {
        write_text(desc_out, d);
        write_text(desc_out, add_descriptor_checksum(d));
    }
}

void wallet_seeds(const fs::path& out) {
    write_mode(out, 2, "{\"format\":1}\0\0\0"s);
    write_mode(out, 0, "MCWALLET\x01\0\0\0\x01\x0f\x08\0\0\0\x01\0\0\0"s);
    // A watch-only regtest state with one descriptor (mode 3: the decrypted JSON).
    const std::string desc = add_descriptor_checksum(
        "wpkh("
        "tpubD6NzVbkrYhZ4XgiXtGrdW5XDAPFCL9h7we1vwNCpn8tGbBcgfVYjXyhWo4E1xkh56hjod1RhGjxbaTLV3X4FyWuejifB9jusQ46QzG87VK"
        "p/0/*)");
    write_mode(out, 3,
               "{\"format\":1,\"network\":\"regtest\",\"birthday\":0,\"synced_height\":0,\"watch_only\":true,"
               "\"block_hashes\":[],\"descriptors\":[{\"desc\":\"" +
                   desc + "\",\"type\":\"bech32\",\"internal\":false,\"next_index\":0,\"max_used\":-1}],\"txs\":[]}");
}

void rpc_seeds(const fs::path& out) {
    for (
        const char* body : {
            R"({"jsonrpc":"1.0","id":"x","method":"every","params":["a","00",1,0.1,true,{},[],[1,2],2]})",
            R"({"jsonrpc":"2.0","id":1,"method":"every","params":{"str":"a","verbose":true}})",
            R"([{"method":"help","id":1},{"jsonrpc":"2.0","method":"none"},{"method":"throws","params":[1],"id":null}])",
            R"({"method":"nosuch","id":[]})",
        })
        write_mode(out, 0, std::string(body));
    for (const char* target : {"/rest/block/0000000000000000000000000000000000000000000000000000000000000000.json",
                               "/rest/headers/5/00000000.hex?count=5", "/rest/getutxos/checkmempool/a-0.bin",
                               "/rest/blockhashbyheight/1.json?a=%20b+c"})
        write_mode(out, 1, std::string(target));
    write_mode(out, 2, std::string("Basic dXNlcjpwYXNz"));
    write_mode(
        out, 3,
        std::string("u:c0ffee$00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") + '\0' + "10.0.0.0/8");
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
        script_test_seeds(vectors, out / "script");
        chain_spend_seeds(vectors, out / "script", out / "blocks");
        blk_file_seeds(vectors, out / "blocks");
        p2p_seeds(vectors, out / "p2p", out / "framing");
        psbt_seeds(out / "psbt");
        address_and_descriptor_seeds(vectors, out / "address", out / "descriptor");
        wallet_seeds(out / "wallet");
        rpc_seeds(out / "rpc");
        std::cout << "fuzz_seeds: wrote " << g_written << " seeds under " << out.string() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "fuzz_seeds: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
