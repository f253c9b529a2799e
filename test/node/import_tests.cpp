// Chain import through Chainstate and node/import.h against the vectors in chain/:
// mainnet blocks 1..255, the regtest chain with its UTXO checkpoints and reorg, and
// damaged block files.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "node/import.h"
#include "test/node/chain_test_util.h"
#include "test/util/vectors.h"

namespace minicash::test {
namespace {

namespace json = boost::json;

const std::function<bool()> kNeverInterrupted = [] { return false; };

std::vector<std::string> json_strings(const json::value& v) {
    std::vector<std::string> out;
    for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
}

// --- The reference model itself -------------------------------------------------------

TEST(UtxoModel, MatchesExpectedCheckpoints) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    const auto reference = reference_stats(vectors);
    ASSERT_EQ(reference.size(), 1u + 450u + 25u);
    int checked = 0;
    for (const auto& check : expected.at("checks").as_array()) {
        const Stats want = stats_from_json(check);
        auto it = reference.find(want.bestblock);
        ASSERT_NE(it, reference.end()) << "checkpoint block " << want.bestblock << " not in the chain files";
        EXPECT_EQ(it->second, want);
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

// --- a. mainnet 1..255 -----------------------------------------------------------------

TEST(ChainImport, Mainnet1To255) {
    MINICASH_REQUIRE_VECTORS(vectors);
    std::vector<std::string> hashes;
    {
        std::istringstream in(read_text(vectors / "chain/mainnet-1-255.hashes.txt"));
        int height;
        std::string hash;
        while (in >> height >> hash) {
            ASSERT_EQ(height, int(hashes.size()) + 1) << "hashes.txt out of order";
            hashes.push_back(hash);
        }
    }
    ASSERT_EQ(hashes.size(), 255u);

    TempDir tmp("mainnet");
    const ChainParams params = make_chain_params(Network::MAIN);
    auto cs = open_chainstate(params, tmp.path());
    const ImportResult r = import_block_file(*cs, vectors / "chain/mainnet-1-255.blk", kNeverInterrupted);
    EXPECT_EQ(r.blocks_read, 255u);
    EXPECT_EQ(r.accepted, 255u);
    EXPECT_EQ(r.invalid, 0u);
    for (const auto& b : r.invalid_blocks) ADD_FAILURE() << "rejected " << b.hash.to_hex() << ": " << b.reason;
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.bytes_skipped, 0u);
    ASSERT_EQ(cs->height(), 255);
    EXPECT_EQ(cs->tip()->hash.to_hex(), hashes.back());
    for (int h = 1; h <= 255; ++h) {
        const BlockIndex* b = cs->at_height(h);
        ASSERT_NE(b, nullptr) << "height " << h;
        EXPECT_EQ(b->hash.to_hex(), hashes[size_t(h) - 1]) << "height " << h;
    }
    EXPECT_EQ(cs->at_height(0)->hash, params.consensus.genesis_hash);
}

// --- b. regtest chain-a, then fork-b ---------------------------------------------------

TEST(ChainImport, RegtestCheckpointsAndReorg) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    const auto& checks = expected.at("checks").as_array();
    const auto hashes_a = json_strings(expected.at("files").at("chain-a.blk").at("block_hashes"));
    const auto hashes_b = json_strings(expected.at("files").at("fork-b.blk").at("block_hashes"));
    const auto chain_a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const auto fork_b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    ASSERT_EQ(chain_a.size(), 450u);
    ASSERT_EQ(fork_b.size(), 25u);
    const auto reference = reference_stats(vectors);

    TempDir tmp("regtest");
    const ChainParams params = make_chain_params(Network::REGTEST);
    auto cs = open_chainstate(params, tmp.path() / "regtest");
    ASSERT_EQ(cs->height(), 0);
    EXPECT_EQ(to_stats(cs->utxo_stats()), reference.at(params.genesis.hash().to_hex())) << "empty chain";

