// The single slot of a long-running scan command (scantxoutset, scanblocks; Core's
// CoinsViewScanReserver and BlockFiltersScanReserver): at most one scan of a kind runs at
// a time; the slot is released when the reservation that took it goes out of scope.
#pragma once

#include <atomic>

namespace minicash::rpc {

class ScanReservation {
public:
    explicit ScanReservation(std::atomic<bool>& in_progress) : in_progress_(in_progress) {}
    ScanReservation(const ScanReservation&) = delete;
    ScanReservation& operator=(const ScanReservation&) = delete;
    ~ScanReservation() {
        if (held_) in_progress_ = false;
    }

    // Takes the slot; false when another scan holds it.
    bool reserve() {
        bool expected = false;
        if (!in_progress_.compare_exchange_strong(expected, true)) return false;
        held_ = true;
        return true;
    }

private:
    std::atomic<bool>& in_progress_;
    bool held_ = false;
};

}  // namespace minicash::rpc
