#include "node/prune.h"

#include <algorithm>

namespace minicash {

int prune_after_height(Network network, bool fast_prune) {
    switch (network) {
    case Network::MAIN: return 100000;
    case Network::REGTEST: return fast_prune ? 100 : 1000;
    case Network::TESTNET4:
    case Network::SIGNET: break;
    }
    return 1000;
}

uint64_t prune_buffer(uint64_t target, bool fast_prune, bool initial_download) {
    constexpr uint64_t kBlockChunk = uint64_t(16) << 20, kUndoChunk = uint64_t(1) << 20;
    uint64_t buffer = fast_prune ? kFastPruneFileSize : kBlockChunk + kUndoChunk;
    if (initial_download) buffer += target / 10;
    return buffer;
}

int last_prunable_height(int tip_height, const std::vector<int>& lock_heights) {
    int last = tip_height - kMinBlocksToKeep;
    for (const int h : lock_heights) last = std::min(last, std::max(1, h - kPruneLockBuffer - 1));
    return std::max(last, -1);
}

std::vector<int> select_files_to_prune(const std::vector<BlockFileUsage>& files, int current_file, uint64_t usage,
                                       uint64_t target, uint64_t buffer, int last_prunable) {
    std::vector<int> out;
    if (target == 0 || usage + buffer < target) return out;
    std::vector<BlockFileUsage> sorted = files;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
    for (const BlockFileUsage& f : sorted) {
        if (f.file >= current_file) break;
        if (usage + buffer < target) break;
        if (f.bytes == 0 || f.height_last > last_prunable) continue;
        out.push_back(f.file);
        usage -= std::min(usage, f.bytes);
    }
    return out;
}

std::vector<int> select_files_to_prune_manual(const std::vector<BlockFileUsage>& files, int current_file,
                                              int last_prunable) {
    std::vector<int> out;
    for (const BlockFileUsage& f : files)
        if (f.file < current_file && f.bytes > 0 && f.height_last <= last_prunable) out.push_back(f.file);
    std::sort(out.begin(), out.end());
    return out;
}

void PruneLocks::set(const std::string& name, int height) {
    std::lock_guard lock(mutex_);
    heights_[name] = height;
}

void PruneLocks::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    heights_.erase(name);
}

std::vector<int> PruneLocks::heights() const {
    std::lock_guard lock(mutex_);
    std::vector<int> out;
    for (const auto& [name, h] : heights_) out.push_back(h);
    return out;
}

}  // namespace minicash