    size_t next_check = 0;
    int compared = 0;
    const auto compare_check = [&](const std::string& after) {
        while (next_check < checks.size() && std::string(checks[next_check].at("after").as_string()) == after &&
               checks[next_check].at("height").to_number<int>() == cs->height()) {
            const Stats want = stats_from_json(checks[next_check]);
            EXPECT_EQ(to_stats(cs->utxo_stats()), want) << "checkpoint after " << after << " at height " << want.height;
            ++next_check;
            ++compared;
        }
    };

    for (size_t i = 0; i < chain_a.size(); ++i) {
        const int height = int(i) + 1;
        ValidationState state;
        bool is_new = false;
        ASSERT_TRUE(cs->process_block(chain_a[i], state, &is_new))
            << "chain-a block " << height << ": " << state.to_string();
        EXPECT_TRUE(is_new) << "chain-a block " << height;
        ASSERT_EQ(cs->height(), height);
        ASSERT_EQ(cs->tip()->hash.to_hex(), hashes_a[i]) << "height " << height;
        // Every 50 blocks, the whole UTXO set against the independent model.
        if (height % 50 == 25) {
            EXPECT_EQ(to_stats(cs->utxo_stats()), reference.at(hashes_a[i])) << "height " << height;
        }
        compare_check("chain-a.blk");
    }
    for (int h = 1; h <= 450; ++h)
        ASSERT_EQ(cs->at_height(h)->hash.to_hex(), hashes_a[size_t(h) - 1]) << "height " << h;

    for (size_t i = 0; i < fork_b.size(); ++i) {
        const int height = 431 + int(i);
        ValidationState state;
        ASSERT_TRUE(cs->process_block(fork_b[i], state)) << "fork-b block " << height << ": " << state.to_string();
        if (height <= 450) {
            // Less or equal work: the first-seen chain stays active.
            ASSERT_EQ(cs->tip()->hash.to_hex(), hashes_a.back()) << "after fork block " << height;
        } else {
            ASSERT_EQ(cs->tip()->hash.to_hex(), hashes_b[i]) << "fork block " << height << " has more work";
            ASSERT_EQ(cs->height(), height);
        }
        compare_check("fork-b.blk");
    }
    EXPECT_EQ(compared, 5) << "checkpoints compared";
    for (int h = 431; h <= 455; ++h) EXPECT_EQ(cs->at_height(h)->hash.to_hex(), hashes_b[size_t(h) - 431]);
    EXPECT_EQ(cs->at_height(430)->hash.to_hex(), hashes_a[429]);

    // Chain tips: as Core's getchaintips after the reorg.
    const json::object& reorg = expected.at("reorg").as_object();
    const auto tips = cs->chain_tips();
    for (const auto& want : reorg.at("chain_tips_after").as_array()) {
        const std::string hash(want.at("hash").as_string());
        auto it =
            std::find_if(tips.begin(), tips.end(), [&](const ChainTip& t) { return t.block->hash.to_hex() == hash; });
        ASSERT_NE(it, tips.end()) << "chain tip " << hash << " missing";
        EXPECT_EQ(it->block->height, want.at("height").to_number<int>()) << hash;
        EXPECT_EQ(it->branch_length, want.at("branchlen").to_number<int>()) << hash;
        EXPECT_EQ(it->status, std::string(want.at("status").as_string())) << hash;
    }
    EXPECT_EQ(tips.size(), reorg.at("chain_tips_after").as_array().size());

    // Transactions of the abandoned branch and the fork.
    const auto find_tx = [](const Block& b, const std::string& txid) -> const Transaction* {
        for (const auto& tx : b.txs)
            if (tx.txid().to_hex() == txid) return &tx;
        return nullptr;
    };
    const std::string outpoint_text(reorg.at("double_spent_outpoint").as_string());
    const OutPoint double_spent{*uint256::from_hex(outpoint_text.substr(0, 64)),
                                uint32_t(std::stoul(outpoint_text.substr(65)))};
    EXPECT_FALSE(cs->coin(double_spent)) << "the double-spent outpoint is spent on the fork";

