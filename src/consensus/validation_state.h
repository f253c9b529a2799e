// Outcome of a consensus check: valid, or invalid with Bitcoin Core's reject reason and
// a category that tells the caller what may be remembered about the failure.
#pragma once

#include <string>

namespace minicash {

enum class ValidationResult {
    VALID,
    CONSENSUS,       // breaks a consensus rule: the block or transaction is invalid forever
    MUTATED,         // the data does not match its hash (e.g. bad merkle root, stuffed
                     // witness): another copy with the same hash may be valid, never
                     // remember the hash as invalid
    INVALID_HEADER,  // the header itself fails (proof of work, timestamp, version)
    TIME_FUTURE,     // timestamp too far ahead of our clock: may become valid later
    MISSING_PREV,    // parent unknown
    INVALID_PREV,    // descends from an invalid block
    INPUTS,          // transaction: inputs missing or spent (policy-level, not permanent)
};

class ValidationState {
public:
    bool valid() const { return result_ == ValidationResult::VALID; }
    bool invalid(std::string reason, std::string debug = {}, ValidationResult result = ValidationResult::CONSENSUS) {
        reason_ = std::move(reason);
        debug_ = std::move(debug);
        result_ = result;
        return false;
    }
    ValidationResult result() const { return result_; }
    const std::string& reason() const { return reason_; }  // e.g. "bad-txns-vin-empty"
    const std::string& debug() const { return debug_; }
    std::string to_string() const { return debug_.empty() ? reason_ : reason_ + " (" + debug_ + ")"; }

private:
    ValidationResult result_ = ValidationResult::VALID;
    std::string reason_;
    std::string debug_;
};

}  // namespace minicash
