#include "consensus/params.h"

#include "consensus/merkle.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash {
namespace {

uint256 hash_from_hex(const char* hex) { return *uint256::from_hex(hex); }

Bytes bytes_from_hex(const char* hex) { return *hex_decode(hex); }

Script pubkey_checksig(const char* pubkey_hex) {
    Script s;
    s.push_data(bytes_from_hex(pubkey_hex)).push_op(OP_CHECKSIG);
    return s;
}

constexpr const char* kSatoshiMessage = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks";
constexpr const char* kSatoshiPubkey =
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d57"
    "8a4c702b6bf11d5f";
constexpr const char* kDefaultSignetChallenge =
    "512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c9540ce96883f"
    "e3b278760f048f5189f2e6c452ae";

constexpr Base58Prefixes kMainPrefixes{0, 5, 128, {0x04, 0x88, 0xb2, 0x1e}, {0x04, 0x88, 0xad, 0xe4}};
constexpr Base58Prefixes kTestPrefixes{111, 196, 239, {0x04, 0x35, 0x87, 0xcf}, {0x04, 0x35, 0x83, 0x94}};

ChainParams main_params() {
    ChainParams p;
    p.network = Network::MAIN;
    p.magic = {0xf9, 0xbe, 0xb4, 0xd9};
    p.default_port = 8333;
    p.rpc_port = 8332;
    p.genesis = make_genesis_block(kSatoshiMessage, pubkey_checksig(kSatoshiPubkey), 1231006505, 2083236893, 0x1d00ffff,
                                   1, 50 * kCoin);
    p.base58 = kMainPrefixes;
    p.bech32_hrp = "bc";
    p.dns_seeds = {"seed.bitcoin.sipa.be.",          "dnsseed.bluematt.me.",
                   "dnsseed.bitcoin.dashjr.org.",    "seed.bitcoinstats.com.",
                   "seed.bitcoin.jonasschnelli.ch.", "seed.btc.petertodd.net.",
                   "seed.bitcoin.sprovoost.nl.",     "dnsseed.emzy.de.",
                   "seed.bitcoin.wiz.biz."};
    ConsensusParams& c = p.consensus;
    c.subsidy_halving_interval = 210000;
    c.bip34_height = 227931;
    c.bip34_hash = hash_from_hex("000000000000024b89b42a942fe0d9fea3bb44ab7bd1b19115dd6a759c0808b8");
    c.bip65_height = 388381;
    c.bip66_height = 363725;
    c.csv_height = 419328;
    c.segwit_height = 481824;
    // Block 170060 spent a P2SH output before BIP16's rules were enforced; block 692261
    // carries a transaction that is invalid under taproot's rules but predates activation.
    c.script_flag_exceptions = {
        {hash_from_hex("00000000000002dc756eebf4f49723ed8d30cc28a5f108eb94b1ba88ac4f9c22"), SCRIPT_VERIFY_NONE},
        {hash_from_hex("0000000000000000000f14c35b2d841e986ab5441de8c585d5ffe55ea1e395ad"),
         SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS},
    };
    c.pow_limit = hash_from_hex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.minimum_chain_work = hash_from_hex("000000000000000000000000000000000000000063c4ebd298db40af57541800");
    return p;
}

ChainParams testnet4_params() {
    ChainParams p;
    p.network = Network::TESTNET4;
    p.magic = {0x1c, 0x16, 0x3f, 0x28};
    p.default_port = 48333;
    p.rpc_port = 48332;
    p.genesis =
        make_genesis_block("03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e",
                           pubkey_checksig("000000000000000000000000000000000000000000000000000000000000000000"),
                           1714777860, 393743547, 0x1d00ffff, 1, 50 * kCoin);
    p.base58 = kTestPrefixes;
    p.bech32_hrp = "tb";
    p.dns_seeds = {"seed.testnet4.bitcoin.sprovoost.nl.", "seed.testnet4.wiz.biz."};
    p.data_subdir = "testnet4";
    ConsensusParams& c = p.consensus;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = c.segwit_height = 1;
    c.pow_limit = hash_from_hex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.pow_allow_min_difficulty_blocks = true;
    c.enforce_bip94 = true;
    return p;
}

ChainParams signet_params(std::optional<Bytes> challenge) {
    ChainParams p;
    p.network = Network::SIGNET;
    p.default_port = 38333;
    p.rpc_port = 38332;
    p.genesis = make_genesis_block(kSatoshiMessage, pubkey_checksig(kSatoshiPubkey), 1598918400, 52613770, 0x1e0377ae,
                                   1, 50 * kCoin);
    p.base58 = kTestPrefixes;
    p.bech32_hrp = "tb";
    p.data_subdir = "signet";
    ConsensusParams& c = p.consensus;
    if (!challenge) {
        challenge = bytes_from_hex(kDefaultSignetChallenge);
        p.dns_seeds = {"seed.signet.bitcoin.sprovoost.nl."};
    }
    c.signet_blocks = true;
    c.signet_challenge = *challenge;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = c.segwit_height = 1;
    c.pow_limit = hash_from_hex("00000377ae000000000000000000000000000000000000000000000000000000");
    // BIP325: the magic is the first four bytes of SHA256d(CompactSize(len) || challenge).
    HashWriter w;
    w.write_var_bytes(c.signet_challenge);
    const uint256 h = w.sha256d();
    p.magic = {h.data()[0], h.data()[1], h.data()[2], h.data()[3]};
    return p;
}

ChainParams regtest_params() {
    ChainParams p;
    p.network = Network::REGTEST;
    p.magic = {0xfa, 0xbf, 0xb5, 0xda};
    p.default_port = 18444;
    p.rpc_port = 18443;
    p.genesis =
        make_genesis_block(kSatoshiMessage, pubkey_checksig(kSatoshiPubkey), 1296688602, 2, 0x207fffff, 1, 50 * kCoin);
    p.base58 = kTestPrefixes;
    p.bech32_hrp = "bcrt";
    p.data_subdir = "regtest";
    ConsensusParams& c = p.consensus;
    c.subsidy_halving_interval = 150;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = 1;
    c.segwit_height = 0;
    c.pow_limit = hash_from_hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.pow_allow_min_difficulty_blocks = true;
    c.pow_no_retargeting = true;
    return p;
}

}  // namespace

