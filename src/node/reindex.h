// -reindex: after Chainstate::open(Reindex::BLOCKS) emptied the block index and the
// UTXO set, the node's own blocks/blk*.dat files are read in order and every block is
// indexed where it lies and connected (out-of-order blocks wait for their parent, as in
// a -loadblock import). Blocks are never written again.
//
// A damaged record stops the reindex with the file and offset; only a record cut short
// at the very end of the last file (a write a crash interrupted) is tolerated. Killed or
// interrupted, the reindex is started again by the next open (Chainstate::open).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "node/chainstate.h"
#include "node/import.h"

namespace minicash {

struct ReindexResult {
    bool complete = false;     // every file read; finish_reindex() was called
    bool interrupted = false;  // `interrupted` returned true
    std::string error;         // set when a damaged file stopped it: names the file and offset
    int files = 0;             // block files read
    uint64_t blocks = 0;       // blocks indexed
};

// REQUIRES: chainstate.reindex_pending(). Throws StorageError from the chain state.
ReindexResult reindex_block_files(Chainstate& chainstate, const std::function<bool()>& interrupted,
                                  const ImportOptions& options = {});

}  // namespace minicash
