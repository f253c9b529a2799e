// The block explorer page (/explorer/ on the RPC port with -esplora): static HTML, CSS and
// JavaScript from share/explorer/, built into minicashd byte for byte (cmake/
// embed_files.cmake), so the page needs no file at run time, no build step and no CDN.
// Its scripts read everything through the Esplora API (/api/, rpc/esplora.h).
#pragma once

#include <cstddef>
#include <string>

#include "rpc/http_server.h"

namespace minicash::rpc {

struct EmbeddedFile {
    const char* name;  // "index.html"
    const unsigned char* data;
    size_t size;
};
extern const EmbeddedFile kExplorerFiles[];
extern const size_t kExplorerFileCount;

// The reply for a target under /explorer (`rest` is what follows "/explorer"): the page
// for "" and "/", a file by name, else 404.
HttpResponse explorer_asset(const std::string& rest);

}  // namespace minicash::rpc
