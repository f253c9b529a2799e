#!/usr/bin/python3
"""RPC password guessing through parallel connections is throttled per source address
(issue 19, item 4), through a real minicashd.

40 clients on their own connections send wrong passwords as fast as the node answers,
for a fixed number of attempts each; the test counts the answers that arrived before a
given instant and checks the count against what the schedule allows: answers to one
address come one after another, the first 250 ms after the failure and each later one
waiting at least as long. A slower machine only lowers the count, so the check does not
depend on the machine's speed. The measured guess rate is printed (the figure of the
issue: 400 guesses/s with 100 connections before the change).

Also: the right password from the same address is still served during the throttling,
and the log says when throttling starts.
"""

import base64
import http.client
import sys
import threading
import time

import minicash_test as mt

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 40  # by hand: another number of connections
ATTEMPTS_EACH = 3
FIRST_DELAY = 0.25  # seconds: the first failure's wait, the shortest there is
checks = mt.Checks()


def guess(port, answered, lock, stop):
    """Wrong-password requests on one connection (a new one when the node closes it)."""
    auth = "Basic " + base64.b64encode(b"__cookie__:wrong").decode()
    body = '{"method":"getblockcount","id":1}'
    conn = None
    for _ in range(ATTEMPTS_EACH):
        if stop.is_set():
            return
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            conn.request("POST", "/", body, {"Authorization": auth, "Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status == 401:
                with lock:
                    answered.append(time.monotonic())
        except OSError:
            conn = None
    if conn is not None:
        conn.close()


def main():
    with mt.TestNode("auth") as node:
        node.start()
        answered, lock, stop = [], threading.Lock(), threading.Event()
        threads = [threading.Thread(target=guess, args=(node.rpc_port, answered, lock, stop)) for _ in range(CLIENTS)]
        start = time.monotonic()
        for t in threads:
            t.start()
        # The right password from the same address is served meanwhile.
        time.sleep(1.0)
        checks.check(node.rpc("getblockcount") == 0, "the right password is served while guesses are throttled")
        window = 3.0
        time.sleep(max(0.0, start + window - time.monotonic()))
        with lock:
            in_window = [t for t in answered if t - start <= window]
        elapsed = window
        # At most one answer per FIRST_DELAY after the start, whatever the parallelism.
        bound = int(elapsed / FIRST_DELAY)
        print(f"{len(in_window)} wrong-password answers in the first {elapsed:.1f} s with {CLIENTS} parallel "
              f"connections: {len(in_window) / elapsed:.1f} guesses/s (bound {bound})")
        checks.check(len(in_window) <= bound,
                     f"guesses answered within {elapsed:.1f} s: {len(in_window)} <= {bound} (one per 250 ms at most)")
        stop.set()
        if answered:
            span = max(answered) - start
            print(f"all answers so far: {len(answered)} in {span:.2f} s ({len(answered) / max(span, 1e-3):.1f} guesses/s)")
        node.stop()  # answers the waiting connections' timers at shutdown: the threads end
        for t in threads:
            t.join(60)
        log = node.log()
        checks.check("incorrect password attempt from 127.0.0.1" in log, "each failure is logged")
        checks.check("throttling authentication failures from 127.0.0.1" in log, "the log says throttling started")
    return checks.exit_code("rpc_auth_throttle")


if __name__ == "__main__":
    sys.exit(main())
