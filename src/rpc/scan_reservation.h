// The single slot of a long-running scan command (scantxoutset, scanblocks; Core's
// CoinsViewScanReserver and BlockFiltersScanReserver): at most one scan of a kind runs at
// a time; "status" and "abort" reach it from other RPC threads through atomics; the slot is
// released when the reservation that took it goes out of scope.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "rpc/server.h"

namespace minicash::rpc {

// The shared state of one kind of scan.
class ScanSlot {
public:
    std::atomic<bool> abort{false};
    std::atomic<int> progress{0};         // percent
    std::atomic<int> progress_height{0};  // scanblocks only: the block being scanned

    // Answers the "status" and "abort" actions (Core's shapes: null / {progress[,
    // current_height]} and false / true); nullopt for "start"; Core's error otherwise.
    std::optional<boost::json::value> answer_control(const std::string& action, bool with_height) {
        if (action == "status") {
            if (!in_progress_) return boost::json::value(nullptr);
            boost::json::object o;
            o["progress"] = progress.load();
            if (with_height) o["current_height"] = progress_height.load();
            return boost::json::value(std::move(o));
        }
        if (action == "abort") {
            if (!in_progress_) return boost::json::value(false);
            abort = true;
            return boost::json::value(true);
        }
        if (action != "start") throw RpcError(RPC_INVALID_PARAMETER, "Invalid action '" + action + "'");
        return std::nullopt;
    }

private:
    friend class ScanReservation;
    std::atomic<bool> in_progress_{false};
};

// Holds the slot for the duration of one "start"; throws Core's error when another scan of
// the same kind holds it. A fresh reservation clears the abort flag and the progress.
class ScanReservation {
public:
    explicit ScanReservation(ScanSlot& slot) : slot_(slot) {
        bool expected = false;
        if (!slot_.in_progress_.compare_exchange_strong(expected, true))
            throw RpcError(RPC_INVALID_PARAMETER, "Scan already in progress, use action \"abort\" or \"status\"");
        slot_.abort = false;
        slot_.progress = 0;
    }
    ScanReservation(const ScanReservation&) = delete;
    ScanReservation& operator=(const ScanReservation&) = delete;
    ~ScanReservation() { slot_.in_progress_ = false; }

private:
    ScanSlot& slot_;
};

}  // namespace minicash::rpc
