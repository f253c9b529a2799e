#!/usr/bin/python3
"""Core's connection types and -whitelist permissions through real minicashd processes
(issue 14, items 4 and 6); the policies themselves are unit-tested in test/net/.

Node A opens a block-relay-only connection to node B with the regtest-only
`addconnection` RPC; B whitelists 127.0.0.1 with noban and mempool. Checked in
getpeerinfo on both sides: the connection types, A's "no transactions" (relay=0 in its
version), B's permissions for A, and that a block still crosses the link.
"""

import os
import sys

import minicash_test as mt

checks = mt.Checks()


def peer(node, pred):
    return next((p for p in node.rpc("getpeerinfo") if pred(p)), None)


def main():
    with mt.TestNode("b", p2p=True, args=["-whitelist=noban,mempool@127.0.0.1"]) as b, mt.TestNode("a") as a:
        b.start()
        a.start()
        try:
            a.rpc("addconnection", b.p2p_addr(), "no-such-type", False)
            checks.fail("an unknown connection type is refused")
        except mt.RpcError as e:
            checks.check(e.code == -8, f"an unknown connection type is refused with -8 ({e.code})")
        reply = a.rpc("addconnection", b.p2p_addr(), "block-relay-only", False)
        checks.check(reply == {"address": b.p2p_addr(), "connection_type": "block-relay-only"},
                     f"addconnection answers as Core ({reply})")
        if not checks.check(mt.wait_until(lambda: peer(b, lambda p: p.get("inbound")) is not None and
                                          peer(a, lambda p: p["addr"] == b.p2p_addr()) is not None, 60),
                            "the connection is made"):
            print(a.log_tail(), b.log_tail())
            return
        mt.wait_until(lambda: "version" in peer(a, lambda p: p["addr"] == b.p2p_addr()).get("bytesrecv_per_msg", {}) and
                      peer(b, lambda p: p.get("inbound")).get("version", 0) > 0, 30)
        out = peer(a, lambda p: p["addr"] == b.p2p_addr())
        inb = peer(b, lambda p: p.get("inbound"))
        checks.check(out.get("connection_type") == "block-relay-only", f"A sees block-relay-only ({out.get('connection_type')})")
        checks.check(inb.get("connection_type") == "inbound", f"B sees inbound ({inb.get('connection_type')})")
        checks.check(inb.get("relaytxes") is False, "A's version asked B not to relay transactions")
        # noban implies download, and Core lists it too, in its own order.
        checks.check(inb.get("permissions") == ["noban", "mempool", "download"],
                     f"B's permissions for A from -whitelist ({inb.get('permissions')})")
        checks.check(out.get("permissions") == [], "no permissions on A's side")
        hashes = b.mine(1, b.rpc("decodescript", "51")["p2sh"])  # P2SH(OP_TRUE)
        checks.check(mt.wait_until(lambda: a.rpc("getbestblockhash") == hashes[0], 60),
                     "a block crosses the block-relay-only connection")


def anchors():
    """A's block-relay-only peer is written to anchors.dat at a clean stop, reconnected
    first at the next start (as block-relay-only), and the file is deleted once read."""
    with mt.TestNode("b2", p2p=True) as b, mt.TestNode("a2", p2p=True) as a:
        b.start()
        a.start()
        a.rpc("addconnection", b.p2p_addr(), "block-relay-only", False)
        up = mt.wait_until(lambda: (p := peer(a, lambda p: p["addr"] == b.p2p_addr())) is not None
                           and p.get("version", 0) > 0, 60)
        if not checks.check(up, "block-relay-only connection for the anchor"):
            print(a.log_tail(), b.log_tail())
            return
        a.stop()
        path = os.path.join(a.netdir, "anchors.dat")
        checks.check(os.path.exists(path), "anchors.dat written at a clean stop")
        a.start()
        back = mt.wait_until(lambda: (p := peer(a, lambda p: p["addr"] == b.p2p_addr())) is not None
                             and p.get("connection_type") == "block-relay-only", 60)
        checks.check(back, "the anchor is reconnected as block-relay-only after the restart")
        checks.check(not os.path.exists(path), "anchors.dat is deleted once read")
        checks.check("1 block-relay-only anchors will be tried" in a.log(), "the log counts the anchors")


if __name__ == "__main__":
    try:
        main()
        anchors()
    except Exception as e:  # a failure to start or an RPC error is a failed check
        checks.fail(f"unexpected: {e!r}")
    sys.exit(checks.exit_code("p2p_connection_types"))
