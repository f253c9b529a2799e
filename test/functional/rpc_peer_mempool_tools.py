#!/usr/bin/python3
"""Core's last node RPCs through real minicashd processes (issue 13, item 2).

importmempool reads a mempool.dat written by savemempool: by default with the current
(mock) time as entry time and neither fee deltas nor the unbroadcast set taken over; with
use_current_time=false, apply_fee_delta_priority and apply_unbroadcast_set it takes all
three. sendmsgtopeer queues a raw message to one peer (the receiver counts it as
"*other*"). getblockfrompeer fetches a stale block whose header came from submitheader,
and the block is then stored. Each with Core's errors for bad parameters. -blockmintxfee
keeps transactions paying less out of getblocktemplate.
"""

import os
import shutil
import time

import minicash_test as mt
from rpc_control_blockchain import coinbase_spend, error_of, named

checks = mt.Checks()
check = checks.check


def restart_empty(node):
    node.stop()
    node.start(["-persistmempool=0"])


def test_importmempool(node, tmpdir, address, spk):
    tx1 = node.rpc("sendrawtransaction", coinbase_spend(node, 1, spk))
    tx2 = node.rpc("sendrawtransaction", coinbase_spend(node, 2, spk))
    node.rpc("prioritisetransaction", tx1, 0, 5000)
    original_time = node.rpc("getmempoolentry", tx1)["time"]
    saved = node.rpc("savemempool")["filename"]
    dump = os.path.join(tmpdir, "copy.dat")
    shutil.copyfile(saved, dump)

    restart_empty(node)
    check(node.rpc("getrawmempool") == [], "importmempool: the restarted node's mempool is empty")
    mock = int(time.time()) + 600
    node.rpc("setmocktime", mock)
    check(node.rpc("importmempool", dump) == {}, "importmempool answers {}")
    check(sorted(node.rpc("getrawmempool")) == sorted([tx1, tx2]), "importmempool adds the file's transactions")
    e = node.rpc("getmempoolentry", tx1)
    check(e["time"] == mock, "importmempool: by default the entry time is the current (mock) time")
    check(e["fees"]["modified"] == e["fees"]["base"], "importmempool: by default no fee delta is applied")
    check(e["unbroadcast"] is False, "importmempool: by default the unbroadcast set is not applied")
    check(node.rpc("importmempool", dump) == {}, "importmempool of transactions already there succeeds")

    restart_empty(node)
    opts = {"use_current_time": False, "apply_fee_delta_priority": True, "apply_unbroadcast_set": True}
    check(named(node, "importmempool", {"filepath": dump, "options": opts}) == {},
          "importmempool with named parameters and every option")
    e = node.rpc("getmempoolentry", tx1)
    check(e["time"] == original_time, "use_current_time=false keeps the file's entry time")
    check(round((e["fees"]["modified"] - e["fees"]["base"]) * 10**8) == 5000,
          "apply_fee_delta_priority applies the file's fee delta")
    check(e["unbroadcast"] is True, "apply_unbroadcast_set applies the file's unbroadcast set")

    code, msg = error_of(node.rpc, "importmempool", os.path.join(tmpdir, "missing.dat"))
    check(code == -1 and msg == "Unable to import mempool file, see debug log for details.",
          f"importmempool of a missing file: RPC_MISC_ERROR ({code} {msg})")
    garbage = os.path.join(tmpdir, "garbage.dat")
    with open(garbage, "wb") as f:
        f.write(b"\x07" * 5)
    code, msg = error_of(node.rpc, "importmempool", garbage)
    check(code == -1 and "Unable to import mempool file" in msg, f"importmempool of a malformed file ({code} {msg})")
    code, msg = error_of(node.rpc, "importmempool", dump, {"use_current_time": "yes"})
    check(code == -3, f"importmempool with a non-boolean option: RPC_TYPE_ERROR ({code} {msg})")
    code, msg = error_of(node.rpc, "importmempool", dump, "x")
    check(code == -3, f"importmempool with options not an object: RPC_TYPE_ERROR ({code} {msg})")
    code, _ = error_of(node.rpc, "importmempool")
    check(code != 0, "importmempool without a file is refused")
    node.rpc("setmocktime", 0)


def peer_id_of(node, other):
    for p in node.rpc("getpeerinfo"):
        if p["addr"] == other.p2p_addr() or p.get("addrbind") == other.p2p_addr():
            return p["id"]
    return None


def other_bytes(node):
    return sum(p["bytesrecv_per_msg"].get("*other*", 0) for p in node.rpc("getpeerinfo"))


