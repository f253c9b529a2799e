// The configuration file, minicash.conf, in the syntax of Bitcoin Core's bitcoin.conf:
//
//   # a comment (from '#' to the end of the line)
//   name=value            at the top: for every chain
//   [regtest]             a section: the lines below apply to that chain only
//   regtest.name=value    the same as name=value inside [regtest]
//
// Sections: main, test, testnet4, signet, regtest. Every program that reads the file
// (minicashd and minicash-chainstate through app/app_options.h, minicash-cli and
// minicash-wallet through app/rpc_connection.h) parses it here; what the names mean,
// and which are allowed, is the program's business.
//
// Error messages name the file and line but never repeat a value, which may be a secret.
#pragma once

#include <filesystem>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace minicash::app {

struct ConfigEntry {
    std::string section;  // "" for the top of the file
    std::string key;
    std::string value;  // trimmed
    int line = 0;
};

// A syntax error; what() is "<where> line <n>: <problem>".
struct ConfigSyntaxError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The chain sections a file may have.
bool is_config_section(const std::string& name);

// The file read when no -conf is given: <datadir>/minicash.conf, or, when there is none
// but a bitcoin.conf, that one, so that a data directory prepared for bitcoind works
// unchanged.
std::filesystem::path default_config_path(const std::filesystem::path& datadir);

// Parses the whole text, in file order. `where` names the file in messages (usually its
// file name). Throws ConfigSyntaxError.
std::vector<ConfigEntry> parse_config(std::istream& in, const std::string& where);

}  // namespace minicash::app
