#include "net/banman.h"

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/atomic_file.h"

namespace minicash::net {

namespace json = boost::json;

BanMan::BanMan(std::filesystem::path file, std::function<int64_t()> clock)
    : file_(std::move(file)), clock_(std::move(clock)) {
    if (!clock_) {
        clock_ = [] {
            return int64_t(
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
        };
    }
}

int64_t BanMan::now() const { return clock_(); }

bool BanMan::load(std::string* error) {
    std::lock_guard lock(mutex_);
    bans_.clear();
    if (file_.empty()) return true;
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) return true;
    const auto size = std::filesystem::file_size(file_, ec);
    if (ec || size > (64u << 20)) {
        if (error) *error = file_.string() + " is unreadable or too large";
        return false;
    }
    std::ifstream in(file_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) {
        if (error) *error = "cannot read " + file_.string();
        return false;
    }
    boost::system::error_code jec;
    const json::value doc = json::parse(ss.str(), jec);
    if (jec || !doc.is_object() || !doc.as_object().contains("banned_nets") ||
        !doc.as_object().at("banned_nets").is_array()) {
        if (error) *error = file_.string() + " is not a valid ban list";
        return false;
    }
    const int64_t t = clock_();
    std::map<SubNet, BanEntry> loaded;
    for (const json::value& v : doc.as_object().at("banned_nets").as_array()) {
        if (!v.is_object()) continue;
        const json::object& o = v.as_object();
        const json::value* addr = o.if_contains("address");
        const json::value* created = o.if_contains("ban_created");
        const json::value* until = o.if_contains("banned_until");
        const json::value* version = o.if_contains("version");
        if (!addr || !addr->is_string() || !created || !created->is_int64() || !until || !until->is_int64()) continue;
        if (version && (!version->is_int64() || version->as_int64() != 1)) continue;
        auto subnet = SubNet::parse(std::string(addr->as_string()));
        if (!subnet) continue;
        if (until->as_int64() <= t) continue;
        if (loaded.size() >= kMaxBans) break;
        loaded[*subnet] = BanEntry{*subnet, created->as_int64(), until->as_int64()};
    }
    bans_ = std::move(loaded);
    return true;
}

bool BanMan::save(std::string* error) const {
    if (file_.empty()) return true;
    json::array nets;
    {
        std::lock_guard lock(mutex_);
        sweep_locked();
        for (const auto& [subnet, e] : bans_) {
            json::object o;
            o["version"] = 1;
            o["ban_created"] = e.created;
            o["banned_until"] = e.until;
            o["address"] = subnet.to_string();
            nets.push_back(std::move(o));
        }
    }
    json::object doc;
    doc["banned_nets"] = std::move(nets);
    return write_file_atomically(file_, json::serialize(doc) + "\n", error);
}

bool BanMan::ban(const SubNet& subnet, int64_t until) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    if (!bans_.count(subnet) && bans_.size() >= kMaxBans) return false;
    bans_[subnet] = BanEntry{subnet, clock_(), until};
    return true;
}

bool BanMan::unban(const SubNet& subnet) {
    std::lock_guard lock(mutex_);
    return bans_.erase(subnet) > 0;
}

void BanMan::clear_bans() {
    std::lock_guard lock(mutex_);
    bans_.clear();
}

bool BanMan::is_banned(const NetAddr& addr) const {
    std::lock_guard lock(mutex_);
    const int64_t t = clock_();
    for (const auto& [subnet, e] : bans_)
        if (e.until > t && subnet.contains(addr)) return true;
    return false;
}

bool BanMan::is_banned_exactly(const SubNet& subnet) const {
    std::lock_guard lock(mutex_);
    sweep_locked();
    return bans_.count(subnet) > 0;
}

std::vector<BanEntry> BanMan::list() const {
    std::lock_guard lock(mutex_);
    sweep_locked();
    std::vector<BanEntry> out;
    for (const auto& [subnet, e] : bans_) out.push_back(e);
    return out;
}

void BanMan::sweep_locked() const {
    const int64_t t = clock_();
    for (auto it = bans_.begin(); it != bans_.end();) it = it->second.until <= t ? bans_.erase(it) : std::next(it);
    while (!discouraged_order_.empty() && discouraged_order_.begin()->first <= t) {
        discouraged_.erase(discouraged_order_.begin()->second);
        discouraged_order_.erase(discouraged_order_.begin());
    }
}

void BanMan::discourage(const NetAddr& addr) {
    std::lock_guard lock(mutex_);
    sweep_locked();
    const int64_t until = clock_() + kDiscourageSeconds;
    auto it = discouraged_.find(addr);
    if (it != discouraged_.end()) {
        auto range = discouraged_order_.equal_range(it->second);
        for (auto o = range.first; o != range.second; ++o) {
            if (o->second == addr) {
                discouraged_order_.erase(o);
                break;
            }
        }
        discouraged_.erase(it);
    }
    while (discouraged_.size() >= kMaxDiscouraged && !discouraged_order_.empty()) {
        discouraged_.erase(discouraged_order_.begin()->second);
        discouraged_order_.erase(discouraged_order_.begin());
    }
    discouraged_[addr] = until;
    discouraged_order_.emplace(until, addr);
}

bool BanMan::is_discouraged(const NetAddr& addr) const {
    std::lock_guard lock(mutex_);
    auto it = discouraged_.find(addr);
    return it != discouraged_.end() && it->second > clock_();
}

void BanMan::clear_discouraged() {
    std::lock_guard lock(mutex_);
    discouraged_.clear();
    discouraged_order_.clear();
}

size_t BanMan::discouraged_count() const {
    std::lock_guard lock(mutex_);
    sweep_locked();
    return discouraged_.size();
}

}  // namespace minicash::net
