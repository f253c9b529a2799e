#!/usr/bin/python3
"""Outbound P2P connections through a SOCKS5 proxy (issue 14, item 7), with a small
SOCKS5 server inside the test (RFC 1928 CONNECT, RFC 1929 username/password).

Node A runs with -proxy pointing at the test's server and connects by `addnode ...
onetry` to a routable address, 15.61.23.23 with B's port, as Core's feature_proxy test
does (a loopback address is "unroutable" and, as in Core, never goes through the
proxy); the server records what A asked for and relays the bytes to B on 127.0.0.1.
Checked: A offers username/password (Core's -proxyrandomize credentials), asks for B's
address as a domain name, and A and B then complete the handshake and sync a block
through the proxy. A second connection uses other credentials (stream isolation).
"""

import socket
import struct
import sys
import threading

import minicash_test as mt

checks = mt.Checks()


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Socks5Server:
    """Accepts connections, records (methods, credentials, host, port) per request and
    relays to 127.0.0.1:port."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.requests = []
        self.sockets = [self.listener]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        try:
            version, count = recv_exact(conn, 2)
            methods = list(recv_exact(conn, count))
            creds = None
            if version != 5:
                return conn.close()
            if 2 in methods:
                conn.sendall(b"\x05\x02")
                _, ulen = recv_exact(conn, 2)
                user = recv_exact(conn, ulen).decode()
                plen = recv_exact(conn, 1)[0]
                password = recv_exact(conn, plen).decode()
                creds = (user, password)
                conn.sendall(b"\x01\x00")
            else:
                conn.sendall(b"\x05\x00")
            _, cmd, _, atyp = recv_exact(conn, 4)
            if cmd != 1 or atyp != 3:
                conn.sendall(b"\x05\x07\x00\x01" + bytes(6))
                return conn.close()
            host = recv_exact(conn, recv_exact(conn, 1)[0]).decode()
            port = struct.unpack(">H", recv_exact(conn, 2))[0]
            self.requests.append({"methods": methods, "creds": creds, "host": host, "port": port})
            target = socket.create_connection(("127.0.0.1", port), timeout=10)
            target.settimeout(None)
            self.sockets.append(target)
            conn.sendall(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
            threading.Thread(target=pump, args=(target, conn), daemon=True).start()
            pump(conn, target)
        except (OSError, ConnectionError, ValueError):
            conn.close()

    def close(self):
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def main():
    proxy = Socks5Server()
    try:
        with mt.TestNode("b", p2p=True) as b, \
                mt.TestNode("a", args=[f"-proxy=127.0.0.1:{proxy.port}"]) as a:
            b.start()
            a.start()
            target = f"15.61.23.23:{b.p2p_port}"
            a.rpc("addnode", target, "onetry")
            connected = mt.wait_until(lambda: b.rpc("getconnectioncount") > 0 and
                                      any(p["addr"] == target for p in a.rpc("getpeerinfo")), 60)
            if not checks.check(connected, "A connects to B through the proxy"):
                print(a.log_tail(), b.log_tail())
                return
            req = proxy.requests[0] if proxy.requests else {}
            checks.check(len(proxy.requests) == 1, "the proxy received one CONNECT")
            checks.check(req.get("host") == "15.61.23.23" and req.get("port") == b.p2p_port,
                         "the destination is sent as a domain name, with its port")
            checks.check(2 in req.get("methods", []) and req.get("creds") is not None,
                         "username/password offered and used (-proxyrandomize)")
            checks.check(req.get("creds") is not None and req["creds"][0] == req["creds"][1],
                         "the same random string as username and password")
            # A block mined on B reaches A over the proxied connection.
            hashes = b.mine(1, b.rpc("decodescript", "51")["p2sh"])  # P2SH(OP_TRUE)
            checks.check(mt.wait_until(lambda: a.rpc("getbestblockhash") == hashes[0], 60),
                         "a block mined on B reaches A through the proxy")
            # A second connection gets other credentials (stream isolation).
            a.rpc("disconnectnode", target)
            mt.wait_until(lambda: not a.rpc("getpeerinfo"), 30)
            a.rpc("addnode", target, "onetry")
            mt.wait_until(lambda: len(proxy.requests) >= 2, 60)
            checks.check(len(proxy.requests) >= 2 and proxy.requests[1]["creds"] is not None
                         and proxy.requests[1]["creds"] != req.get("creds"),
                         "a new connection uses new credentials")
    finally:
        proxy.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a failure to start or an RPC error is a failed check
        checks.fail(f"unexpected: {e!r}")
    sys.exit(checks.exit_code("p2p_proxy"))
