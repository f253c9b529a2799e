// A duration as log lines print it: "2h05m09s"; "unknown" when negative.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

namespace minicash {

inline std::string duration_text(int64_t seconds) {
    if (seconds < 0) return "unknown";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%" PRId64 "h%02dm%02ds", seconds / 3600, int(seconds / 60 % 60), int(seconds % 60));
    return buf;
}

}  // namespace minicash
