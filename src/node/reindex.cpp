#include "node/reindex.h"

#include <cinttypes>
#include <filesystem>

#include "util/logging.h"

namespace minicash {

ReindexResult reindex_block_files(Chainstate& chainstate, const std::function<bool()>& interrupted,
                                  const ImportOptions& options) {
    ReindexResult out;
    int files = 0;
    std::error_code ec;
    while (std::filesystem::exists(chainstate.block_file_path(files), ec)) ++files;
    log_info("reindex: rebuilding the block index and the UTXO set from %d block files", files);
    BlockImporter importer(chainstate, options);
    for (int f = 0; f < files; ++f) {
        const std::filesystem::path path = chainstate.block_file_path(f);
        const ImportResult r = importer.import_stored_file(f, interrupted);
        out.blocks += r.accepted + r.invalid;
        if (r.interrupted) {
            out.interrupted = true;
            log_info("reindex: interrupted in %s at height %d; the next start reindexes again", path.filename().c_str(),
                     chainstate.height());
            return out;
        }
        if (!r.errors.empty()) {
            const ImportError& e = r.errors.front();
            // Only the end of the last file may hold a record a crash cut short.
            const bool torn_tail = f == files - 1 && e.reason.rfind("truncated", 0) == 0;
            if (!torn_tail) {
                out.error =
                    "corrupt block file " + path.string() + " at offset " + std::to_string(e.offset) + ": " + e.reason;
                return out;
            }
            log_warning("reindex: %s ends with an incomplete record at offset %" PRIu64 " (an interrupted write)",
                        path.filename().c_str(), e.offset);
        }
        ++out.files;
        log_info("reindex: block file %d of %d done, height %d", f + 1, files, chainstate.height());
    }
    if (importer.pending_count() > 0)
        log_warning("reindex: %zu stored blocks never had their parent appear; they stay unindexed",
                    importer.pending_count());
    chainstate.finish_reindex();
    out.complete = true;
    log_info("reindex: done, %" PRIu64 " blocks, height %d", out.blocks, chainstate.height());
    return out;
}

}  // namespace minicash
