// Option handling shared by the programs that open a data directory (minicashd,
// minicash-chainstate), in bitcoind's style:
//
//   -name=value, -name (booleans: same as -name=1), -noname (same as -name=0); also
//   with two dashes. Values must be attached with '='; a value in the next argument or
//   an abbreviated name is an error, as is anything unknown or malformed.
//
//   <datadir>/minicash.conf (or -conf=FILE; without either, a bitcoin.conf there, so a
//   data directory prepared for bitcoind works), read by app/config_file.h: "name=value"
//   lines, '#' comments, and [main] [test] [testnet4] [signet] [regtest] sections whose
//   lines apply only to that chain. Unknown names are errors here. includeconf=FILE (at
//   the top or in the chain's section; relative to the data directory) reads another
//   file after it, as bitcoind does; not on the command line, not from included files. Precedence: the
//   command line (its last value), then the chain's section, then the top of the file
//   (their first value). Options that take several values (-loadblock, -debug) collect
//   them from every source. The chain itself (-chain, -regtest, ...) is chosen on the
//   command line or at the top of the file only.
//
// Error messages name the option (and the file line) but never repeat a value read from
// the configuration file, which may hold secrets.
#pragma once

#include <boost/program_options.hpp>

#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/config_file.h"
#include "consensus/params.h"

namespace minicash::app {

// A problem with the options or the configuration file; what() is the message to print.
struct OptionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class NodeOptions {
public:
    // `program` and `summary` head the -help text.
    NodeOptions(std::string program, std::string summary);

    // Program-specific options. `value_name` shows in -help as -name=<value_name>. A name
    // registered twice throws std::logic_error (a programming error).
    void add_bool(const std::string& name, const std::string& help);
    void add_string(const std::string& name, const std::string& value_name, const std::string& help);
    void add_int(const std::string& name, const std::string& value_name, const std::string& help);
    void add_list(const std::string& name, const std::string& value_name, const std::string& help,
                  std::optional<std::string> implicit = std::nullopt);  // repeatable
    // For a string or list option: -noname (and "noname=1" in the file) means -name=0, as
    // bitcoind's -noproxy, -noonion.
    void allow_negation(const std::string& name) { negatable_.insert(name); }

    // Configuration file lines for these options (another program's, e.g. minicashd's
    // when this is a tool) are accepted and ignored. Call before parse().
    void ignore_in_config(const std::set<std::string>& names) { ignored_.insert(names.begin(), names.end()); }
    // Names of every option this program takes (without dashes).
    std::set<std::string> names() const;

    // Parses the command line, then the configuration file (unless -help). Resolves the
    // data directory and the chain. Throws OptionError.
    void parse(int argc, const char* const* argv);

    bool help_requested() const { return help_; }
    std::string help_text() const;

    bool get_bool(const std::string& name, bool fallback = false) const;  // throws OptionError if malformed
    std::optional<std::string> get_string(const std::string& name) const;
    std::optional<int64_t> get_int(const std::string& name) const;
    std::vector<std::string> get_list(const std::string& name) const;
    bool is_set(const std::string& name) const;

    const std::filesystem::path& datadir() const { return datadir_; }  // absolute
    // The configuration file read ("" when there was none).
    std::filesystem::path config_path() const { return config_read_ ? config_path_ : std::filesystem::path(); }
    // datadir()/<chain subdirectory> ("" for mainnet). Not created here.
    std::filesystem::path network_dir() const;
    const ChainParams& params() const { return *params_; }
    // Options that change the chain's parameters (-testactivationheight, ...) replace them.
    void set_params(ChainParams params) { params_ = std::move(params); }

    // Warnings found while reading the options (ignored options, ...), for the log once it
    // is open. Bitcoin Core's test framework fails on any stderr output, so they are not
    // printed.
    const std::vector<std::string>& warnings() const { return warnings_; }
    void add_warning(std::string text) const { warnings_.push_back(std::move(text)); }

private:
    void check_new(const std::string& name) const;
    std::vector<std::string> preprocess(const std::vector<std::string>& args) const;
    void read_config(const std::filesystem::path& path, bool required, bool included = false);
    void read_included_configs();
    void resolve_chain();
    void store_config(const std::vector<const ConfigEntry*>& entries, const std::string& origin);

    std::string program_;
    std::string summary_;
    boost::program_options::options_description desc_;
    std::set<std::string> bools_;                                  // names of boolean options
    std::set<std::string> lists_;                                  // names of repeatable options
    std::set<std::string> negatable_;                              // non-boolean options with a -no form
    std::set<std::string> ignored_;                                // other programs' options: skipped in the file
    std::vector<std::pair<std::string, std::string>> help_lines_;  // "-name=<v>", help
    boost::program_options::variables_map vm_;
    std::vector<ConfigEntry> config_;
    std::filesystem::path config_path_;
    bool help_ = false;
    bool config_read_ = false;
    std::filesystem::path datadir_;
    std::optional<ChainParams> params_;
    mutable std::vector<std::string> warnings_;
};

// The options of minicashd (beyond the common ones above). Tools that read minicash.conf
// pass names() of a NodeOptions with these to ignore_in_config().
void add_daemon_options(NodeOptions& options);

}  // namespace minicash::app