    const std::string on_fork(reorg.at("double_spend_on_fork").as_string());
    const auto fork431 = cs->read_block(cs->at_height(431));
    ASSERT_TRUE(fork431);
    const Transaction* spend = find_tx(*fork431, on_fork);
    ASSERT_NE(spend, nullptr) << "double_spend_on_fork not in active block 431";
    EXPECT_TRUE(
        std::any_of(spend->vin.begin(), spend->vin.end(), [&](const TxIn& in) { return in.prevout == double_spent; }));

    for (const char* key : {"double_spent_in_abandoned", "child_of_double_spent_in_abandoned"}) {
        const std::string txid(reorg.at(key).as_string());
        const Transaction* tx = nullptr;
        for (int h = 431; h <= 450 && !tx; ++h) tx = find_tx(chain_a[size_t(h) - 1], txid);
        ASSERT_NE(tx, nullptr) << key << " not found in chain-a 431..450";
        for (uint32_t i = 0; i < tx->vout.size(); ++i)
            EXPECT_FALSE(cs->coin(OutPoint{tx->txid(), i})) << key << " output " << i << " must not be unspent";
        for (int h = 431; h <= 455; ++h) {
            const auto b = cs->read_block(cs->at_height(h));
            ASSERT_TRUE(b);
            EXPECT_EQ(find_tx(*b, txid), nullptr) << key << " must not be in active block " << h;
        }
    }
    const std::string remined(reorg.at("remined_on_fork").as_string());
    const auto fork433 = cs->read_block(cs->at_height(433));
    const auto fork435 = cs->read_block(cs->at_height(435));
    ASSERT_TRUE(fork433 && fork435);
    EXPECT_NE(find_tx(*fork433, remined), nullptr) << "remined_on_fork in active block 433";
    EXPECT_NE(find_tx(chain_a[432], remined), nullptr) << "remined_on_fork in chain-a block 433";
    bool spent_in_435 = false;
    for (const auto& tx : fork435->txs)
        for (const auto& in : tx.vin) spent_in_435 = spent_in_435 || in.prevout.txid.to_hex() == remined;
    EXPECT_TRUE(spent_in_435) << "fork block 435 spends an output of remined_on_fork";

    // Notable transactions: where expected.json says they are.
    for (const auto& n : expected.at("notable_transactions").as_array()) {
        const std::string txid(n.at("txid").as_string()), block(n.at("block").as_string());
        const BlockIndex* idx = cs->lookup(*uint256::from_hex(block));
        ASSERT_NE(idx, nullptr) << "block " << block;
        EXPECT_EQ(idx->height, n.at("height").to_number<int>());
        EXPECT_EQ(cs->in_active_chain(idx), std::string(n.at("branch").as_string()) == "fork-b" || idx->height <= 430)
            << "block " << block;
        const auto b = cs->read_block(idx);
        ASSERT_TRUE(b);
        EXPECT_NE(find_tx(*b, txid), nullptr) << "tx " << txid << " in block " << block;
    }
}

// The same two files through the importer; re-importing changes nothing; reopening
// the directory gives the same state.
TEST(ChainImport, RegtestFilesThroughImporterAndReopen) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    const auto& checks = expected.at("checks").as_array();
    TempDir tmp("regtest-files");
    const ChainParams params = make_chain_params(Network::REGTEST);
    const auto dir = tmp.path() / "regtest";
    {
        auto cs = open_chainstate(params, dir);
        ImportResult r = import_block_file(*cs, vectors / "chain/regtest/chain-a.blk", kNeverInterrupted);
        EXPECT_EQ(r.blocks_read, 450u);
        EXPECT_EQ(r.accepted, 450u);
        EXPECT_TRUE(r.clean());
        EXPECT_EQ(r.bytes_skipped, 0u);
        EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(checks[3]));
        r = import_block_file(*cs, vectors / "chain/regtest/fork-b.blk", kNeverInterrupted);
        EXPECT_EQ(r.accepted, 25u);
        EXPECT_TRUE(r.clean());
        EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(checks[4]));
        r = import_block_file(*cs, vectors / "chain/regtest/chain-a.blk", kNeverInterrupted);
        EXPECT_EQ(r.already_known, 450u);
        EXPECT_EQ(r.accepted, 0u);
        EXPECT_TRUE(r.clean());
        EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(checks[4]));
    }
    auto cs = open_chainstate(params, dir);
    EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(checks[4])) << "after reopening";
}

