// The one temporary-directory helper of the tests: a fresh directory under the system
// temp dir, removed with everything in it on destruction (kept when MINICASH_KEEP_TMP
// is set to a non-empty value, for debugging).
#pragma once

#include <filesystem>
#include <string>

namespace minicash::test {

class TempDir {
public:
    // The directory is named minicash-<tag>-XXXXXX. Throws std::runtime_error when it
    // cannot be made.
    explicit TempDir(const std::string& tag = "test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace minicash::test
