#include "rpc/explorer_assets.h"

namespace minicash::rpc {

namespace {

std::string content_type(const std::string& name) {
    auto ends = [&](const char* ext) {
        const std::string e(ext);
        return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".js")) return "text/javascript; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    return "application/octet-stream";
}

}  // namespace

HttpResponse explorer_asset(const std::string& rest) {
    std::string path = rest.substr(0, rest.find_first_of("?#"));
    if (path.empty() || path == "/") path = "/index.html";
    if (path[0] != '/') return {404, "text/plain", "Not found"};
    const std::string name = path.substr(1);
    for (size_t i = 0; i < kExplorerFileCount; ++i) {
        const EmbeddedFile& f = kExplorerFiles[i];
        if (name == f.name)
            return {200, content_type(name), std::string(reinterpret_cast<const char*>(f.data), f.size)};
    }
    return {404, "text/plain", "Not found"};
}

}  // namespace minicash::rpc
