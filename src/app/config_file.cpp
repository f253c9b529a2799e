#include "app/config_file.h"

#include <set>

namespace minicash::app {

namespace {

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

}  // namespace

std::filesystem::path default_config_path(const std::filesystem::path& datadir) {
    std::error_code ec;
    const std::filesystem::path ours = datadir / "minicash.conf";
    const std::filesystem::path bitcoind = datadir / "bitcoin.conf";
    if (!std::filesystem::exists(ours, ec) && std::filesystem::exists(bitcoind, ec)) return bitcoind;
    return ours;
}

bool is_config_section(const std::string& name) {
    static const std::set<std::string> kSections = {"main", "test", "testnet4", "signet", "regtest"};
    return kSections.count(name) > 0;
}

std::vector<ConfigEntry> parse_config(std::istream& in, const std::string& where) {
    std::vector<ConfigEntry> entries;
    std::string raw, section;
    int line_no = 0;
    while (std::getline(in, raw)) {
        ++line_no;
        const auto fail = [&](const std::string& problem) {
            throw ConfigSyntaxError(where + " line " + std::to_string(line_no) + ": " + problem);
        };
        if (auto hash = raw.find('#'); hash != std::string::npos) raw.resize(hash);
        const std::string line = trim(raw);
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') fail("malformed section header");
            section = trim(line.substr(1, line.size() - 2));
            if (!is_config_section(section))
                fail("unknown section [" + section + "] (expected main, test, testnet4, signet or regtest)");
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) fail("expected name=value");
        const std::string name = trim(line.substr(0, eq));
        if (name.empty()) fail("missing option name before '='");
        if (name.front() == '-') fail("write option names without a leading '-'");
        ConfigEntry e{section, name, trim(line.substr(eq + 1)), line_no};
        if (auto dot = name.find('.'); dot != std::string::npos) {
            e.section = name.substr(0, dot);
            e.key = name.substr(dot + 1);
            if (!is_config_section(e.section)) fail("unknown section in '" + name + "'");
        }
        entries.push_back(std::move(e));
    }
    if (in.bad()) throw ConfigSyntaxError("error reading " + where);
    return entries;
}

}  // namespace minicash::app
