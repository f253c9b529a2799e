#include "rpc/logging.h"

#include <algorithm>

#include "util/logging.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// Core's EnableOrDisableLogCategories: "all"/"1" is every category, "none"/"0" none.
uint64_t categories_of(const json::value& list) {
    uint64_t mask = 0;
    for (const json::value& v : list.as_array()) {
        if (!v.is_string()) throw RpcError(RPC_TYPE_ERROR, "JSON value is not a string as expected");
        const std::string name(v.as_string());
        if (name == "all" || name == "1") mask |= log_all_categories();
        else if (name == "none" || name == "0") continue;
        else if (auto c = log_category_from_name(name)) mask |= uint64_t(*c);
        else throw RpcError(RPC_INVALID_PARAMETER, "unknown logging category " + name);
    }
    return mask;
}

}  // namespace

void register_logging_command(RpcTable& t) {
    std::vector<std::string> names = log_category_names();
    std::sort(names.begin(), names.end());
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    t.add({"control",
           "logging",
           "Gets and sets the logging configuration.\n"
           "When called without an argument, returns the list of categories with status that are currently being "
           "debug logged or not.\n"
           "When called with arguments, adds or removes categories from debug logging and return the lists above.\n"
           "The arguments are evaluated in order \"include\", \"exclude\".\n"
           "If an item is both included and excluded, it will thus end up being excluded.\n"
           "The valid logging categories are: " +
               list +
               "\n"
               "In addition, the following are available as category names with special meanings:\n"
               "  - \"all\",  \"1\" : represent all logging categories.\n"
               "  - \"none\", \"0\" : even if other logging categories are specified, ignore all of them.",
           {{"include", ArgType::ARR, false, "", "The categories to add to debug logging"},
            {"exclude", ArgType::ARR, false, "", "The categories to remove from debug logging"}},
           "{                   (json object) keys are the logging categories, and values indicates its status\n"
           "  \"category\" : true|false,    (boolean) if being debug logged or not. false:inactive, true:active\n"
           "  ...\n"
           "}",
           [names](NodeContext&, const RpcRequest& req) -> json::value {
               uint64_t mask = log_categories();
               if (req.has(0)) mask |= categories_of(req.at(0));
               if (req.has(1)) mask &= ~categories_of(req.at(1));
               log_set_categories(mask);
               json::object out;
               for (const std::string& n : names) out[n] = (mask & uint64_t(*log_category_from_name(n))) != 0;
               return out;
           },
           true});
}

}  // namespace minicash::rpc
