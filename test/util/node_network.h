// Several TestNodes connected to each other over P2P (nodes made with NodeOptions::p2p).
#pragma once

#include <chrono>
#include <vector>

#include "test/util/test_node.h"

namespace minicash::test {

// True when `node` lists `other` (by its P2P address) in getpeerinfo.
bool connected_to(TestNode& node, TestNode& other);

// addnode `to` onetry from `from`, then waits until both see the connection. Throws
// std::runtime_error with both logs' tails when they do not within `timeout`.
void connect_nodes(TestNode& from, TestNode& to, std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Waits until every node has the same tip at `height` or more.
bool wait_synced(const std::vector<TestNode*>& nodes, int height,
                 std::chrono::milliseconds timeout = std::chrono::seconds(120));

}  // namespace minicash::test