// --- d. damaged files ------------------------------------------------------------------

// Random-looking bytes that contain no byte of the regtest magic's first byte.
Bytes garbage(size_t n, uint8_t seed) {
    Bytes out(n);
    uint32_t x = 2463534242u ^ seed;
    for (auto& b : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = uint8_t(x);
        if (b == 0xfa) b = 0x11;
    }
    return out;
}

TEST(BadFiles, GarbageBadLengthTruncatedWrongMagic) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    const auto records = read_block_records(vectors / "chain/regtest/chain-a.blk");
    const std::array<uint8_t, 4> magic = params.magic;
    const std::array<uint8_t, 4> main_magic = make_chain_params(Network::MAIN).magic;

    // Blocks 1..120 (records[0..119]) with damage; expected error offsets recorded as built.
    Bytes file;
    std::vector<std::pair<uint64_t, std::string>> want_errors;  // offset, substring of reason
    uint64_t want_skipped = 0;
    for (int h = 1; h <= 120; ++h) {
        const Bytes& rec = records[size_t(h) - 1];
        if (h == 11) {  // 333 bytes of garbage between two records
            want_errors.emplace_back(file.size(), "no network magic");
            const Bytes g = garbage(333, 1);
            append(file, g);
            want_skipped += g.size();
        }
        if (h == 30) {  // a record header with an absurd length, then the real record
            want_errors.emplace_back(file.size(), "implausible block length 4294967295");
            append(file, magic);
            append(file, Bytes{0xff, 0xff, 0xff, 0xff});
            want_skipped += 8;
        }
        if (h == 40) {  // the first half of block 40 under a full-length header, then block 40 again
            want_errors.emplace_back(file.size(), "does not parse");
            Bytes partial = make_record(magic, rec);
            partial.resize(8 + rec.size() / 2);
            append(file, partial);
            want_skipped += partial.size();
        }
        if (h == 60) {  // blocks 60 and 61 swapped: 61 waits for its parent
            append(file, make_record(magic, records[60]));
            append(file, make_record(magic, rec));
            continue;
        }
        if (h == 61) continue;
        if (h == 100) {  // block 100 under mainnet's magic: lost, so 101..119 never connect
            want_errors.emplace_back(file.size(), "network magic of main");
            append(file, make_record(main_magic, rec));
            want_skipped += 8 + rec.size();
            continue;
        }
        if (h == 120) {  // the last record is truncated
            want_errors.emplace_back(file.size(), "truncated record");
            Bytes partial = make_record(magic, rec);
            partial.resize(partial.size() - 100);
            append(file, partial);
            want_skipped += partial.size();
            continue;
        }
        append(file, make_record(magic, rec));
    }

    TempDir tmp("badfile");
    const auto path = tmp.path() / "damaged.blk";
    write_file(path, file);
    auto cs = open_chainstate(params, tmp.path() / "damaged");
    const ImportResult r = import_block_file(*cs, path, kNeverInterrupted);
    for (const auto& e : r.errors) std::cout << "  import error at offset " << e.offset << ": " << e.reason << "\n";

    ASSERT_EQ(r.errors.size(), want_errors.size());
    EXPECT_EQ(r.error_count, want_errors.size());
    for (size_t i = 0; i < want_errors.size(); ++i) {
        EXPECT_EQ(r.errors[i].offset, want_errors[i].first) << "error " << i << ": " << r.errors[i].reason;
        EXPECT_NE(r.errors[i].reason.find(want_errors[i].second), std::string::npos)
            << "error " << i << " reason '" << r.errors[i].reason << "' should mention '" << want_errors[i].second
            << "'";
    }
    EXPECT_EQ(r.bytes_skipped, want_skipped);
    EXPECT_EQ(r.blocks_read, 118u) << "blocks 1..119 except 100";
    EXPECT_EQ(r.accepted, 99u);
    EXPECT_EQ(r.invalid, 0u);
    EXPECT_EQ(r.pending_left, 19u) << "blocks 101..119 wait for block 100";
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(cs->height(), 99);

    // A clean import of the parseable, connectable blocks gives the same state.
    auto clean = open_chainstate(params, tmp.path() / "clean");
    for (int h = 1; h <= 99; ++h) {
        ValidationState state;
        auto block = Block::decode(records[size_t(h) - 1]);
        ASSERT_TRUE(block && clean->process_block(*block, state)) << h;
    }
    EXPECT_EQ(to_stats(cs->utxo_stats()), to_stats(clean->utxo_stats()));

    // Nothing stored was damaged: the intact file completes the chain.
    const ImportResult r2 = import_block_file(*cs, vectors / "chain/regtest/chain-a.blk", kNeverInterrupted);
    EXPECT_EQ(r2.already_known, 99u);
    EXPECT_EQ(r2.accepted, 351u);
    EXPECT_TRUE(r2.clean());
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    EXPECT_EQ(to_stats(cs->utxo_stats()), stats_from_json(expected.at("checks").as_array()[3]));
}