std::string network_name(Network n) {
    switch (n) {
    case Network::MAIN: return "main";
    case Network::TESTNET4: return "testnet4";
    case Network::SIGNET: return "signet";
    case Network::REGTEST: return "regtest";
    }
    return "unknown";
}

std::optional<Network> network_from_name(const std::string& name) {
    for (Network n : {Network::MAIN, Network::TESTNET4, Network::SIGNET, Network::REGTEST})
        if (network_name(n) == name) return n;
    return std::nullopt;
}

Block make_genesis_block(const std::string& message, const Script& output_script, uint32_t time, uint32_t nonce,
                         uint32_t bits, int32_t version, Amount reward) {
    Transaction coinbase;
    coinbase.version = 1;
    TxIn in;
    // 486604799 is 0x1d00ffff, the original difficulty bits, then the number 4 and the message.
    in.script_sig.push_int(486604799).push_data(ScriptNum::encode(4));
    in.script_sig.push_data(ByteView(reinterpret_cast<const uint8_t*>(message.data()), message.size()));
    coinbase.vin.push_back(std::move(in));
    coinbase.vout.push_back(TxOut{reward, output_script});
    Block genesis;
    genesis.header.version = version;
    genesis.header.time = time;
    genesis.header.bits = bits;
    genesis.header.nonce = nonce;
    genesis.txs.push_back(std::move(coinbase));
    genesis.header.merkle_root = block_merkle_root(genesis);
    return genesis;
}

ChainParams make_chain_params(Network network, std::optional<Bytes> signet_challenge) {
    ChainParams p;
    switch (network) {
    case Network::MAIN: p = main_params(); break;
    case Network::TESTNET4: p = testnet4_params(); break;
    case Network::SIGNET: p = signet_params(std::move(signet_challenge)); break;
    case Network::REGTEST: p = regtest_params(); break;
    }
    p.consensus.genesis_hash = p.genesis.hash();
    return p;
}

}  // namespace minicash
