// Command-line options in bitcoind's style, the one style of minicashd,
// minicash-chainstate, minicash-cli and minicash-wallet:
//
//   -name, -name=value, --name=value   a value is always attached with '='
//   -noname                             a boolean's negation (-noname=0 negates it back)
//
// Each program decides which names exist and what to do with them; this only splits an
// argument into its parts. (minicash-tx keeps its documented GNU-style --name VALUE.)
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace minicash::app {

struct DashOption {
    std::string name;                  // without dashes and without a negating "no"
    std::optional<std::string> value;  // after '=', if any
    bool negated = false;              // written -noname
};

// Splits `arg`, which starts with '-' and is longer than "-" (the caller tells options
// from other arguments, and handles "--" and "-?" as it documents). The "no" prefix
// negates when `negatable(name as written)` is true, e.g. for "nofoo" when -foo is a
// boolean but "nofoo" is not an option of its own.
DashOption parse_dash_option(const std::string& arg, const std::function<bool(const std::string&)>& negatable);

// bitcoind's boolean values: "1", "true", "yes" -> true; "0", "false", "no" -> false;
// nullopt for anything else (including "").
[[nodiscard]] std::optional<bool> parse_bool_value(const std::string& text);
// The same, except that an empty value ("-name" or "-name=") means true, as
// bitcoin-cli reads its flags.
[[nodiscard]] std::optional<bool> parse_bool_option(const std::string& value);

}  // namespace minicash::app