TEST(BadFiles, OutOfOrderBlocksWaitForTheirParent) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    const auto records = read_block_records(vectors / "chain/regtest/chain-a.blk");
    Bytes reversed;  // blocks 30..1
    size_t bytes_2_to_30 = 0;
    for (int h = 30; h >= 1; --h) {
        append(reversed, make_record(params.magic, records[size_t(h) - 1]));
        if (h >= 2) bytes_2_to_30 += records[size_t(h) - 1].size();
    }
    TempDir tmp("order");
    const auto path = tmp.path() / "reversed.blk";
    write_file(path, reversed);
    {
        auto cs = open_chainstate(params, tmp.path() / "a");
        const ImportResult r = import_block_file(*cs, path, kNeverInterrupted);
        EXPECT_EQ(r.accepted, 30u);
        EXPECT_EQ(r.pending_left, 0u);
        EXPECT_TRUE(r.clean());
        EXPECT_EQ(cs->height(), 30);
    }
    {
        // Room for only some of the waiting blocks: the rest are dropped with a warning.
        auto cs = open_chainstate(params, tmp.path() / "b");
        ImportOptions opts;
        opts.max_pending_bytes = bytes_2_to_30 / 2;
        const ImportResult r = import_block_file(*cs, path, kNeverInterrupted, opts);
        // 30, 29, ... wait until the buffer is full; later ones (down to 2) are dropped, so
        // block 1 connects alone.
        EXPECT_GT(r.pending_dropped, 0u);
        EXPECT_GT(r.pending_left, 0u);
        EXPECT_EQ(r.accepted, 1u);
        EXPECT_EQ(r.accepted + r.pending_dropped + r.pending_left, 30u);
        EXPECT_FALSE(r.clean());
        EXPECT_EQ(cs->height(), 1);
    }
    {
        // Across files: an importer keeps waiting blocks from one file for the next.
        auto cs = open_chainstate(params, tmp.path() / "c");
        Bytes first, second;
        for (int h = 11; h <= 20; ++h) append(first, make_record(params.magic, records[size_t(h) - 1]));
        for (int h = 1; h <= 10; ++h) append(second, make_record(params.magic, records[size_t(h) - 1]));
        write_file(tmp.path() / "11-20.blk", first);
        write_file(tmp.path() / "1-10.blk", second);
        BlockImporter importer(*cs);
        const ImportResult r1 = importer.import_file(tmp.path() / "11-20.blk", kNeverInterrupted);
        EXPECT_EQ(r1.accepted, 0u);
        EXPECT_EQ(r1.pending_left, 10u);
        const ImportResult r2 = importer.import_file(tmp.path() / "1-10.blk", kNeverInterrupted);
        EXPECT_EQ(r2.accepted, 20u);
        EXPECT_EQ(r2.pending_left, 0u);
        EXPECT_EQ(cs->height(), 20);
    }
}

