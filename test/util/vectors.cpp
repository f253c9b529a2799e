#include "test/util/vectors.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace minicash::test {

#ifndef MINICASH_SOURCE_DIR
#error "MINICASH_SOURCE_DIR must be defined by the build (path of the repository root)"
#endif

std::filesystem::path vectors_location() {
    const char* env = std::getenv("MINICASH_VECTORS");
    if (env != nullptr && *env != '\0') return std::filesystem::path(env);
    return std::filesystem::path(MINICASH_SOURCE_DIR "/../shared/vectors").lexically_normal();
}

std::optional<std::filesystem::path> vectors_dir() {
    std::filesystem::path dir = vectors_location();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    return dir;
}

Bytes read_binary(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error("cannot read " + path.string());
    return data;
}

boost::json::value load_json(const std::filesystem::path& path) {
    const Bytes raw = read_binary(path);
    boost::json::error_code ec;
    boost::json::value v =
        boost::json::parse(boost::json::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()), ec);
    if (ec) throw std::runtime_error("invalid JSON in " + path.string() + ": " + ec.message());
    return v;
}

}  // namespace minicash::test
