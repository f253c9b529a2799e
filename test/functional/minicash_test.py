#!/usr/bin/python3
"""The Python side of the test harness: what every Python process test (and the shell
helpers of the docs test) uses to start programs. Standard library only, so it runs
under Debian's /usr/bin/python3 next to python3-bitcoinlib or python3-zmq.

  bin_dir(), program(name)   where the built programs are ($MINICASH_BIN_DIR, set by
                             ctest; by hand it defaults to <repo>/build/src)
  vectors_dir()              the conformance vectors ($MINICASH_VECTORS or ../shared/vectors)
  free_port()                a TCP port on 127.0.0.1 the kernel just handed out
  TempDir                    a temporary directory, removed at the end (kept with MINICASH_KEEP_TMP)
  run(argv, ...)             a program run to completion, output captured
  TestNode                   minicashd -regtest in its own TempDir, cookie RPC, always stopped
  connect_nodes, wait_synced several nodes connected to each other
  wait_until(cond, timeout)  polling
  processes_under(path), kill_processes_under(path), pid_alive(pid)
                             the guard for programs that start daemons of their own
                             (minicash-devnet, the documented commands)
  op_true_spend(...)         a transaction spending the anyone-can-spend P2SH(OP_TRUE) output
                             tests mine to (the address of `decodescript 51`), as hex
  NpmClient(package)         an npm client pinned in test/functional/js, as installed by
                             contrib/install-test-clients.sh, and its scripts run under node
  Checks                     "ok/FAIL" lines, the failure count, the exit status
  SKIP                       the exit status ctest reports as skipped (77)

Every TestNode is stopped and its directory removed when its `with` block ends, when
cleanup() is called, or at interpreter exit (atexit), whatever the test did; if the
test process is killed, the kernel kills its daemons (PR_SET_PDEATHSIG). A daemon that
failed to start is reported with the tail of its log.

By hand: `python3 test/functional/minicash_test.py free-port` prints a free port (used
by the docs test's command shims).
"""

import atexit
import base64
import ctypes
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_ATTEMPTS = 6


def bin_dir():
    """The directory of minicashd, minicash-cli, minicash-wallet, minicash-tx, minicash-devnet."""
    return os.path.abspath(os.environ.get("MINICASH_BIN_DIR") or os.path.join(REPO, "build", "src"))


def program(name):
    return os.path.join(bin_dir(), name)


def vectors_dir():
    """The vectors folder, or None when it is absent (a test then exits SKIP)."""
    d = os.environ.get("MINICASH_VECTORS") or os.path.join(REPO, "..", "shared", "vectors")
    d = os.path.realpath(d)
    return d if os.path.isdir(d) else None


def free_port():
    """A port nobody listens on now; the daemon may still lose it, so TestNode retries."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempDir:
    """mkdtemp with a minicash-<tag>- prefix; removed by cleanup() or at the end of `with`."""

    def __init__(self, tag="test"):
        self.path = tempfile.mkdtemp(prefix=f"minicash-{tag}-")

    def cleanup(self):
        if not os.environ.get("MINICASH_KEEP_TMP"):
            shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def run(argv, input=None, timeout=300, env=None, cwd=None, check=False):
    """Runs argv (no shell) to completion with text output captured: a CompletedProcess.
    Killed at `timeout` (subprocess.TimeoutExpired). check=True raises AssertionError with
    the output when it exits non-zero."""
    p = subprocess.run([str(a) for a in argv], input=input, capture_output=True, text=True, timeout=timeout,
                       env=env, cwd=cwd, stdin=None if input is not None else subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p


def wait_until(cond, timeout=60, interval=0.1):
    """Polls cond() until it is true or `timeout` seconds pass; an exception counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if cond():
                return True
        except Exception:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class RpcError(Exception):
    def __init__(self, method, code, message):
        super().__init__(f"{method} failed: {message} (code {code})")
        self.code, self.message = code, message


_LIVE_NODES = []
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: the kernel kills the daemon if the test process dies
    (a ctest timeout, a kill), which atexit cannot cover."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@atexit.register
def _stop_leftover_nodes():
    for node in list(_LIVE_NODES):
        node.cleanup()


