// Locating and reading the shared conformance vectors (../shared/vectors, see its README).
//
// Tests find the folder through the environment variable MINICASH_VECTORS, falling back
// to MINICASH_SOURCE_DIR "/../shared/vectors". When the folder is absent a test skips
// with a message (MINICASH_REQUIRE_VECTORS); when it is present every file a test names
// must exist and parse, otherwise the test fails.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "util/bytes.h"

namespace minicash::test {

// Where the vectors are looked for: $MINICASH_VECTORS if set and non-empty, else the
// compiled-in default next to the repository.
std::filesystem::path vectors_location();

// vectors_location() when it is an existing directory, nullopt otherwise.
std::optional<std::filesystem::path> vectors_dir();

// Parses a JSON file. Throws std::runtime_error naming the file when it cannot be
// read or is not valid JSON.
boost::json::value load_json(const std::filesystem::path& path);

// One CSV row, by column name (the header line's names).
using CsvRow = std::map<std::string, std::string>;

// Parses a CSV file whose first line names the columns, as the BIP vector files are:
// plain comma-separated fields, no quoting. Throws std::runtime_error naming the file
// when it cannot be read or a row has another number of fields than the header.
std::vector<CsvRow> load_csv(const std::filesystem::path& path);

// Reads a whole file as bytes. Throws std::runtime_error naming the file on failure.
Bytes read_binary(const std::filesystem::path& path);

}  // namespace minicash::test

// Declares `const std::filesystem::path var` holding the vectors folder, or skips the
// current test (GTEST_SKIP) when the folder is absent. Use at the top of a TEST body.
#define MINICASH_REQUIRE_VECTORS(var)                                                                                \
    const std::optional<std::filesystem::path> var##_found_ = ::minicash::test::vectors_dir();                       \
    if (!var##_found_) {                                                                                             \
        GTEST_SKIP() << "vectors not found at " << ::minicash::test::vectors_location() << "; set MINICASH_VECTORS"; \
    }                                                                                                                \
    const std::filesystem::path var = *var##_found_
