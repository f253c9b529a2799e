// Durable file writes: replacing a file so that a crash leaves the old content or the
// new one, never a mix, and creating a file that must not already exist.
//
// Every program's small state files go through here: the wallet file, mempool.dat,
// peers.dat, banlist.json, the RPC cookie. (Block and undo files are append-only and
// flushed by storage/block_store.)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

// Replaces (or creates) `path` with `data`: writes a temporary file in the same
// directory with permissions `mode` (whatever the umask), fsyncs it, renames it over
// `path`, then fsyncs the directory so the rename itself survives a crash.
// False with `*error` (paths and the system's reason, never the data) on failure; the
// old file is then untouched and no temporary file is left behind.
[[nodiscard]] bool write_file_atomically(const std::filesystem::path& path, ByteView data, std::string* error,
                                         mode_t mode = 0644);
[[nodiscard]] bool write_file_atomically(const std::filesystem::path& path, std::string_view data, std::string* error,
                                         mode_t mode = 0644);

// Creates `path` with `data` and permissions `mode`, refusing to overwrite an existing
// file ("... already exists; refusing to overwrite it"); fsyncs the file and the
// directory. On failure nothing is left at `path` (unless it existed before).
[[nodiscard]] bool create_file_exclusively(const std::filesystem::path& path, ByteView data, std::string* error,
                                           mode_t mode = 0600);

}  // namespace minicash
