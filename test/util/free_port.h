// The one free-port helper of the tests.
#pragma once

#include <cstdint>

namespace minicash::test {

// A TCP port on 127.0.0.1 nobody listens on right now: the kernel's choice for port 0
// (bind, read, close). Another process may take it before the caller binds it, so a
// daemon started on it can still fail to bind: TestNode retries with fresh ports then.
// Throws std::runtime_error when no socket can be bound at all.
uint16_t free_port();

}  // namespace minicash::test
