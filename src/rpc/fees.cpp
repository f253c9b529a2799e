// estimaterawfee (Core's rpc/fees.cpp; estimatesmartfee is in mempool.cpp).
//
// Core's estimator keeps three horizons (short: targets up to 12, decay 0.962; medium: 48,
// 0.9952; long: 1008, 0.99931) and answers for each horizon that tracks the target.
// minicash's estimator (node/fee_estimator.h) keeps one horizon: every horizon Core would
// report is answered from it, with its decay and a scale of 1.
#include <cmath>
#include <cstdlib>

#include "node/context.h"
#include "node/fee_estimator.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

struct Horizon {
    const char* name;
    int max_target;
};
constexpr Horizon kHorizons[] = {{"short", 12}, {"medium", 48}, {"long", FeeEstimator::kMaxTarget}};

double json_real(const json::value& v) {
    if (v.is_int64()) return double(v.get_int64());
    if (v.is_uint64()) return double(v.get_uint64());
    if (v.is_double()) return v.get_double();
    if (auto raw = raw_number_text(v)) return std::strtod(raw->c_str(), nullptr);
    throw RpcError(RPC_TYPE_ERROR,
                   std::string("JSON value of type ") + json_type_name(v) + " is not of expected type number");
}

json::object range_json(const FeeEstimator::Range& r) {
    auto hundredths = [](double x) { return std::round(x * 100.0) / 100.0; };
    json::object o;
    o["startrange"] = std::round(r.start);
    o["endrange"] = std::round(r.end);
    o["withintarget"] = hundredths(r.within_target);
    o["totalconfirmed"] = hundredths(r.total_confirmed);
    o["inmempool"] = hundredths(r.in_mempool);
    o["leftmempool"] = hundredths(r.left_mempool);
    return o;
}

json::value estimate_raw_fee(NodeContext& node, const RpcRequest& req) {
    const Mempool& mempool = require_mempool(node);
    const int max_target = FeeEstimator::kMaxTarget;
    const int64_t target = json_int(req.at(0), INT32_MIN, INT32_MAX);
    if (target < 1 || target > max_target)
        throw RpcError(RPC_INVALID_PARAMETER,
                       "Invalid conf_target, must be between 1 and " + std::to_string(max_target));
    const double threshold = req.has(1) ? json_real(req.at(1)) : 0.95;
    if (threshold < 0 || threshold > 1) throw RpcError(RPC_INVALID_PARAMETER, "Invalid threshold");

    const FeeEstimator::RawEstimate raw = mempool.estimate_raw_fee(int(target), threshold);
    json::object result;
    for (const Horizon& h : kHorizons) {
        if (target > h.max_target) continue;
        json::object o;
        if (raw.feerate && *raw.feerate > 0) {
            o["feerate"] = amount_value(*raw.feerate);
            o["decay"] = FeeEstimator::kDecay;
            o["scale"] = 1;
            o["pass"] = range_json(raw.pass);
            if (raw.fail.start != -1) o["fail"] = range_json(raw.fail);
        } else {
            o["decay"] = FeeEstimator::kDecay;
            o["scale"] = 1;
            o["fail"] = range_json(raw.fail);
            json::array errors;
            errors.push_back("Insufficient data or no feerate found which meets threshold");
            o["errors"] = std::move(errors);
        }
        result[h.name] = std::move(o);
    }
    return result;
}

}  // namespace

void register_fee_commands(RpcTable& t) {
    t.add({"hidden",
           "estimaterawfee",
           "WARNING: This interface is unstable and may disappear or change!\n\n"
           "WARNING: This is an advanced API call that is tightly coupled to the specific\n"
           "implementation of fee estimation. The parameters it can be called with\n"
           "and the results it returns will change if the internal implementation changes.\n\n"
           "Estimates the approximate fee per kilobyte needed for a transaction to begin\n"
           "confirmation within conf_target blocks if possible. Uses virtual transaction size as\n"
           "defined in BIP 141 (witness data is discounted).\n"
           "minicash keeps one estimation horizon: \"short\", \"medium\" and \"long\" are answered from it.",
           {{"conf_target", ArgType::NUM, true, "", "Confirmation target in blocks (1 - 1008)"},
            {"threshold", ArgType::NUM, false, "0.95",
             "The proportion of transactions in a given feerate range that must have been\n"
             "confirmed within conf_target in order to consider those feerates as high enough and proceed to check\n"
             "lower buckets."}},
           "{                                (json object) Results are returned for any horizon which tracks blocks "
           "up to the confirmation target\n"
           "  \"short\" : {                    (json object, optional) estimate for short time horizon\n"
           "    \"feerate\" : n,               (numeric, optional) estimate fee rate in BTC/kvB\n"
           "    \"decay\" : n,                 (numeric) exponential decay (per block) for historical moving average "
           "of confirmation data\n"
           "    \"scale\" : n,                 (numeric) The resolution of confirmation targets at this time horizon\n"
           "    \"pass\" : {                   (json object, optional) information about the lowest range of "
           "feerates to succeed in meeting the threshold\n"
           "      \"startrange\" : n,          (numeric) start of feerate range\n"
           "      \"endrange\" : n,            (numeric) end of feerate range\n"
           "      \"withintarget\" : n,        (numeric) number of txs over history horizon in the feerate range "
           "that were confirmed within target\n"
           "      \"totalconfirmed\" : n,      (numeric) number of txs over history horizon in the feerate range "
           "that were confirmed at any point\n"
           "      \"inmempool\" : n,           (numeric) current number of txs in mempool in the feerate range "
           "unconfirmed for at least target blocks\n"
           "      \"leftmempool\" : n          (numeric) number of txs over history horizon in the feerate range "
           "that left mempool unconfirmed after target\n"
           "    },\n"
           "    \"fail\" : { ... },            (json object, optional) information about the highest range of "
           "feerates to fail to meet the threshold\n"
           "    \"errors\" : [ \"str\", ... ]    (json array, optional) Errors encountered during processing (if "
           "there are any)\n"
           "  },\n"
           "  \"medium\" : { ... },            (json object, optional) estimate for medium time horizon\n"
           "  \"long\" : { ... }               (json object, optional) estimate for long time horizon\n"
           "}",
           estimate_raw_fee});
}

}  // namespace minicash::rpc