class TestNode:
    """minicashd -regtest in its own temporary data directory.

    p2p=False: -listen=0 -connect=0. p2p=True: listens on 127.0.0.1:p2p_port.
    rpc=False: -server=0, and start() waits for the P2P port instead of RPC.
    args: passed on every start, before start()'s own."""

    def __init__(self, name="node", p2p=False, rpc=True, args=(), daemon=None):
        self.name, self.p2p, self.use_rpc, self.args = name, p2p, rpc, list(args)
        self.daemon = daemon or program("minicashd")
        self.tmp = TempDir("node-" + name)
        self.dir = self.tmp.path
        self.netdir = os.path.join(self.dir, "regtest")
        self._debug_log = os.path.join(self.netdir, "debug.log")
        self.rpc_port = self.p2p_port = None
        self.proc = None
        _LIVE_NODES.append(self)

    # -- life cycle --

    def start(self, extra=(), timeout=60):
        """Starts the daemon; retries with new ports when one was taken meanwhile. A restart
        keeps the P2P port. Raises RuntimeError with the log tail when it does not come up."""
        if self.running():
            raise RuntimeError(f"{self.name}: start() while running")
        output = os.path.join(self.dir, "output.txt")
        for attempt in range(START_ATTEMPTS):
            self.rpc_port = free_port()
            if self.p2p and (self.p2p_port is None or attempt > 0):
                self.p2p_port = free_port()
                while self.p2p_port == self.rpc_port:
                    self.p2p_port = free_port()
            argv = [self.daemon, "-regtest", f"-datadir={self.dir}", f"-rpcport={self.rpc_port}"]
            argv += [f"-port={self.p2p_port}", "-bind=127.0.0.1"] if self.p2p else ["-listen=0", "-connect=0"]
            if not self.use_rpc:
                argv.append("-server=0")
            argv += self.args + list(extra)
            with open(output, "w") as out:
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True, preexec_fn=_die_with_parent)
            # minicashd keeps running when it bound RPC on [::1] only: its log tells that
            # 127.0.0.1 was taken.
            lost = f"binding to 127.0.0.1:{self.rpc_port} failed"
            if wait_until(lambda: self.proc.poll() is not None or lost in tail(self._debug_log, 200)
                          or self._answers(), timeout, 0.05) \
                    and self.proc.poll() is None and lost not in tail(self._debug_log, 200):
                return self
            code = self.proc.poll()
            self.kill()
            if lost in tail(self._debug_log, 200) or code is not None and "bind" in tail(output, 200).lower():
                continue
            what = f"exited during start-up ({code})" if code is not None else f"did not answer within {timeout} s"
            raise RuntimeError(f"{self.name}: minicashd {what}\n{self.log_tail()}")
        raise RuntimeError(f"{self.name}: minicashd could not bind its ports in {START_ATTEMPTS} attempts\n"
                           f"{self.log_tail()}")

    def _answers(self):
        # A short timeout: whatever took a port meanwhile must not hold the start-up.
        if self.use_rpc:
            self.rpc("getblockcount", timeout=5)
        else:
            socket.create_connection(("127.0.0.1", self.p2p_port), timeout=1).close()
        return True

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=60):
        """RPC stop (SIGTERM without RPC), then waits; the exit code, None when it had to be killed."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                if self.use_rpc:
                    self.rpc("stop")
                else:
                    self.proc.send_signal(signal.SIGTERM)
            except Exception:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        """Kills the daemon if it still runs and removes the data directory."""
        self.kill()
        self.tmp.cleanup()
        if self in _LIVE_NODES:
            _LIVE_NODES.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- talking to it --

    def rpc(self, method, *params, timeout=300):
        """A JSON-RPC call with the cookie: the result; RpcError on an error reply."""
        with open(os.path.join(self.netdir, ".cookie")) as f:
            cookie = f.read().strip()
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.rpc_port}/", data=body, headers={
            "Authorization": "Basic " + base64.b64encode(cookie.encode()).decode(),
            "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                reply = json.loads(r.read())
        except urllib.error.HTTPError as e:  # Core answers errors with HTTP 500 and a JSON body
            reply = json.loads(e.read())
        if reply.get("error"):
            raise RpcError(method, reply["error"].get("code"), reply["error"].get("message"))
        return reply["result"]

    def client_args(self):
        return ["-regtest", f"-datadir={self.dir}", f"-rpcport={self.rpc_port}"]

    def cli(self, *args, input=None, timeout=120):
        """minicash-cli with client_args(): a CompletedProcess."""
        return run([program("minicash-cli")] + self.client_args() + list(args), input=input, timeout=timeout)

    def mine(self, n, address):
        return self.rpc("generatetoaddress", n, address)

    def p2p_addr(self):
        return f"127.0.0.1:{self.p2p_port}"

    def log(self):
        out = ""
        for path in (os.path.join(self.netdir, "debug.log"), os.path.join(self.dir, "output.txt")):
            try:
                with open(path, errors="replace") as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def log_tail(self, lines=40):
        return (f"--- {self.name}: last lines of debug.log\n{tail(os.path.join(self.netdir, 'debug.log'), lines)}"
                f"--- {self.name}: last lines of its output\n{tail(os.path.join(self.dir, 'output.txt'), lines)}")


def connected_to(node, other):
    return any(p.get("addr") == other.p2p_addr() for p in node.rpc("getpeerinfo"))


def connect_nodes(a, b, timeout=30):
    """addnode b onetry from a, then waits until both see the connection."""
    a.rpc("addnode", b.p2p_addr(), "onetry")
    if not wait_until(lambda: connected_to(a, b) and b.rpc("getconnectioncount") > 0, timeout):
        raise RuntimeError(f"{a.name} did not connect to {b.name}\n{a.log_tail()}{b.log_tail()}")


def wait_synced(nodes, height, timeout=120):
    """Waits until every node has the same tip at `height` or more."""
    def synced():
        tips = {n.rpc("getbestblockhash") for n in nodes}
        return len(tips) == 1 and min(n.rpc("getblockcount") for n in nodes) >= height
    return wait_until(synced, timeout)


def pid_alive(pid):
    """True while `pid` runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:][:1] != "Z"


