#!/usr/bin/python3
"""Core's remaining control and blockchain RPCs through a real minicashd (issue 13, item 2).

setmocktime and -mocktime move the node's clock as Core's do: blocks mined at a mock time
far ahead are accepted (the future-time limit reads the mock clock), a transaction
time-locked (nLockTime by time) becomes acceptable once blocks at the mock time move the
median time past beyond its lock, mempool entry times are mock times, and an entry older
than -mempoolexpiry goes when the mock clock passes its expiry. Also: waitfornewblock,
waitforblock and waitforblockheight (while one waits, other calls are served),
getblockstats, getchaintxstats, getdeploymentinfo, getrpcinfo, getmemoryinfo, echo,
echojson, mockscheduler, syncwithvalidationinterfacequeue, submitblock of a block without
a coinbase (bad-cb-missing), submitheader given a whole block, JSON-RPC 2.0 replies and
stop's wait argument; and Core's error codes for bad parameters.
"""

import base64
import hashlib
import http.client
import json
import os
import struct
import threading
import time

import minicash_test as mt

checks = mt.Checks()
check = checks.check
EXPIRY_HOURS = 1


def raw_call(node, body):
    """POSTs `body` (a JSON-serialisable value) with the cookie: (HTTP status, body text)."""
    with open(os.path.join(node.netdir, ".cookie")) as f:
        cookie = f.read().strip()
    conn = http.client.HTTPConnection("127.0.0.1", node.rpc_port, timeout=60)
    try:
        conn.request("POST", "/", json.dumps(body), {
            "Authorization": "Basic " + base64.b64encode(cookie.encode()).decode(),
            "Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def named(node, method, params):
    status, text = raw_call(node, {"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
    reply = json.loads(text)
    if reply.get("error"):
        raise mt.RpcError(method, reply["error"]["code"], reply["error"]["message"])
    return reply["result"]


def error_of(fn, *args):
    """(code, message) of the RpcError fn(*args) raises; (0, "") when it succeeds."""
    try:
        fn(*args)
    except mt.RpcError as e:
        return e.code, e.message
    return 0, ""


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def with_locktime(tx_hex, locktime):
    return tx_hex[:-8] + struct.pack("<I", locktime).hex()


def block_without_coinbase(node, tx_hex):
    """A block on the tip whose only transaction is an ordinary one, with a valid merkle
    root and regtest proof of work."""
    tip = node.rpc("getblockheader", node.rpc("getbestblockhash"))
    tx = bytes.fromhex(tx_hex)
    merkle = sha256d(tx)
    prev = bytes.fromhex(tip["hash"])[::-1]
    target = int("7fffff", 16) << (8 * (0x20 - 3))
    for nonce in range(1 << 20):
        header = struct.pack("<i", 0x20000000) + prev + merkle + struct.pack("<III", tip["time"] + 1, 0x207fffff, nonce)
        if int.from_bytes(sha256d(header), "little") <= target:
            return (header + b"\x01" + tx).hex()
    raise RuntimeError("no nonce found")


def coinbase_spend(node, height, to_spk, fee=10000):
    block = node.rpc("getblock", node.rpc("getblockhash", height), 2)
    cb = block["tx"][0]
    value = round(cb["vout"][0]["value"] * 10**8)
    return mt.op_true_spend(cb["txid"], 0, value, fee, to_spk)


def test_control(node):
    check(node.rpc("echo", 1, "a", [2], None) == [1, "a", [2], None], "echo returns its positional arguments")
    check(named(node, "echo", {"arg1": 5}) == [None, 5], "echo: named arguments by position, as Core")
    check(node.rpc("echojson", {"k": 1}) == [{"k": 1}], "echojson returns JSON values")
    code, msg = error_of(node.rpc, "echo", *([None] * 9 + ["trigger_internal_bug"]))
    check(code == -1 and msg.startswith("Internal bug detected"), "echo arg9=trigger_internal_bug: internal bug report")
    info = node.rpc("getrpcinfo")
    check([c["method"] for c in info["active_commands"]] == ["getrpcinfo"] and
          info["active_commands"][0]["duration"] >= 0, "getrpcinfo lists itself as the active command")
    check(info["logpath"] == os.path.join(node.netdir, "debug.log"), "getrpcinfo: logpath is debug.log")
    mem = node.rpc("getmemoryinfo")
    check(set(mem["locked"]) == {"used", "free", "total", "locked", "chunks_used", "chunks_free"},
          "getmemoryinfo: Core's stats shape")
    check(node.rpc("getmemoryinfo", "mallocinfo").startswith("<malloc"), "getmemoryinfo mallocinfo: malloc_info XML")
    check(error_of(node.rpc, "getmemoryinfo", "foo") == (-8, "unknown mode foo"), "getmemoryinfo: unknown mode -8")
    check(node.rpc("syncwithvalidationinterfacequeue") is None, "syncwithvalidationinterfacequeue answers null")
    check(node.rpc("mockscheduler", 10) is None, "mockscheduler 10 answers null")
    check(error_of(node.rpc, "mockscheduler", 0) == (-1, "delta_time must be between 1 and 3600"),
          "mockscheduler 0: Core's -1")
    check(error_of(node.rpc, "setmocktime", -1) == (-8, "Mocktime must be in the range [0, 9223372036], not -1."),
          "setmocktime -1: Core's -8")
    check(error_of(node.rpc, "setmocktime", "x")[0] == -3, "setmocktime \"x\": -3 wrong type")
    check(error_of(node.rpc, "setmocktime")[0] == -1, "setmocktime without timestamp: -1 usage")
    # JSON-RPC 2.0 as Core 28+: no "error" member on success; a notification gets 204 and no body.
    status, text = raw_call(node, {"jsonrpc": "2.0", "id": 7, "method": "getblockcount"})
    reply = json.loads(text)
    check(status == 200 and reply.get("jsonrpc") == "2.0" and "error" not in reply and reply["id"] == 7,
          "JSON-RPC 2.0 success reply without error member")
    status, text = raw_call(node, {"jsonrpc": "2.0", "method": "getblockcount"})
    check(status == 204 and text == "", "JSON-RPC 2.0 notification: 204, no body")
    status, text = raw_call(node, {"jsonrpc": "1.0", "id": 1, "method": "getblockcount"})
    check(status == 200 and json.loads(text).get("error", 1) is None, "JSON-RPC 1.0 keeps \"error\": null")


def test_waits(node, address):
    tip = node.rpc("getbestblockhash")
    height = node.rpc("getblockcount")
    check(node.rpc("waitfornewblock", 50) == {"hash": tip, "height": height},
          "waitfornewblock with a timeout and no block: the current tip")
    check(node.rpc("waitforblock", tip, 50) == {"hash": tip, "height": height}, "waitforblock of the tip returns it")
    check(error_of(node.rpc, "waitfornewblock", -1) == (-1, "Negative timeout"), "waitfornewblock -1: Negative timeout")
    check(error_of(node.rpc, "waitforblockheight", "x")[0] == -3, "waitforblockheight \"x\": -3")
    check(error_of(node.rpc, "waitforblock", "zz")[0] == -8, "waitforblock with a bad hash: -8")
    results = {}

    def wait(name, *params):
        results[name] = node.rpc(name, *params)

    threads = [threading.Thread(target=wait, args=("waitfornewblock", 60000)),
               threading.Thread(target=wait, args=("waitforblockheight", height + 2, 60000))]
    for t in threads:
        t.start()
    mt.wait_until(lambda: len([c for c in node.rpc("getrpcinfo")["active_commands"]
                               if c["method"].startswith("wait")]) == 2, 30)
    check(node.rpc("getblockcount") == height, "other calls are answered while two callers wait for blocks")
    first = node.mine(1, address)[0]
    threads[0].join(60)
    check(results.get("waitfornewblock") == {"hash": first, "height": height + 1},
          "waitfornewblock returns the new block")
    check("waitforblockheight" not in results, "waitforblockheight still waits below its height")
    second = node.mine(1, address)[0]
    threads[1].join(60)
    check(results.get("waitforblockheight") == {"hash": second, "height": height + 2},
          "waitforblockheight returns once the height is reached")


def test_stats(node, address, spk):
    height = node.rpc("getblockcount")
    fee = 12345
    tx = coinbase_spend(node, 3, spk, fee)
    txid = node.rpc("sendrawtransaction", tx)
    block = node.mine(1, address)[0]
    s = node.rpc("getblockstats", height + 1)
    full = node.rpc("getblock", block, 2)
    spend = full["tx"][1]
    check(s["blockhash"] == block and s["height"] == height + 1 and s["txs"] == 2 and s["ins"] == 1 and
          s["outs"] == sum(len(t["vout"]) for t in full["tx"]) and s["totalfee"] == fee and s["minfee"] == fee and s["maxfee"] == fee and
          s["medianfee"] == fee and s["subsidy"] == 5000000000, "getblockstats by height: counts, fees, subsidy")
    check(spend["txid"] == txid and s["total_size"] == spend["size"] and s["total_weight"] == spend["weight"] and
          s["avgfeerate"] == fee * 4 // spend["weight"] and s["feerate_percentiles"] == [s["avgfeerate"]] * 5,
          "getblockstats: sizes, weights and feerates of the spend")
    check(len(s) == 31, "getblockstats: all of Core's 31 fields")
    sel = node.rpc("getblockstats", block, ["totalfee", "txs"])
    check(sel == {"totalfee": fee, "txs": 2}, "getblockstats by hash with a stats filter")
    check(error_of(node.rpc, "getblockstats", height + 1, ["nope"]) == (-8, "Invalid selected statistic 'nope'"),
          "getblockstats: unknown statistic -8")
    check(error_of(node.rpc, "getblockstats", 10**6) ==
          (-8, f"Target block height 1000000 after current tip {height + 1}"), "getblockstats: height after tip -8")
    check(error_of(node.rpc, "getblockstats", -1) == (-8, "Target block height -1 is negative"),
          "getblockstats: negative height -8")
    check(error_of(node.rpc, "getblockstats", True)[0] == -3, "getblockstats true: -3")
    check(error_of(node.rpc, "getblockstats", "00" * 32)[0] == -5, "getblockstats unknown hash: -5")
    check(error_of(node.rpc, "getblockstats", 1, "txs")[0] == -3, "getblockstats with stats not an array: -3")
    g = node.rpc("getblockstats", 0)
    check(g["txs"] == 1 and g["utxo_increase_actual"] == 0, "getblockstats of genesis: no undo data needed")

    tip = node.rpc("getblockcount")
    c = node.rpc("getchaintxstats")
    check(c["txcount"] == tip + 2 and c["window_block_count"] == tip - 1 and
          c["window_final_block_height"] == tip and c["window_tx_count"] == tip and "window_interval" in c,
          "getchaintxstats: Core's fields over the default window")
    c0 = node.rpc("getchaintxstats", 0)
    check(c0["window_block_count"] == 0 and "window_interval" not in c0, "getchaintxstats 0: no window fields")
    c1 = node.rpc("getchaintxstats", 1, block)
    check(c1["window_final_block_hash"] == block and c1["window_tx_count"] == 2, "getchaintxstats nblocks, blockhash")
    check(error_of(node.rpc, "getchaintxstats", tip)[0] == -8, "getchaintxstats: window too big -8")
    check(error_of(node.rpc, "getchaintxstats", "x")[0] == -3, "getchaintxstats \"x\": -3")

    d = node.rpc("getdeploymentinfo")
    deps = d["deployments"]
    check(d["height"] == tip and list(deps) == ["bip34", "bip66", "bip65", "csv", "segwit", "testdummy", "taproot"],
          "getdeploymentinfo: Core's regtest deployments in Core's order")
    check(deps["segwit"] == {"type": "buried", "active": True, "height": 0}, "getdeploymentinfo: segwit buried")
    check(deps["taproot"]["active"] and deps["taproot"]["height"] == 0 and
          deps["taproot"]["bip9"]["status"] == "active" and deps["taproot"]["bip9"]["start_time"] == -1,
          "getdeploymentinfo: taproot always active on regtest")
    dummy = deps["testdummy"]["bip9"]
    check(dummy["status"] == "defined" and dummy["status_next"] == "defined" and not deps["testdummy"]["active"],
          "getdeploymentinfo: testdummy defined before the first period ends")
    genesis = node.rpc("getdeploymentinfo", node.rpc("getblockhash", 0))
    check(genesis["height"] == 0 and genesis["deployments"]["bip34"]["active"] is True,
          "getdeploymentinfo at genesis: bip34 active for the next block (height 1)")
    check(error_of(node.rpc, "getdeploymentinfo", "zz")[0] == -8, "getdeploymentinfo bad hash: -8")


def test_addrman_orphans_activity(node, address, spk):
    check(node.rpc("addpeeraddress", "1.2.3.4", 8333) == {"success": True}, "addpeeraddress adds to new")
    check(node.rpc("addpeeraddress", "1.2.3.4", 8333) == {"success": False, "error": "failed-adding-to-new"},
          "addpeeraddress of a known address: failed-adding-to-new")
    info = node.rpc("getaddrmaninfo")
    check(list(info) == ["ipv4", "ipv6", "onion", "i2p", "cjdns", "all_networks"] and
          info["ipv4"] == {"new": 1, "tried": 0, "total": 1} and info["all_networks"]["total"] == 1,
          "getaddrmaninfo counts the address by network and table")
    raw = node.rpc("getrawaddrman")
    entries = list(raw["new"].values())
    check(raw["tried"] == {} and len(entries) == 1 and entries[0]["address"] == "1.2.3.4" and
          entries[0]["port"] == 8333 and entries[0]["network"] == "ipv4" and entries[0]["source"] == "1.2.3.4" and
          "/" in list(raw["new"])[0], "getrawaddrman lists it under bucket/position")
    check(error_of(node.rpc, "addpeeraddress", "1.2.3.4", 70000) == (-1, "JSON integer out of range"),
          "addpeeraddress port out of range: -1")
    check(node.rpc("getorphantxs") == [] and node.rpc("getorphantxs", 2) == [], "getorphantxs of an empty orphanage")
    check(error_of(node.rpc, "getorphantxs", 3) == (-8, "Invalid verbosity value 3"), "getorphantxs 3: -8")
    check(error_of(node.rpc, "generate", 1)[0] == -1 and error_of(node.rpc, "generate")[0] == -32601,
          "generate: replaced by -generate, as Core")

    # getdescriptoractivity: a coinbase received by addr(), then spent in a block and in the mempool.
    desc = node.rpc("getdescriptorinfo", f"addr({address})")["descriptor"]
    pay = node.rpc("getblockhash", 2)
    spend_block = node.mine(1, address)[0]
    tx = coinbase_spend(node, 2, "0014" + "11" * 20)  # to an unwatched P2WPKH script
    txid = node.rpc("sendrawtransaction", tx)
    act = node.rpc("getdescriptoractivity", [pay], [desc])["activity"]
    receive = [e for e in act if e["type"] == "receive"]
    spends = [e for e in act if e["type"] == "spend"]
    check(len(receive) == 1 and receive[0]["blockhash"] == pay and receive[0]["vout"] == 0 and
          receive[0]["output_spk"]["hex"] == spk, "getdescriptoractivity: the coinbase received in the block")
    check(len(spends) == 1 and spends[0]["spend_txid"] == txid and "blockhash" not in spends[0] and
          spends[0]["prevout_vout"] == 0, "getdescriptoractivity: the mempool spend, unconfirmed")
    only_blocks = node.rpc("getdescriptoractivity", [spend_block, pay], [desc], False)["activity"]
    check([e["height"] for e in only_blocks] == sorted(e["height"] for e in only_blocks) and
          all(e["type"] == "receive" for e in only_blocks) and len(only_blocks) == 2,
          "getdescriptoractivity without the mempool: blocks by height")
    check(error_of(node.rpc, "getdescriptoractivity", ["00" * 32], [desc])[0] == -5, "unknown block: -5")
    check(error_of(node.rpc, "getdescriptoractivity", [pay], "x")[0] == -3, "scanobjects not an array: -3")
    node.mine(1, address)


def test_submit(node, address, spk):
    tx = coinbase_spend(node, 4, spk)
    check(node.rpc("submitblock", block_without_coinbase(node, tx)) == "bad-cb-missing",
          "submitblock of a block without a coinbase: bad-cb-missing")
    made = node.rpc("generateblock", address, [], False)
    check(node.rpc("submitheader", made["hex"]) is None, "submitheader given a whole block reads its header")
    check(node.rpc("getblockheader", made["hash"])["hash"] == made["hash"], "the header is known")
    check(node.rpc("submitblock", made["hex"]) is None and node.rpc("getbestblockhash") == made["hash"],
          "the block itself is then accepted")


def test_mocktime(node, address, spk):
    now = int(time.time())
    lock = now + 3 * 86400
    tx = with_locktime(coinbase_spend(node, 5, spk), lock)
    code, msg = error_of(node.rpc, "sendrawtransaction", tx)
    check(code == -26 and "non-final" in msg, "a transaction locked 3 days ahead is non-final")
    mock = lock + 3600
    node.rpc("setmocktime", mock)
    hashes = node.mine(6, address)
    check(node.rpc("getblockheader", hashes[-1])["time"] == mock,
          "blocks mined at the mock time (3 days ahead) pass the future-time limit")
    txid = node.rpc("sendrawtransaction", tx)
    check(txid in node.rpc("getrawmempool"), "with the median time past beyond the lock, the transaction is accepted")
    check(node.rpc("getmempoolentry", txid)["time"] == mock, "its mempool entry time is the mock time")
    check(node.rpc("uptime") >= mock - now, "uptime follows the mock clock")
    node.rpc("setmocktime", mock + EXPIRY_HOURS * 3600 - 10)
    other = node.rpc("sendrawtransaction", coinbase_spend(node, 6, spk))
    check(txid in node.rpc("getrawmempool"), "before -mempoolexpiry has passed, the entry stays")
    node.rpc("setmocktime", mock + EXPIRY_HOURS * 3600 + 1)
    third = node.rpc("sendrawtransaction", coinbase_spend(node, 7, spk))
    pool = node.rpc("getrawmempool")
    check(txid not in pool and other in pool and third in pool,
          "once the mock clock passes -mempoolexpiry, the old entry expires")
    return mock


def main():
    with mt.TestNode("rpc-control", args=[f"-mempoolexpiry={EXPIRY_HOURS}"]) as node:
        node.start()
        address = node.rpc("decodescript", "51")["p2sh"]
        spk = node.rpc("validateaddress", address)["scriptPubKey"]
        node.mine(101, address)
        test_control(node)
        test_waits(node, address)
        test_stats(node, address, spk)
        test_addrman_orphans_activity(node, address, spk)
        test_submit(node, address, spk)
        mock = test_mocktime(node, address, spk)

        check(node.rpc("stop", 200) == "minicash server stopping", "stop with its hidden wait argument")
        check(mt.wait_until(lambda: not node.running(), 60), "the node stops")
        node.stop()
        later = mock + 86400
        node.start([f"-mocktime={later}"])
        block = node.mine(1, address)[0]
        check(node.rpc("getblockheader", block)["time"] == later, "-mocktime sets the clock from start-up")
        node.stop()
        bad = mt.run([mt.program("minicashd"), "-regtest", f"-datadir={node.dir}", "-mocktime=-1"], timeout=60)
        check(bad.returncode != 0 and "Mocktime cannot be negative" in bad.stdout + bad.stderr,
              "-mocktime=-1 is refused at start-up")
    return checks.exit_code("rpc_control_blockchain")


if __name__ == "__main__":
    raise SystemExit(main())
