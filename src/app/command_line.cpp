#include "app/command_line.h"

namespace minicash::app {

DashOption parse_dash_option(const std::string& arg, const std::function<bool(const std::string&)>& negatable) {
    DashOption o;
    std::string body = arg.substr(arg.size() > 1 && arg[1] == '-' ? 2 : 1);
    if (const auto eq = body.find('='); eq != std::string::npos) {
        o.value = body.substr(eq + 1);
        body.resize(eq);
    }
    if (body.size() > 2 && body.compare(0, 2, "no") == 0 && negatable(body)) {
        o.negated = true;
        body.erase(0, 2);
    }
    o.name = std::move(body);
    return o;
}

std::optional<bool> parse_bool_value(const std::string& text) {
    if (text == "1" || text == "true" || text == "yes") return true;
    if (text == "0" || text == "false" || text == "no") return false;
    return std::nullopt;
}

std::optional<bool> parse_bool_option(const std::string& value) {
    if (value.empty()) return true;
    return parse_bool_value(value);
}

}  // namespace minicash::app
