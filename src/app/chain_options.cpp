#include "app/chain_options.h"

#include <charconv>
#include <limits>

namespace minicash::app {

void add_chain_options(NodeOptions& o) {
    o.add_list("testactivationheight", "name@height",
               "Set the activation height of 'name' (segwit, bip34, dersig, cltv, csv). (regtest-only)");
    o.add_string("minimumchainwork", "hex",
                 "Minimum work assumed to exist on a valid chain in hex (default: the network's)");
    o.add_bool("acceptnonstdtxn", "Relay and mine \"non-standard\" transactions (test networks only; default: 0)");
}

void apply_chain_options(NodeOptions& o) {
    ChainParams p = o.params();
    for (const std::string& arg : o.get_list("testactivationheight")) {
        if (p.network != Network::REGTEST) {
            o.add_warning("-testactivationheight=" + arg + " ignored: it applies to regtest only");
            continue;
        }
        const size_t at = arg.find('@');
        if (at == std::string::npos)
            throw OptionError("Invalid format (" + arg + ") for -testactivationheight=name@height.");
        const std::string name = arg.substr(0, at), value = arg.substr(at + 1);
        int height = -1;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), height);
        if (value.empty() || ec != std::errc() || end != value.data() + value.size() || height < 0 ||
            height >= std::numeric_limits<int>::max())
            throw OptionError("Invalid height value (" + arg + ") for -testactivationheight=name@height.");
        ConsensusParams& c = p.consensus;
        if (name == "segwit") c.segwit_height = height;
        else if (name == "bip34") c.bip34_height = height;
        else if (name == "dersig") c.bip66_height = height;
        else if (name == "cltv") c.bip65_height = height;
        else if (name == "csv") c.csv_height = height;
        else throw OptionError("Invalid name (" + arg + ") for -testactivationheight=name@height.");
    }
    if (auto work = o.get_string("minimumchainwork")) {
        std::string hex = *work;
        if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
        std::optional<uint256> w;
        if (hex.size() <= 64 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
            w = uint256::from_hex(std::string(64 - hex.size(), '0') + hex);
        if (!w) throw OptionError("Invalid minimum work specified (" + *work + "), must be up to 64 hex digits");
        p.consensus.minimum_chain_work = *w;
    }
    o.set_params(std::move(p));
}

bool read_require_standard(const NodeOptions& o) {
    const bool accept = o.get_bool("acceptnonstdtxn", false);
    if (accept && o.params().network == Network::MAIN)
        throw OptionError("acceptnonstdtxn is not currently supported for main chain");
    return !accept;
}

}  // namespace minicash::app