def processes_under(path):
    """(pid, command line) of every live process whose command line mentions `path`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if path.encode() in cmd and pid_alive(int(entry)):
            found.append((int(entry), cmd.replace(b"\0", b" ").decode(errors="replace").strip()))
    return found


def kill_processes_under(path, pids=(), grace=0):
    """The guard: waits up to `grace` seconds for processes started from `path` to exit,
    then SIGKILLs them and any of `pids` still running from there; returns what it found."""
    deadline = time.monotonic() + grace
    left = processes_under(path)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = processes_under(path)
    victims = {pid for pid, _ in left}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if path.encode() in f.read() and pid_alive(pid):
                    victims.add(pid)
        except OSError:
            pass
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if victims:
        time.sleep(0.2)
    return left


def op_true_spend(prev_txid, prev_index, value, fee, script_pubkey_hex, sequence=0xfffffffd):
    """Hex of a version-2 transaction spending output `prev_index` (worth `value` sats) of
    `prev_txid`, a P2SH(OP_TRUE) output, to one output of `script_pubkey_hex` paying `fee`.
    Its scriptSig pushes the redeem script OP_TRUE; nothing is signed."""
    script = bytes.fromhex(script_pubkey_hex)
    tx = struct.pack("<i", 2) + b"\x01" + bytes.fromhex(prev_txid)[::-1] + struct.pack("<I", prev_index)
    tx += b"\x02\x01\x51" + struct.pack("<I", sequence)
    tx += b"\x01" + struct.pack("<q", value - fee) + bytes([len(script)]) + script + struct.pack("<I", 0)
    return tx.hex()


class NpmClient:
    """An npm client pinned in test/functional/js/package.json, installed (with the other
    pinned clients) by contrib/install-test-clients.sh into <build>/test-clients/node_modules
    ($MINICASH_NPM_MODULES overrides), and node to run test/functional/js scripts with it."""

    def __init__(self, package):
        self.package = package
        self.node_bin = shutil.which("node")
        self.modules = os.environ.get("MINICASH_NPM_MODULES") or os.path.join(os.path.dirname(bin_dir()),
                                                                             "test-clients", "node_modules")
        with open(os.path.join(REPO, "test", "functional", "js", "package.json")) as f:
            self.pinned = json.load(f)["dependencies"][package]

    def installed(self):
        """True when node and the client are there; otherwise prints the SKIP line saying why."""
        if self.node_bin and os.path.isfile(os.path.join(self.modules, *self.package.split("/"), "package.json")):
            return True
        print(f"SKIP: the {self.package} npm client is not installed (node: {self.node_bin}, modules: "
              f"{self.modules}); run bash contrib/install-test-clients.sh (the test command does)")
        return False

    def run_script(self, script, node, timeout=300, **env):
        """Runs test/functional/js/<script> to completion (a CompletedProcess), with the
        modules on NODE_PATH, `node`'s RPC port and cookie credentials in MINICASH_RPC_PORT,
        MINICASH_RPC_USER and MINICASH_RPC_PASSWORD, and `env` added."""
        with open(os.path.join(node.netdir, ".cookie")) as f:
            user, password = f.read().strip().split(":", 1)
        full_env = dict(os.environ, NODE_PATH=self.modules, MINICASH_RPC_PORT=str(node.rpc_port),
                        MINICASH_RPC_USER=user, MINICASH_RPC_PASSWORD=password, **env)
        return run([self.node_bin, os.path.join(REPO, "test", "functional", "js", script)], env=full_env,
                   timeout=timeout)


class Checks:
    """Named checks of a test script: prints "ok" or "FAIL" per check and counts failures."""

    def __init__(self, ok_prefix="ok   ", fail_prefix="FAIL "):
        self.failures = []
        self.ok_prefix, self.fail_prefix = ok_prefix, fail_prefix

    def check(self, cond, what):
        print((self.ok_prefix if cond else self.fail_prefix) + what, flush=True)
        if not cond:
            self.failures.append(what)
        return cond

    def fail(self, what):
        return self.check(False, what)

    def exit_code(self, name):
        """Prints the summary; 1 when a check failed, else 0."""
        if self.failures:
            print(f"{name}: {len(self.failures)} failure(s)")
            return 1
        print(f"{name}: all checks passed")
        return 0


def _main(argv):
    if argv == ["free-port"]:
        print(free_port())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
