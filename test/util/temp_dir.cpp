#include "test/util/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace minicash::test {

TempDir::TempDir(const std::string& tag) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("minicash-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    path_ = pattern;
}

TempDir::~TempDir() {
    const char* keep = std::getenv("MINICASH_KEEP_TMP");
    if (keep != nullptr && *keep != '\0') return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace minicash::test
