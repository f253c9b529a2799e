// Helpers for the crypto tests: fixed-size arrays from hex (failing the test, not
// crashing, on malformed or wrongly sized input) and a failure counter for reporting how
// many vector rows passed.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "util/bytes.h"
#include "util/hex.h"

namespace minicash::test {

inline Bytes from_hex(const std::string& hex) {
    const std::optional<Bytes> b = hex_decode(hex);
    EXPECT_TRUE(b.has_value()) << "not hex: " << hex;
    return b.value_or(Bytes{});
}

template <size_t N>
std::array<uint8_t, N> array_from_hex(const std::string& hex) {
    const Bytes b = from_hex(hex);
    std::array<uint8_t, N> out{};
    EXPECT_EQ(b.size(), N) << "expected " << N << " bytes: " << hex;
    if (b.size() == N) std::memcpy(out.data(), b.data(), N);
    return out;
}

// Counts the failed assertions reported while it exists, so a vector test can tell which
// rows passed.
class FailureCounter : public ::testing::EmptyTestEventListener {
public:
    FailureCounter() { ::testing::UnitTest::GetInstance()->listeners().Append(this); }
    ~FailureCounter() override { ::testing::UnitTest::GetInstance()->listeners().Release(this); }
    FailureCounter(const FailureCounter&) = delete;
    FailureCounter& operator=(const FailureCounter&) = delete;
    void OnTestPartResult(const ::testing::TestPartResult& result) override {
        if (result.failed()) ++count_;
    }
    int count() const { return count_; }

private:
    int count_ = 0;
};

}  // namespace minicash::test
