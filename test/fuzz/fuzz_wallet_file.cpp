// libFuzzer target: the wallet file's read path (wallet/wallet_file.h open_wallet, then
// wallet/wallet_state.h WalletState::from_json on the decrypted JSON), as
// minicash-wallet runs it on every command, with a fixed passphrase.
//
// Byte 0 of the input picks the mode, the rest is:
//   0  a whole file as found on disk;
//   1  a file whose header checksum the target recomputes, so that the fuzzer reaches
//      the version, KDF parameters, lengths and decryption behind it (inputs asking for
//      costly scrypt parameters are skipped: the target must stay fast);
//   2  a plaintext that the target seals with a cheap key, then (last 3 bytes: offset
//      LE16, xor mask) changes one byte of the file;
//   3  the decrypted state: JSON text given to WalletState::from_json (states that
//      ask for more than 2,000 derived scripts per descriptor are skipped, for speed).
//
// Properties: no crash; every refusal is CORRUPTED ("wallet file is corrupted: ...") or
// WRONG_PASSPHRASE ("wrong passphrase") with no plaintext left; a sealed file opens to
// exactly its plaintext with the right passphrase, as WRONG_PASSPHRASE with another, and
// as CORRUPTED after any one byte changed; a state that parses serializes to JSON that
// parses to a state serializing to the same JSON.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "util/hash.h"
#include "wallet/wallet_file.h"
#include "wallet/wallet_state.h"

using namespace minicash;
using namespace minicash::wallet;
namespace json = boost::json;

namespace {

constexpr std::string_view kPassphrase = "fuzz passphrase";
constexpr size_t kHeaderBody = 74;  // wallet_file.h: the header before its checksum
constexpr size_t kMaxDerived = 2000;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_wallet_file: property violated: %s\n", what);
        std::abort();
    }
}

void check_refusal(const OpenResult& r) {
    check(r.plaintext.empty(), "a refused file left plaintext");
    if (r.error == OpenError::WRONG_PASSPHRASE) check(r.message == "wrong passphrase", "wrong passphrase message");
    else check(r.message.rfind("wallet file is corrupted: ", 0) == 0, "corruption message");
}

const WalletKey& cheap_key() {
    static const WalletKey key = [] {
        const std::array<uint8_t, 16> salt{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        auto k = WalletKey::derive(kPassphrase, KdfParams{2, 1, 1}, salt);
        check(k.has_value(), "cheap key");
        return *k;
    }();
    return key;
}

void open_file(ByteView file) {
    const OpenResult r = open_wallet(file, kPassphrase);
    if (r.error != OpenError::NONE) check_refusal(r);
}

void fixed_checksum(ByteView in) {
    if (in.size() < kHeaderBody + 4) return open_file(in);
    Bytes file(in.begin(), in.end());
    // Cheap scrypt only: N <= 2^10, r <= 8, p <= 2 (anything larger is refused or slow).
    const uint32_t r = read_le32(file.data() + 14), p = read_le32(file.data() + 18);
    if (file[13] > 10 || r > 8 || p > 2) return;
    const uint256 sum = sha256d(ByteView(file.data(), kHeaderBody));
    std::memcpy(file.data() + kHeaderBody, sum.data(), 4);
    open_file(file);
}

void sealed(ByteView in) {
    if (in.size() < 3) return;
    const ByteView plain = in.subspan(0, in.size() - 3);
    Bytes file = seal_wallet(cheap_key(), plain);
    const OpenResult ok = open_wallet(file, kPassphrase);
    check(ok.error == OpenError::NONE, "a sealed file does not open");
    check(ok.plaintext == Bytes(plain.begin(), plain.end()), "opened to another plaintext");
    const OpenResult wrong = open_wallet(file, "another passphrase");
    check(wrong.error == OpenError::WRONG_PASSPHRASE, "another passphrase is not WRONG_PASSPHRASE");
    check_refusal(wrong);

    const size_t where = (in[in.size() - 3] | size_t(in[in.size() - 2]) << 8) % file.size();
    const uint8_t mask = in[in.size() - 1];
    if (mask == 0) return;
    file[where] ^= mask;
    const OpenResult changed = open_wallet(file, kPassphrase);
    check(changed.error == OpenError::CORRUPTED, "a changed byte is not CORRUPTED");
    check_refusal(changed);
}

// True when every descriptor's next_index / max_used are small numbers.
bool cheap_state(const json::value& v) {
    const json::object* o = v.if_object();
    const json::value* ds = o ? o->if_contains("descriptors") : nullptr;
    if (!ds || !ds->is_array()) return true;  // from_json refuses it without deriving
    for (const json::value& d : ds->get_array()) {
        const json::object* dobj = d.if_object();
        if (!dobj) return true;
        for (const char* field : {"next_index", "max_used"}) {
            const json::value* n = dobj->if_contains(field);
            if (!n) continue;
            if (n->is_int64() && n->get_int64() >= -1 && n->get_int64() <= int64_t(kMaxDerived)) continue;
            if (n->is_uint64() && n->get_uint64() <= kMaxDerived) continue;
            return false;
        }
    }
    return true;
}

void state(ByteView in) {
    boost::system::error_code ec;
    const json::value doc = json::parse(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()), ec);
    if (ec || !cheap_state(doc)) return;
    std::string error;
    auto s = WalletState::from_json(doc, &error);
    if (!s) {
        check(!error.empty(), "state refused without an error");
        return;
    }
    const std::string once = json::serialize(s->to_json());
    auto again = WalletState::from_json(json::parse(once), &error);
    check(again.has_value(), "serialized state does not parse");
    check(json::serialize(again->to_json()) == once, "state serialization is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView in(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0: open_file(in); break;
    case 1: fixed_checksum(in); break;
    case 2: sealed(in); break;
    default: state(in); break;
    }
    return 0;
}