def test_sendmsgtopeer(a, b):
    pid = peer_id_of(a, b)
    before = other_bytes(b)
    check(a.rpc("sendmsgtopeer", pid, "madeup", "00ff") == {}, "sendmsgtopeer answers {}")
    check(mt.wait_until(lambda: other_bytes(b) >= before + 26, 30),
          "sendmsgtopeer: the peer receives the message (counted as *other*)")
    check(named(a, "sendmsgtopeer", {"peer_id": pid, "msg_type": "madeup2", "msg": ""}) == {},
          "sendmsgtopeer with named parameters and an empty body")
    code, msg = error_of(a.rpc, "sendmsgtopeer", pid, "x" * 13, "00")
    check(code == -8 and msg == "Error: msg_type too long, max length is 12", f"msg_type too long ({code} {msg})")
    code, msg = error_of(a.rpc, "sendmsgtopeer", pid, "ping", "zz")
    check(code == -8 and msg == "Error parsing input for msg", f"msg not hex ({code} {msg})")
    code, msg = error_of(a.rpc, "sendmsgtopeer", 9999, "ping", "00")
    check(code == -1 and msg == "Error: Could not send message to peer", f"no such peer ({code} {msg})")
    check(a.running() and b.running(), "both nodes still run")


def test_getblockfrompeer(a, b, address):
    # A stale block: b mines one while apart, a mines two; reconnected, b reorgs to a's
    # chain and a never downloads b's block by itself.
    a.rpc("disconnectnode", "", peer_id_of(a, b))
    check(mt.wait_until(lambda: not a.rpc("getpeerinfo") and not b.rpc("getpeerinfo"), 30), "nodes disconnected")
    stale = b.mine(1, address)[0]
    a.mine(2, address)
    code, msg = error_of(a.rpc, "getblockfrompeer", stale, 0)
    check(code == -1 and msg == "Block header missing", f"getblockfrompeer of an unknown header ({code} {msg})")
    a.rpc("submitheader", b.rpc("getblockheader", stale, False))
    mt.connect_nodes(a, b)
    mt.wait_synced([a, b], a.rpc("getblockcount"))
    pid = peer_id_of(a, b)
    code, msg = error_of(a.rpc, "getblock", stale)
    check(code == -1, f"the stale block is not downloaded by itself ({code} {msg})")
    code, msg = error_of(a.rpc, "getblockfrompeer", stale, 9999)
    check(code == -1 and msg == "Peer does not exist", f"getblockfrompeer from no such peer ({code} {msg})")
    code, msg = error_of(a.rpc, "getblockfrompeer", a.rpc("getbestblockhash"), pid)
    check(code == -1 and msg == "Block already downloaded", f"getblockfrompeer of a stored block ({code} {msg})")
    code, msg = error_of(a.rpc, "getblockfrompeer", "zz", pid)
    check(code == -8, f"getblockfrompeer with a bad hash: RPC_INVALID_PARAMETER ({code} {msg})")
    check(named(a, "getblockfrompeer", {"blockhash": stale, "peer_id": pid}) == {}, "getblockfrompeer answers {}")

    def stored():
        try:
            return a.rpc("getblock", stale, 0) == b.rpc("getblock", stale, 0)
        except mt.RpcError:
            return False
    check(mt.wait_until(stored, 30), "getblockfrompeer: the block arrives and is stored")
    tips = {t["hash"]: t["status"] for t in a.rpc("getchaintips")}
    check(tips.get(stale) == "valid-headers" or tips.get(stale) == "valid-fork",
          f"the fetched block stays off the active chain ({tips.get(stale)})")


def test_blockmintxfee(node, spk):
    node.stop()
    node.start(["-blockmintxfee=0.0001"])  # 10 sat/vB
    rich = node.rpc("sendrawtransaction", coinbase_spend(node, 3, spk, fee=20000))
    poor = node.rpc("sendrawtransaction", coinbase_spend(node, 4, spk, fee=300))
    picked = [t["txid"] for t in node.rpc("getblocktemplate", {"rules": ["segwit"]})["transactions"]]
    check(rich in picked and poor not in picked,
          "-blockmintxfee: the template leaves out transactions paying less")
    node.stop()
    bad = mt.run([mt.program("minicashd"), "-regtest", f"-datadir={node.dir}", "-blockmintxfee=abc"], timeout=60)
    check(bad.returncode != 0 and "Invalid amount for -blockmintxfee=<amount>: 'abc'" in bad.stdout + bad.stderr,
          "-blockmintxfee with a bad amount is refused with Core's message")


def main():
    with mt.TempDir("peer-tools") as tmp, mt.TestNode("a", p2p=True) as a, mt.TestNode("b", p2p=True) as b:
        a.start()
        address = a.rpc("decodescript", "51")["p2sh"]
        spk = a.rpc("validateaddress", address)["scriptPubKey"]
        a.mine(101, address)
        test_importmempool(a, tmp.path, address, spk)
        b.start()
        mt.connect_nodes(a, b)
        mt.wait_synced([a, b], a.rpc("getblockcount"))
        test_sendmsgtopeer(a, b)
        test_getblockfrompeer(a, b, address)
        b.stop()
        test_blockmintxfee(a, spk)
    return checks.exit_code("rpc_peer_mempool_tools")


if __name__ == "__main__":
    raise SystemExit(main())
