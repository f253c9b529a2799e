#!/usr/bin/python3
"""The Python harness's own promises (minicash_test.py): nodes with RPC start, connect,
sync, restart on their P2P port and stop cleanly; a node left running is stopped and its
directory removed by cleanup(); a daemon that cannot start is reported with its log;
programs run with their output captured.

    harness_test.py     (minicashd from $MINICASH_BIN_DIR, default build/src)
"""
import os
import sys

import minicash_test


def main():
    checks = minicash_test.Checks()
    check = checks.check

    with minicash_test.TestNode("harness-py-a", p2p=True) as a, minicash_test.TestNode("harness-py-b", p2p=True) as b:
        a.start()
        b.start()
        check(a.rpc("getblockcount") == 0, "a node answers RPC with its cookie")
        op_true_p2sh = a.rpc("decodescript", "51")["p2sh"]  # P2SH(OP_TRUE)
        check(op_true_p2sh.startswith("2"), "RPC parameters and results are JSON")
        try:
            a.rpc("getblockhash", 1)
            check(False, "an error reply raises RpcError")
        except minicash_test.RpcError as e:
            check(e.code == -8, f"an error reply raises RpcError with Core's code ({e.code})")
        minicash_test.connect_nodes(b, a)
        check(minicash_test.connected_to(b, a), "connect_nodes connects")
        a.mine(3, op_true_p2sh)
        check(minicash_test.wait_synced([a, b], 3, 60), "the nodes sync")
        check(b.cli("getblockcount").stdout.strip() == "3", "cli() runs minicash-cli against the node")
        port = a.p2p_port
        check(a.stop() == 0, "stop() ends the daemon with exit code 0")
        a.start()
        check(a.p2p_port == port and a.rpc("getblockcount") == 3, "a restart keeps the chain and the P2P port")
        pid, d = b.proc.pid, b.dir
    check(not minicash_test.pid_alive(pid), "leaving the with block stops a running node")
    check(not os.path.exists(d), "and removes its data directory")

    bad = minicash_test.TestNode("harness-py-bad")
    try:
        bad.start(["-dbcache=notanumber"])
        check(False, "a daemon that cannot start raises")
    except RuntimeError as e:
        check("exited during start-up" in str(e) and "dbcache" in str(e), "its error shows the daemon's message")
    finally:
        bad.cleanup()

    p = minicash_test.run(["/bin/sh", "-c", "read l; echo out:$l; echo err >&2; exit 3"], input="in\n")
    check((p.returncode, p.stdout, p.stderr) == (3, "out:in\n", "err\n"), "run() captures output and exit status")
    with minicash_test.TempDir("harness") as tmp:
        path = tmp.path
        os.makedirs(os.path.join(path, "a", "b"))
    check(not os.path.exists(path), "TempDir is removed")
    return checks.exit_code("harness_test")


if __name__ == "__main__":
    sys.exit(main())