TEST(BadFiles, InterruptStopsBetweenBlocksAndResumes) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir tmp("interrupt");
    auto cs = open_chainstate(params, tmp.path());
    int calls = 0;
    const std::function<bool()> stop_after_40 = [&] { return ++calls > 40; };
    const ImportResult r = import_block_file(*cs, vectors / "chain/regtest/chain-a.blk", stop_after_40);
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(r.accepted, 40u);
    EXPECT_EQ(cs->height(), 40);
    const ImportResult r2 = import_block_file(*cs, vectors / "chain/regtest/chain-a.blk", kNeverInterrupted);
    EXPECT_FALSE(r2.interrupted);
    EXPECT_EQ(r2.already_known, 40u);
    EXPECT_EQ(r2.accepted, 410u);
    EXPECT_EQ(cs->height(), 450);
}

TEST(BadFiles, MissingFileWrongNetworkAndPadding) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir tmp("misc");
    auto cs = open_chainstate(params, tmp.path() / "regtest");

    ImportResult r = import_block_file(*cs, tmp.path() / "does-not-exist.blk", kNeverInterrupted);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].offset, 0u);
    EXPECT_NE(r.errors[0].reason.find("cannot open"), std::string::npos) << r.errors[0].reason;

    r = import_block_file(*cs, tmp.path(), kNeverInterrupted);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].reason.find("directory"), std::string::npos) << r.errors[0].reason;

    // A mainnet file on regtest: one error naming the network; nothing imported.
    r = import_block_file(*cs, vectors / "chain/mainnet-1-255.blk", kNeverInterrupted);
    for (const auto& e : r.errors) std::cout << "  import error at offset " << e.offset << ": " << e.reason << "\n";
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].offset, 0u);
    EXPECT_NE(r.errors[0].reason.find("network magic of main"), std::string::npos) << r.errors[0].reason;
    EXPECT_EQ(r.blocks_read, 0u);
    EXPECT_EQ(r.bytes_skipped, std::filesystem::file_size(vectors / "chain/mainnet-1-255.blk"));
    EXPECT_EQ(cs->height(), 0);

    // Zero padding after the records (as in Core's preallocated blk files) is not an error.
    const auto records = read_block_records(vectors / "chain/regtest/chain-a.blk");
    Bytes padded;
    for (int h = 1; h <= 5; ++h) append(padded, make_record(params.magic, records[size_t(h) - 1]));
    padded.resize(padded.size() + (size_t(3) << 20), 0);
    write_file(tmp.path() / "padded.blk", padded);
    r = import_block_file(*cs, tmp.path() / "padded.blk", kNeverInterrupted);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.accepted, 5u);
    EXPECT_EQ(r.bytes_skipped, size_t(3) << 20);
    EXPECT_EQ(cs->height(), 5);

    // An empty file.
    write_file(tmp.path() / "empty.blk", Bytes{});
    r = import_block_file(*cs, tmp.path() / "empty.blk", kNeverInterrupted);
    EXPECT_EQ(r.error_count, 0u);
    EXPECT_EQ(r.blocks_read, 0u);
}

}  // namespace
}  // namespace minicash::test
