// Chain parameters: everything that differs between mainnet, testnet4, signet and
// regtest (genesis, magic, ports, address prefixes, activation heights, proof of work).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "consensus/script_flags.h"
#include "util/uint256.h"

namespace minicash {

enum class Network { MAIN, TESTNET4, SIGNET, REGTEST };

// "main", "testnet4", "signet", "regtest" (the names -chain= takes).
std::string network_name(Network n);
[[nodiscard]] std::optional<Network> network_from_name(const std::string& name);

struct ScriptFlagException {
    uint256 block_hash;
    ScriptFlags flags;
};

struct ConsensusParams {
    uint256 genesis_hash;
    int subsidy_halving_interval = 210000;
    // Heights at which these soft forks are enforced (buried deployments).
    int bip34_height = 0;
    uint256 bip34_hash;
    int bip65_height = 0;
    int bip66_height = 0;
    int csv_height = 0;
    int segwit_height = 0;
    // Blocks whose scripts are checked with other flags than the rule (historic exceptions).
    std::vector<ScriptFlagException> script_flag_exceptions;

    uint256 pow_limit;
    int64_t pow_target_timespan = 14 * 24 * 60 * 60;
    int64_t pow_target_spacing = 10 * 60;
    bool pow_allow_min_difficulty_blocks = false;  // testnet: 20-minute rule
    bool pow_no_retargeting = false;               // regtest
    bool enforce_bip94 = false;                    // testnet4: timewarp fix, period-start difficulty
    uint256 minimum_chain_work;

    bool signet_blocks = false;
    Bytes signet_challenge;

    int64_t difficulty_adjustment_interval() const { return pow_target_timespan / pow_target_spacing; }
};

struct Base58Prefixes {
    uint8_t pubkey_address;
    uint8_t script_address;
    uint8_t secret_key;
    std::array<uint8_t, 4> ext_public_key;
    std::array<uint8_t, 4> ext_secret_key;
};

struct ChainParams {
    Network network;
    ConsensusParams consensus;
    std::array<uint8_t, 4> magic;
    uint16_t default_port;
    uint16_t rpc_port;
    Block genesis;
    Base58Prefixes base58;
    std::string bech32_hrp;
    std::vector<std::string> dns_seeds;
    std::string data_subdir;  // "" for mainnet, else "testnet4", "signet", "regtest"
};

// Parameters for a network. For signet, `signet_challenge` replaces the default
// challenge (and with it the magic bytes, as BIP325 derives them from the challenge).
ChainParams make_chain_params(Network network, std::optional<Bytes> signet_challenge = std::nullopt);

// The genesis block every network derives from: a one-input coinbase with the given
// message and output script.
Block make_genesis_block(const std::string& message, const Script& output_script, uint32_t time, uint32_t nonce,
                         uint32_t bits, int32_t version, Amount reward);

}  // namespace minicash
