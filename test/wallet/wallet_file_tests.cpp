// The encrypted wallet container (wallet/wallet_file.h): round trips, wrong passphrase
// vs damage (every single-byte change is caught and reported as corruption), truncation,
// atomic replacement and exclusive creation with mode 0600.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "test/util/temp_dir.h"
#include "util/hash.h"
#include "wallet/wallet_file.h"

using namespace minicash;
using namespace minicash::wallet;
namespace fs = std::filesystem;

namespace {

// Fast parameters for tests; the program uses the defaults (N = 2^15).
const KdfParams kFast{10, 8, 1};

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

using test::TempDir;

}  // namespace

TEST(WalletFile, RoundTrip) {
    auto key = WalletKey::create("correct horse", kFast);
    ASSERT_TRUE(key);
    const Bytes plain = text_bytes("{\"secret\":\"state\"}");
    const Bytes file = seal_wallet(*key, plain);
    EXPECT_TRUE(looks_like_wallet_file(file));
    // The plaintext does not appear in the file.
    EXPECT_EQ(std::search(file.begin(), file.end(), plain.begin(), plain.end()), file.end());
    OpenResult r = open_wallet(file, "correct horse");
    ASSERT_EQ(r.error, OpenError::NONE) << r.message;
    EXPECT_EQ(r.plaintext, plain);
    // Re-sealing with the returned key opens with the same passphrase; nonces differ.
    const Bytes again = seal_wallet(r.key, plain);
    EXPECT_NE(again, file);
    EXPECT_EQ(open_wallet(again, "correct horse").plaintext, plain);
}

TEST(WalletFile, DefaultParametersAreScrypt2To15) {
    auto key = WalletKey::create("pw");
    ASSERT_TRUE(key);
    EXPECT_EQ(key->params().log2_n, 15);
    EXPECT_EQ(key->params().r, 8u);
    EXPECT_EQ(key->params().p, 1u);
}

TEST(WalletFile, WrongPassphrase) {
    auto key = WalletKey::create("right", kFast);
    const Bytes file = seal_wallet(*key, text_bytes("x"));
    OpenResult r = open_wallet(file, "wrong");
    EXPECT_EQ(r.error, OpenError::WRONG_PASSPHRASE);
    EXPECT_EQ(r.message, "wrong passphrase");
    EXPECT_TRUE(r.plaintext.empty());
}

TEST(WalletFile, EveryByteFlipIsCorruption) {
    auto key = WalletKey::create("pw", kFast);
    const Bytes file = seal_wallet(*key, text_bytes("{\"a\":1,\"b\":[2,3]}"));
    for (size_t i = 0; i < file.size(); ++i) {
        Bytes damaged = file;
        damaged[i] ^= 0x01;
        OpenResult r = open_wallet(damaged, "pw");
        EXPECT_EQ(r.error, OpenError::CORRUPTED) << "byte " << i;
        EXPECT_TRUE(r.message.starts_with("wallet file is corrupted: ")) << r.message;
        EXPECT_TRUE(r.plaintext.empty());
    }
}

TEST(WalletFile, TruncatedAndExtended) {
    auto key = WalletKey::create("pw", kFast);
    const Bytes file = seal_wallet(*key, text_bytes("state"));
    for (size_t len : {size_t(0), size_t(7), size_t(40), file.size() - 1}) {
        Bytes cut(file.begin(), file.begin() + long(len));
        EXPECT_EQ(open_wallet(cut, "pw").error, OpenError::CORRUPTED) << len;
    }
    Bytes longer = file;
    longer.push_back(0);
    EXPECT_EQ(open_wallet(longer, "pw").error, OpenError::CORRUPTED);
    EXPECT_EQ(open_wallet(text_bytes("not a wallet at all"), "pw").error, OpenError::CORRUPTED);
}

// KDF parameters are read from the header: a header (with a valid checksum) asking for
// scrypt with gigabytes of memory is refused before scrypt runs (found by fuzz_wallet_file).
TEST(WalletFile, CostlyKdfParametersAreRefused) {
    auto key = WalletKey::create("pw", kFast);
    const Bytes file = seal_wallet(*key, text_bytes("state"));
    constexpr size_t kHeaderBody = 74;  // the header before its checksum
    const auto with_params = [&](uint8_t log2_n, uint32_t r) {
        Bytes f = file;
        f[13] = log2_n;
        write_le32(f.data() + 14, r);
        const uint256 sum = sha256d(ByteView(f.data(), kHeaderBody));
        std::copy_n(sum.data(), 4, f.begin() + kHeaderBody);
        return f;
    };
    for (auto [log2_n, r] : {std::pair<uint8_t, uint32_t>{21, 8}, {24, 64}, {18, 64}}) {
        const OpenResult res = open_wallet(with_params(log2_n, r), "pw");
        EXPECT_EQ(res.error, OpenError::CORRUPTED) << int(log2_n) << " " << r;
        EXPECT_EQ(res.message, "wallet file is corrupted: invalid key derivation parameters");
    }
    // Large r or p alone stay allowed while the memory is bounded.
    EXPECT_TRUE(WalletKey::derive("pw", KdfParams{10, 64, 2}, {}).has_value());
    EXPECT_FALSE(WalletKey::derive("pw", KdfParams{18, 64, 1}, {}).has_value());
}

TEST(WalletFile, AtomicWriteAndExclusiveCreate) {
    TempDir dir;
    const fs::path p = dir.path() / "w.wallet";
    std::string error;
    ASSERT_TRUE(write_file_exclusive(p, text_bytes("one"), &error)) << error;
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_FALSE(write_file_exclusive(p, text_bytes("two"), &error));
    EXPECT_NE(error.find("refusing to overwrite"), std::string::npos);
    EXPECT_EQ(*read_file(p, &error), text_bytes("one"));

    ASSERT_TRUE(write_file_atomic(p, text_bytes("three"), &error)) << error;
    EXPECT_EQ(*read_file(p, &error), text_bytes("three"));
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // No temporary file is left behind.
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        (void)e;
        ++entries;
    }
    EXPECT_EQ(entries, 1u);
    // A failed write (no such directory) leaves nothing and reports why.
    EXPECT_FALSE(write_file_atomic(dir.path() / "missing" / "w.wallet", text_bytes("x"), &error));
    EXPECT_FALSE(error.empty());
}
