#!/usr/bin/python3
"""minicashd as a drop-in for bitcoind: a data directory prepared the way Bitcoin Core's
functional test framework prepares one (its bitcoin.conf from test_framework/util.py
write_config, no minicash.conf) and the arguments its TestNode passes on every start
(-logtimemicros, -debug, -debugexclude=..., -uacomment=testnode0, -logthreadnames,
-logsourcelocations, -loglevel=trace, -v2transport=0, -bind=... as its start() adds them),
plus extra arguments its tests pass (-acceptnonstdtxn, -testactivationheight=...,
-whitelist=noban@127.0.0.1). The node must start without complaint, answer
getblockchaininfo and getnetworkinfo (the comment in its subversion), mine, run
-blocknotify, listen with connect=0 (the -bind makes it, as in Core), toggle debug
categories with `logging`, stop at -stopatheight, honour -rpcwhitelist and stop cleanly,
writing nothing to stderr (Core's framework fails a test on any).

Bad input gets Core's message and a non-zero exit before anything starts:
-testactivationheight=segwit@x, an unknown option, -prune=549, -peerbloomfilters,
-acceptnonstdtxn on main, -includeconf on the command line.

Run by ctest (bitcoind_dropin) with /usr/bin/python3; by hand after a build:
    /usr/bin/python3 test/functional/bitcoind_dropin.py
"""

import base64
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minicash_test import (Checks, TempDir, _die_with_parent, free_port, program, tail,  # noqa: E402
                           wait_until)

ADDR = "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc"  # P2SH(OP_TRUE), the harness's mining address


def write_config(datadir, p2p_port, rpc_port):
    """Bitcoin Core's test_framework/util.py write_config, as of Core 30."""
    with open(os.path.join(datadir, "bitcoin.conf"), "w", encoding="utf8") as f:
        f.write("regtest=1\n")
        f.write("[regtest]\n")
        f.write(f"port={p2p_port}\n")
        f.write(f"rpcport={rpc_port}\n")
        f.write("rpcservertimeout=99000\n")
        f.write("rpcdoccheck=1\n")
        f.write("fallbackfee=0.0002\n")
        f.write("server=1\n")
        f.write("keypool=1\n")
        f.write("discover=0\n")
        f.write("dnsseed=0\n")
        f.write("fixedseeds=0\n")
        f.write("listenonion=0\n")
        f.write("peertimeout=999999999\n")
        f.write("printtoconsole=0\n")
        f.write("natpmp=0\n")
        f.write("shrinkdebugfile=0\n")
        f.write("deprecatedrpc=create_bdb\n")
        f.write("unsafesqlitesync=1\n")
        f.write("connect=0\n")
        f.write("maxconnections=30\n")


def framework_args(datadir, p2p_port, tor_port):
    """TestNode.__init__'s arguments and the binds its start() adds."""
    return ["-datadir=" + datadir, "-logtimemicros", "-debug", "-debugexclude=libevent", "-debugexclude=leveldb",
            "-debugexclude=rand", "-uacomment=testnode0", "-logthreadnames", "-logsourcelocations",
            "-loglevel=trace", "-v2transport=0", f"-bind=0.0.0.0:{p2p_port}", f"-bind=127.0.0.1:{tor_port}=onion"]


