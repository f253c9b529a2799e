#include "app/app_options.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/hex.h"

namespace po = boost::program_options;

namespace minicash::app {

namespace {

const std::set<std::string> kChainKeys = {"chain", "regtest", "testnet4", "signet"};

std::string hint_for_unknown(const std::string& name) {
    if (name == "testnet" || name == "chain=test") return " (testnet3 is not supported; use -testnet4)";
    return {};
}

// Boost names options "--name"; bitcoind's users write "-name".
std::string describe(const po::error& e) {
    std::string msg = e.what();
    for (size_t pos = 0; (pos = msg.find("'--", pos)) != std::string::npos;) msg.erase(pos + 1, 1);
    return msg;
}

}  // namespace

NodeOptions::NodeOptions(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {
    desc_.add_options()("help,h", po::value<std::string>()->implicit_value("1"), "");
    bools_.insert("help");
    help_lines_.emplace_back("-help", "Print this help message and exit (also -h, -?).");
    add_string("datadir", "dir", "Data directory (default: ~/.minicash). It must exist when given.");
    add_string("conf", "file",
               "Configuration file, relative to the data directory unless absolute (default: minicash.conf, or "
               "bitcoin.conf when only that one exists).");
    add_string("chain", "name", "Chain to use: main, testnet4, signet or regtest (default: main).");
    add_bool("regtest", "Use the regression test chain (same as -chain=regtest).");
    add_bool("testnet4", "Use testnet4 (same as -chain=testnet4).");
    add_bool("signet", "Use signet (same as -chain=signet).");
    add_string("signetchallenge", "hex", "Signet only: the block challenge script (hex) of a custom signet.");
    add_list("includeconf", "file",
             "Specify additional configuration file, relative to the data directory (only usable from the "
             "configuration file, not the command line)");
}

void NodeOptions::check_new(const std::string& name) const {
    if (desc_.find_nothrow(name, false)) throw std::logic_error("option -" + name + " registered twice");
}

void NodeOptions::add_bool(const std::string& name, const std::string& help) {
    check_new(name);
    desc_.add_options()(name.c_str(), po::value<std::string>()->implicit_value("1"), "");
    bools_.insert(name);
    help_lines_.emplace_back("-" + name, help);
}

void NodeOptions::add_string(const std::string& name, const std::string& value_name, const std::string& help) {
    check_new(name);
    desc_.add_options()(name.c_str(), po::value<std::string>(), "");
    help_lines_.emplace_back("-" + name + "=<" + value_name + ">", help);
}

void NodeOptions::add_int(const std::string& name, const std::string& value_name, const std::string& help) {
    check_new(name);
    desc_.add_options()(name.c_str(), po::value<int64_t>(), "");
    help_lines_.emplace_back("-" + name + "=<" + value_name + ">", help);
}

void NodeOptions::add_list(const std::string& name, const std::string& value_name, const std::string& help,
                           std::optional<std::string> implicit) {
    check_new(name);
    auto* semantic = po::value<std::vector<std::string>>()->composing();
    if (implicit) semantic->implicit_value(std::vector<std::string>{*implicit}, *implicit);
    desc_.add_options()(name.c_str(), semantic, "");
    lists_.insert(name);
    help_lines_.emplace_back("-" + name + "=<" + value_name + ">", help + " (repeatable)");
}

std::string NodeOptions::help_text() const {
    std::ostringstream out;
    out << "Usage: " << program_ << " [options]\n\n" << summary_ << "\n\nOptions:\n";
    for (const auto& [flag, text] : help_lines_) out << "  " << flag << "\n       " << text << "\n";
    out << "\nBoolean options accept -name, -name=1, -name=0 and -noname. Options may also be set in\n"
           "the configuration file (name=value lines; [main], [testnet4], [signet], [regtest] sections).\n";
    return out.str();
}

std::vector<std::string> NodeOptions::preprocess(const std::vector<std::string>& args) const {
    std::vector<std::string> out;
    for (const std::string& arg : args) {
        if (arg == "-?") {
            out.push_back("-help");
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-' || arg == "--")
            throw OptionError("unexpected argument '" + arg + "' (options are written -name=value)");
        const DashOption opt = parse_dash_option(arg, [this](const std::string& n) {
            return (bools_.count(n.substr(2)) || negatable_.count(n.substr(2))) && !bools_.count(n);
        });
        const std::string& name = opt.name;
        const std::optional<std::string>& value = opt.value;
        if (opt.negated) {
            bool negated = true;
            if (value) {
                const auto b = parse_bool_value(*value);
                if (!b) throw OptionError("invalid value for -no" + name + ": expected 0 or 1");
                negated = *b;
            }
            out.push_back("-" + name + "=" + (negated ? "0" : "1"));
            continue;
        }
        const po::option_description* known = desc_.find_nothrow(name, false);
        if (name.size() > 1 && !known && !(name == "h" && arg[1] != '-'))
            throw OptionError("unknown option -" + name + hint_for_unknown(name));
        if (known && !value && !bools_.count(name) && known->semantic()->min_tokens() > 0)
            throw OptionError("-" + name + " needs a value: write -" + name + "=<value>");
        out.push_back(arg);
    }
    return out;
}

void NodeOptions::parse(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    args = preprocess(args);

    namespace cls = po::command_line_style;
    // No abbreviations, no "-name value": a value is always attached with '='.
    const int style = cls::allow_long | cls::long_allow_adjacent | cls::allow_long_disguise | cls::allow_short |
                      cls::allow_dash_for_short | cls::short_allow_adjacent;
    try {
        po::parsed_options parsed = po::command_line_parser(args).options(desc_).style(style).run();
        // The last occurrence of a single-valued option wins, as in bitcoind.
        std::vector<po::option> kept;
        for (size_t i = 0; i < parsed.options.size(); ++i) {
            const std::string& key = parsed.options[i].string_key;
            bool later = false;
            if (!lists_.count(key))
                for (size_t j = i + 1; j < parsed.options.size(); ++j)
                    later = later || parsed.options[j].string_key == key;
            if (!later) kept.push_back(parsed.options[i]);
        }
        parsed.options = std::move(kept);
        po::store(parsed, vm_);
    } catch (const po::error& e) { throw OptionError(describe(e)); }
    for (const std::string& b : bools_) (void)get_bool(b);  // validates every boolean given
    help_ = get_bool("help");
    if (help_) return;

    // The data directory.
    if (auto d = get_string("datadir")) {
        if (d->empty()) throw OptionError("-datadir is empty");
        std::error_code ec;
        if (!std::filesystem::is_directory(*d, ec))
            throw OptionError("specified data directory \"" + *d + "\" does not exist");
        datadir_ = std::filesystem::absolute(*d, ec).lexically_normal();
    } else {
        const char* home = std::getenv("HOME");
        if (home == nullptr || *home == '\0')
            throw OptionError("cannot find a default data directory: HOME is not set; use -datadir=<dir>");
        datadir_ = std::filesystem::path(home) / ".minicash";
    }

    // The configuration file.
    for (const std::string& f : get_list("includeconf"))
        throw OptionError("-includeconf cannot be used from commandline; -includeconf=" + f);
    if (auto c = get_string("conf")) {
        if (c->empty()) throw OptionError("-conf is empty");
        std::filesystem::path p(*c);
        read_config(p.is_absolute() ? p : datadir_ / p, true);
    } else {
        read_config(default_config_path(datadir_), false);
    }

    resolve_chain();
    read_included_configs();

    // The chain's section first, then the top of the file: the first value stored wins.
    const std::string section = network_name(params_->network);
    std::vector<const ConfigEntry*> in_section, top;
    for (const ConfigEntry& e : config_) {
        if (kChainKeys.count(e.key) || kChainKeys.count(e.key.substr(e.key.compare(0, 2, "no") == 0 ? 2 : 0))) continue;
        if (e.section == section) in_section.push_back(&e);
        if (e.section.empty()) top.push_back(&e);
    }
    store_config(in_section, config_path_.filename().string());
    store_config(top, config_path_.filename().string());
    for (const std::string& b : bools_) (void)get_bool(b);

    // -signetchallenge needs the chain, so the parameters are made again here.
    if (auto challenge = get_string("signetchallenge")) {
        if (params_->network != Network::SIGNET) throw OptionError("-signetchallenge is only valid with -signet");
        auto bytes = hex_decode(*challenge);
        if (!bytes || bytes->empty()) throw OptionError("-signetchallenge must be a non-empty hex string");
        params_ = make_chain_params(Network::SIGNET, *bytes);
    }
}

// includeconf lines at the top and in the chain's section, in order; each file's lines
// follow the main file's (so the main file's values win, as its come first).
void NodeOptions::read_included_configs() {
    const std::string section = network_name(params_->network);
    std::vector<std::string> files;
    for (const ConfigEntry& e : config_)
        if (e.key == "includeconf" && (e.section.empty() || e.section == section)) files.push_back(e.value);
    const std::filesystem::path main_path = config_path_;
    for (const std::string& f : files) {
        if (f.empty()) throw OptionError("Failed to include configuration file (empty name)");
        const std::filesystem::path p(f);
        std::error_code ec;
        const std::filesystem::path full = p.is_absolute() ? p : datadir_ / p;
        if (!std::filesystem::is_regular_file(full, ec)) throw OptionError("Failed to include configuration file " + f);
        read_config(full, true, true);
    }
    config_path_ = main_path;
    std::erase_if(config_, [](const ConfigEntry& e) { return e.key == "includeconf"; });
}

void NodeOptions::read_config(const std::filesystem::path& path, bool required, bool included) {
    if (!included) config_path_ = path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        if (required) throw OptionError("configuration file " + path.string() + " does not exist");
        return;
    }
    if (std::filesystem::is_directory(path, ec))
        throw OptionError("configuration file " + path.string() + " is a directory");
    if (!included) config_read_ = true;
    std::ifstream in(path);
    if (!in) throw OptionError("cannot read configuration file " + path.string());
    const std::string where = path.filename().string();
    std::vector<ConfigEntry> entries;
    try {
        entries = parse_config(in, where);
    } catch (const ConfigSyntaxError& e) { throw OptionError(e.what()); }
    for (ConfigEntry& e : entries) {
        const std::string at = where + " line " + std::to_string(e.line) + ": ";
        if (ignored_.count(e.key) && !desc_.find_nothrow(e.key, false)) continue;  // another program's
        if (included && e.key == "includeconf") {
            add_warning("-includeconf cannot be used from included files; ignoring -includeconf=" + e.value);
            continue;
        }
        if (included && kChainKeys.count(e.key)) {
            add_warning(at + "'" + e.key + "' in an included file is ignored: the chain is chosen already");
            continue;
        }
        const std::string base = e.key.size() > 2 && e.key.compare(0, 2, "no") == 0 && bools_.count(e.key.substr(2))
                                     ? e.key.substr(2)
                                     : e.key;
        if (base == "datadir" || base == "conf")
            throw OptionError(at + "'" + base + "' cannot be set in the configuration file");
        if (base == "help" || !desc_.find_nothrow(base, false))
            throw OptionError(at + "unknown option '" + e.key + "'" + hint_for_unknown(e.key));
        if (kChainKeys.count(base) && !e.section.empty())
            throw OptionError(at + "'" + base + "' selects the chain and is only allowed at the top of the file");
        config_.push_back(std::move(e));
    }
}

void NodeOptions::store_config(const std::vector<const ConfigEntry*>& entries, const std::string& origin) {
    for (const ConfigEntry* e : entries) {
        const std::string at = origin + " line " + std::to_string(e->line) + ": ";
        std::string key = e->key, value = e->value;
        if (!desc_.find_nothrow(key, false)) {  // "nofoo=..." for a boolean foo (checked when read)
            const auto b = value.empty() ? std::optional<bool>(true) : parse_bool_value(value);
            if (!b) throw OptionError(at + "invalid value for '" + key + "': expected 0 or 1");
            key = key.substr(2);
            value = *b ? "0" : "1";
        }
        if (bools_.count(key) && value.empty()) value = "1";
        try {
            std::vector<std::string> args{"--" + key + "=" + value};
            po::parsed_options parsed =
                po::command_line_parser(args)
                    .options(desc_)
                    .style(po::command_line_style::allow_long | po::command_line_style::long_allow_adjacent)
                    .run();
            po::store(parsed, vm_);
        } catch (const po::error&) {
            throw OptionError(at + "invalid value for '" + key + "'");  // the value may be a secret: not shown
        }
        if (bools_.count(key) && !parse_bool_value(value))
            throw OptionError(at + "invalid value for '" + key + "': expected 0 or 1");
    }
}

void NodeOptions::resolve_chain() {
    // Candidates from the command line; if none, from the top of the configuration file.
    std::vector<std::pair<Network, std::string>> chosen;  // network, where it was chosen
    const auto from_chain_value = [](const std::string& v, const std::string& where) {
        if (v == "test" || v == "testnet" || v == "testnet3")
            throw OptionError(where + "-chain=" + v + ": testnet3 is not supported; use -chain=testnet4");
        auto n = network_from_name(v);
        if (!n)
            throw OptionError(where + "invalid -chain value '" + v + "' (expected main, testnet4, signet or regtest)");
        return *n;
    };
    if (auto c = get_string("chain")) chosen.emplace_back(from_chain_value(*c, ""), "-chain");
    if (get_bool("regtest")) chosen.emplace_back(Network::REGTEST, "-regtest");
    if (get_bool("testnet4")) chosen.emplace_back(Network::TESTNET4, "-testnet4");
    if (get_bool("signet")) chosen.emplace_back(Network::SIGNET, "-signet");
    if (chosen.empty()) {
        std::set<std::string> seen;
        for (const ConfigEntry& e : config_) {
            if (!e.section.empty()) continue;
            const bool negated = !kChainKeys.count(e.key) && e.key.compare(0, 2, "no") == 0;
            const std::string key = negated ? e.key.substr(2) : e.key;
            if (!kChainKeys.count(key) || !seen.insert(key).second) continue;  // first value wins
            const std::string at = config_path_.filename().string() + " line " + std::to_string(e.line) + ": ";
            if (key == "chain") {
                if (negated) throw OptionError(at + "'nochain' is not an option");
                chosen.emplace_back(from_chain_value(e.value, at), key);
                continue;
            }
            auto b = e.value.empty() ? std::optional<bool>(true) : parse_bool_value(e.value);
            if (!b) throw OptionError(at + "invalid value for '" + key + "': expected 0 or 1");
            if (*b != negated) chosen.emplace_back(*network_from_name(key), key);
        }
    }
    if (chosen.size() > 1)
        throw OptionError("invalid combination of -regtest, -signet, -testnet4 and -chain: can use at most one");
    params_ = make_chain_params(chosen.empty() ? Network::MAIN : chosen.front().first);
}

std::filesystem::path NodeOptions::network_dir() const {
    return params_->data_subdir.empty() ? datadir_ : datadir_ / params_->data_subdir;
}

bool NodeOptions::get_bool(const std::string& name, bool fallback) const {
    if (!vm_.count(name)) return fallback;
    const auto b = parse_bool_value(vm_[name].as<std::string>());
    if (!b) throw OptionError("invalid value for -" + name + ": expected no value, 0 or 1");
    return *b;
}

std::optional<std::string> NodeOptions::get_string(const std::string& name) const {
    if (!vm_.count(name)) return std::nullopt;
    return vm_[name].as<std::string>();
}

std::optional<int64_t> NodeOptions::get_int(const std::string& name) const {
    if (!vm_.count(name)) return std::nullopt;
    return vm_[name].as<int64_t>();
}

std::vector<std::string> NodeOptions::get_list(const std::string& name) const {
    if (!vm_.count(name)) return {};
    return vm_[name].as<std::vector<std::string>>();
}

bool NodeOptions::is_set(const std::string& name) const { return vm_.count(name) > 0; }

std::set<std::string> NodeOptions::names() const {
    std::set<std::string> out;
    for (const auto& opt : desc_.options()) out.insert(opt->long_name());
    for (const std::string& b : bools_) out.insert("no" + b);  // negated forms in the file
    for (const std::string& n : negatable_) out.insert("no" + n);
    return out;
}

void add_daemon_options(NodeOptions& o) {
    o.add_list("loadblock", "file", "Import blocks from a Bitcoin Core style blk*.dat file on start-up, in order");
    o.add_int("dbcache", "MiB", "UTXO cache size in MiB (default: 450, minimum: 4)");
    o.add_bool("reindex",
               "Rebuild the block index and the UTXO set from the blk*.dat files in blocks/ (undo data is "
               "written again); interrupted, the next start continues it");
    o.add_bool("reindex-chainstate", "Rebuild the UTXO set from the stored blocks, keeping the block index");
    o.add_int("prune", "n",
              "Delete old blocks to save disk space (doc/node.md, \"Running a pruned node\"): 0 keeps every block "
              "(default), 1 deletes only on request (RPC pruneblockchain), n >= 550 keeps the block and undo files "
              "under n MiB. The last 288 blocks are always kept. Incompatible with -txindex; going back to 0 needs "
              "-reindex, which downloads the whole chain again");
    o.add_bool("fastprune", "Testing aid: block files of 64 KiB, and regtest prunes from height 100 on (default: 0)");
    o.add_string("blocksdir", "dir",
                 "Keep the block and undo files (blocks/blk*.dat, blocks/rev*.dat) under <dir>/<chain> instead of "
                 "the data directory; the block index stays in the data directory (default: <datadir>)");
    o.add_string("assumevalid", "hex",
                 "If this block is in the chain, assume that it and its ancestors are valid and possibly skip "
                 "their script verification (0 to verify all; default: the network's, as Bitcoin Core 30's; "
                 "regtest: none)");
    o.add_int("par", "n",
              "Script verification threads (0 = one per core, negative = leave that many cores free, "
              "at most 15; default: 0)");
    o.add_bool("printtoconsole", "Also write log lines to standard output");
    o.add_list("debug", "category",
               "Log debug lines of a category: net, rpc, validation, bench, db, mempool, import, http, "
               "all (or -debug alone); none disables. Bitcoin Core's other category names are accepted",
               std::string("1"));
    o.add_list("debugexclude", "category",
               "Exclude debug and trace logging for a category. Can be used in conjunction with -debug=1 to output "
               "debug and trace logging for all categories except the specified category");
    o.add_list("loglevel", "level|category:level",
               "Set the global or per-category severity level for logging categories enabled with the -debug "
               "configuration option or the logging RPC. Possible values are info, debug, trace (default=debug); "
               "warning and error are also accepted. info and above turn debug lines off");
    o.add_bool("logtimestamps", "Prepend debug output with timestamp (default: 1)");
    o.add_bool("logtimemicros", "Add microsecond precision to debug timestamps (default: 0)");
    o.add_bool("logthreadnames", "Prepend debug output with name of the originating thread (default: 0)");
    o.add_bool("daemon", "Run in the background (the command returns once start-up has succeeded)");
    o.add_bool("exitafterimport",
               "Shut down once the -loadblock imports are done instead of waiting for a signal "
               "(a scripting and testing aid)");
    o.add_int("dbflushinterval", "n",
              "Also write the chain state to disk after every n connected blocks (default: 0, only when the "
              "cache is full and at shutdown; a testing aid: small values make crash tests meaningful)");
    o.add_list("test", "option",
               "Pass a test-only option (testing aid): blockwritelimit=<n> makes block and undo writes fail "
               "with 'No space left on device' once n bytes were written, as a full disk would");
}

}  // namespace minicash::app
