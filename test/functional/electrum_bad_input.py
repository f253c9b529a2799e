#!/usr/bin/python3
"""Malformed and abusive Electrum clients against one minicashd -addressindex -electrum.

Not JSON, JSON that is not a request, unknown methods and wrong parameters get JSON-RPC
errors on a connection that stays usable; a 10 MB line gets a disconnect; thousands of
subscriptions stop at the per-connection limit with an error; a client that sends
requests but never reads is disconnected once its write queue is full. Afterwards the
node still answers, and its resident memory grew by a bounded amount.

Usage: electrum_bad_input.py   (minicashd from $MINICASH_BIN_DIR, default build/src)
"""
import hashlib
import json
import socket
import sys

import minicash_test

checks = minicash_test.Checks()
check = checks.check


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.file = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def message(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("closed")
        return json.loads(line)

    def call(self, method, params, id=1):
        self.send(json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}) + "\n")
        return self.message()

    def closed_by_server(self, timeout=30):
        """True when the server closes the connection (EOF or reset) within `timeout`,
        whatever it still had buffered."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(1 << 16):
                pass
            return True
        except (ConnectionError, OSError) as e:
            return not isinstance(e, socket.timeout)

    def close(self):
        self.file.close()
        self.sock.close()


def main():
    with minicash_test.TestNode("electrum-bad") as node:
        port = minicash_test.free_port()
        node.start(["-addressindex", f"-electrum=127.0.0.1:{port}", "-electrumratelimit=1000000", "-debug=rpc"])
        node.mine(101, node.rpc("decodescript", "51")["p2sh"])
        pid = node.proc.pid
        c = Conn(port)
        check(c.call("server.version", ["bad", "1.4"]).get("result", [None, None])[1] == "1.4", "server.version")
        rss0 = rss_kib(pid)

        # ---- errors on a connection that stays usable ----
        c.send("this is not json\n")
        m = c.message()
        check(m.get("error", {}).get("code") == -32700 and m.get("id") is None, f"not JSON: -32700 ({m})")
        c.send('{"jsonrpc": "2.0", "id": 1, "method": "server.ping"\n')
        check(c.message().get("error", {}).get("code") == -32700, "a truncated object: -32700")
        c.send("42\n")
        check(c.message().get("error", {}).get("code") == -32600, "a number, not a request: -32600")
        c.send("[]\n")
        check(c.message().get("error", {}).get("code") == -32600, "an empty batch: -32600")
        c.send('{"jsonrpc": "2.0", "id": 2, "method": 7}\n')
        check(c.message().get("error", {}).get("code") == -32600, "a method that is not a string: -32600")
        check(c.call("no.such.method", []).get("error", {}).get("code") == -32601, "an unknown method: -32601")
        check(c.call("blockchain.block.header", {"height": 1, "nope": 2}).get("error", {}).get("code") == -32602,
              "an unknown named parameter: -32602")
        check(c.call("blockchain.block.header", [1, 0, 0, 0]).get("error", {}).get("code") == -32602,
              "too many parameters: -32602")
        check(c.call("blockchain.block.header", [-1]).get("error", {}).get("code") == 1, "a negative height: 1")
        check(c.call("blockchain.block.header", [1e300]).get("error", {}).get("code") == -32602,
              "a huge float for a height: -32602")
        check(c.call("blockchain.transaction.broadcast", ["zz"]).get("error", {}).get("code") == 1,
              "broadcast of non-hex: an error")
        check(c.call("blockchain.scripthash.subscribe", ["g" * 64]).get("error", {}).get("code") == 1,
              "a script hash that is not hex: an error")
        check(c.call("server.version", ["x", ["1.4"]]).get("error", {}).get("code") == -32602,
              "server.version with a one-element range: -32602")
        deep = "[" * 5000 + "]" * 5000
        c.send(deep + "\n")
        check("error" in c.message(), "5000 nested arrays: an error, no crash")
        check(c.call("server.ping", [], id="still").get("id") == "still", "the connection still answers")

        # ---- a 10 MB line: disconnected ----
        big = Conn(port)
        try:
            big.send(b'{"jsonrpc":"2.0","id":1,"method":"server.ping","params":["' + b"a" * (10 << 20) + b'"]}\n')
        except (ConnectionError, OSError):
            pass
        check(big.closed_by_server(), "a 10 MB request line: the server disconnects")
        big.close()

        # ---- thousands of subscriptions: stops at the limit (10000 by default) ----
        s = Conn(port)
        errors = results = 0
        for start in range(0, 12000, 1000):
            batch = [{"jsonrpc": "2.0", "id": i, "method": "blockchain.scripthash.subscribe",
                      "params": [hashlib.sha256(str(i).encode()).hexdigest()]} for i in range(start, start + 1000)]
            s.send(json.dumps(batch) + "\n")
            for r in s.message():
                if "error" in r:
                    errors += 1
                    last_error = r["error"]["message"]
                else:
                    results += 1
        check(results == 10000 and errors == 2000 and "too many subscriptions" in last_error,
              f"12000 subscriptions: 10000 accepted, 2000 refused ({results}, {errors})")
        check(s.call("server.ping", []).get("result", "x") is None, "the subscriber still gets answers")
        s.close()

        # ---- a client that never reads: disconnected once its write queue is full ----
        slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(("127.0.0.1", port))
        request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "blockchain.block.headers",
                              "params": [0, 2016]}).encode() + b"\n"  # ~16 kB answer each
        sent = 0
        slow.settimeout(30)
        try:
            for _ in range(3000):  # ~48 MB of answers if they were all kept
                slow.sendall(request)
                sent += 1
        except (ConnectionError, OSError):
            pass
        # Without reading anything: the server gives up once 8 MiB wait for this client.
        gave_up = minicash_test.wait_until(lambda: "does not read; disconnecting" in node.log(), 60)
        received = 0
        closed = False
        try:
            while True:
                data = slow.recv(1 << 16)
                if not data:
                    closed = True
                    break
                received += len(data)
        except (ConnectionError, OSError) as e:
            closed = not isinstance(e, socket.timeout)
        slow.close()
        check(gave_up and closed and received < 3000 * 16000,
              f"a client that never reads: disconnected ({sent} requests sent, {received} bytes got before the "
              "close)")

        # ---- the node is fine ----
        check(node.rpc("getblockcount") == 101, "the node still answers RPC")
        check(c.call("blockchain.headers.subscribe", []).get("result", {}).get("height") == 101,
              "the first connection still answers")
        grown = rss_kib(pid) - rss0
        check(grown < 128 * 1024, f"resident memory grew by {grown // 1024} MiB (< 128 MiB)")
        c.close()
        node.stop()
    return checks.exit_code("electrum_bad_input")


if __name__ == "__main__":
    sys.exit(main())