class DropinNode:
    """minicashd started with only a data directory and Core's framework arguments."""

    def __init__(self, tmp):
        self.dir = tmp
        self.p2p_port, self.rpc_port, self.tor_port = free_port(), free_port(), free_port()
        write_config(self.dir, self.p2p_port, self.rpc_port)
        self.proc = None
        self.stderr_path = os.path.join(self.dir, "stderr.txt")

    def start(self, extra=()):
        argv = [program("minicashd")] + framework_args(self.dir, self.p2p_port, self.tor_port) + list(extra)
        with open(self.stderr_path, "w") as err, open(os.path.join(self.dir, "stdout.txt"), "w") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         start_new_session=True, preexec_fn=_die_with_parent)
        if not wait_until(lambda: self.proc.poll() is not None or self.rpc("getblockcount") is not None, 60, 0.05) \
                or self.proc.poll() is not None:
            raise RuntimeError(f"minicashd did not start ({self.proc.poll()}):\n{self.stderr()}\n"
                               f"{tail(os.path.join(self.dir, 'regtest', 'debug.log'))}")

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def rpc(self, method, *params):
        with open(os.path.join(self.dir, "regtest", ".cookie")) as f:
            cookie = f.read().strip()
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.rpc_port}/", data=body, headers={
            "Authorization": "Basic " + base64.b64encode(cookie.encode()).decode()})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                reply = json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code == 403:  # -rpcwhitelist: no body
                raise
            reply = json.loads(e.read())
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def refused(args, datadir, expected, checks, what):
    """minicashd with `args` exits non-zero before starting, printing `expected`."""
    try:
        p = subprocess.run([program("minicashd")] + args, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        checks.fail(f"{what}: minicashd did not exit")
        return
    started = os.path.exists(os.path.join(datadir, "regtest", ".cookie")) or \
        os.path.exists(os.path.join(datadir, "regtest", "debug.log"))
    checks.check(p.returncode != 0 and expected in p.stderr and not started,
                 f"{what}: exit {p.returncode}, nothing started, says {expected!r} (stderr: {p.stderr.strip()!r})")


def main():
    checks = Checks()
    with TempDir("dropin") as tmp:
        node = DropinNode(tmp.path)
        notified = os.path.join(tmp.path, "blocks-notified.txt")
        try:
            node.start(["-acceptnonstdtxn", "-testactivationheight=segwit@0", "-testactivationheight=csv@1",
                        "-whitelist=noban@127.0.0.1", f"-blocknotify=echo %s >> {notified}"])
            info = node.rpc("getblockchaininfo")
            checks.check(info["chain"] == "regtest", "bitcoin.conf read: regtest=1 and its [regtest] section")
            net = node.rpc("getnetworkinfo")
            checks.check(net["subversion"].endswith("(testnode0)/"),
                         f"-uacomment in the user agent, BIP14 form: {net['subversion']}")
            with socket.create_connection(("127.0.0.1", node.p2p_port), timeout=5):
                checks.check(True, "listens on its P2P port with connect=0 (the -bind turns listening on, as in Core)")
            hashes = node.rpc("generatetoaddress", 101, ADDR)
            checks.check(len(hashes) == 101 and node.rpc("getblockcount") == 101, "mines 101 blocks")
            checks.check(wait_until(lambda: hashes[-1] in open(notified).read(), 30),
                         "-blocknotify ran with %s replaced by the new tip's hash")
            cats = node.rpc("logging")
            checks.check(cats.get("net") is True and cats.get("libevent") is False and cats.get("rand") is False,
                         "logging: -debug turned every category on, -debugexclude the excluded ones off")
            cats = node.rpc("logging", [], ["net"])
            checks.check(cats["net"] is False and cats["rpc"] is True, "logging: exclude turns a category off")
            try:
                node.rpc("logging", ["nosuchcategory"])
                checks.fail("logging: unknown category refused")
            except RuntimeError as e:
                checks.check("unknown logging category nosuchcategory" in str(e) and "-8" in str(e),
                             f"logging: unknown category refused as Core does ({e})")
            log = open(os.path.join(tmp.path, "regtest", "debug.log"), errors="replace").read()
            first = log.splitlines()[0]
            checks.check(len(first) > 28 and first[19] == "." and first[26] == "Z",
                         f"-logtimemicros: microsecond timestamps ({first[:40]})")
            checks.check("Option -fallbackfee ignored: minicashd has no built-in wallet" in log,
                         "wallet options from bitcoin.conf are ignored with a warning in debug.log")
            node.rpc("stop")
            code = node.wait_exit()
            checks.check(code == 0, f"stop: clean exit ({code})")
            checks.check(node.stderr() == "", f"nothing on stderr (Core's framework fails on it): {node.stderr()!r}")

            # -stopatheight: the node stops by itself at that height.
            node.start(["-stopatheight=103"])
            node.rpc("generatetoaddress", 1, ADDR)
            try:
                node.rpc("generatetoaddress", 1, ADDR)
            except Exception:
                pass  # the node may already be stopping
            code = node.wait_exit(60)
            checks.check(code == 0, f"-stopatheight=103: the node stopped by itself at height 103 ({code})")

            # -rpcwhitelist: the cookie user may call what is listed, anything else is 403.
            node.start(["-rpcwhitelist=__cookie__:getblockcount,stop,logging"])
            checks.check(node.rpc("getblockcount") == 103, "-rpcwhitelist: a listed method answers")
            try:
                node.rpc("getblockchaininfo")
                checks.fail("-rpcwhitelist: an unlisted method is refused")
            except urllib.error.HTTPError as e:
                checks.check(e.code == 403, f"-rpcwhitelist: an unlisted method is refused with HTTP {e.code}")
            node.rpc("stop")
            checks.check(node.wait_exit() == 0, "stop is allowed by the whitelist")
        finally:
            node.kill()

        # Bad input: Core's messages, a non-zero exit, nothing started.
        with TempDir("dropin-bad") as bad:
            write_config(bad.path, free_port(), free_port())
            base = ["-datadir=" + bad.path]
            refused(base + ["-testactivationheight=segwit@x"], bad.path,
                    "Invalid height value (segwit@x) for -testactivationheight=name@height.", checks,
                    "-testactivationheight=segwit@x")
            refused(base + ["-nosuchoption"], bad.path, "unknown option -nosuchoption", checks, "unknown option")
            refused(base + ["-prune=549"], bad.path,
                    "Prune configured below the minimum of 550 MiB.  Please use a higher number.", checks, "-prune=549")
            refused(base + ["-peerbloomfilters"], bad.path, "BIP37 bloom filters are not served", checks,
                    "-peerbloomfilters")
            refused(base + ["-includeconf=x.conf"], bad.path, "-includeconf cannot be used from commandline", checks,
                    "-includeconf on the command line")
            refused(base + ["-uacomment=a/b"], bad.path, "User Agent comment (a/b) contains unsafe characters.",
                    checks, "-uacomment with an unsafe character")
        with TempDir("dropin-main") as main_dir:
            refused(["-datadir=" + main_dir.path, "-acceptnonstdtxn", "-connect=0", "-listen=0", "-server=0",
                     "-dnsseed=0"], main_dir.path, "acceptnonstdtxn is not currently supported for main chain",
                    checks, "-acceptnonstdtxn on main")
    return checks.exit_code("bitcoind_dropin")


if __name__ == "__main__":
    sys.exit(main())
