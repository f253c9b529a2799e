// Outcome of a consensus check: valid, or invalid with Bitcoin Core's reject reason.
#pragma once

#include <string>

namespace minicash {

class ValidationState {
public:
    bool valid() const { return reason_.empty(); }
    bool invalid(std::string reason, std::string debug = {}) {
        reason_ = std::move(reason);
        debug_ = std::move(debug);
        return false;
    }
    const std::string& reason() const { return reason_; }  // e.g. "bad-txns-vin-empty"
    const std::string& debug() const { return debug_; }
    std::string to_string() const { return debug_.empty() ? reason_ : reason_ + " (" + debug_ + ")"; }

private:
    std::string reason_;
    std::string debug_;
};

}  // namespace minicash
