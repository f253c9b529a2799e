#!/usr/bin/python3
"""A peer that sends each malformed message once and then behaves must still be served
(issue 19, items 3 and 7), against a real minicashd -regtest -v2transport=0 -debug=net.

For each case a raw v1 client (standard library only) connects to 127.0.0.1, completes
the handshake (unless the case is about the handshake), sends the bad message once,
then behaves: a ping must get its pong when the connection is still open, else it
reconnects and shakes hands again; either way a getheaders from genesis must be
answered with the chain's headers and a getdata for block 1 with the block. Whether
the case cost the address a discouragement is read from the debug log ("Misbehaving:
peer=N ..." is logged for every peer whose address would be discouraged; 127.0.0.1 is
exempt from the 24-hour discouragement itself, so the log is what tells).

Expected, as Core: bad checksum, bad command, undecodable block/inv/headers/tx/getdata/
addr, a second version, anything before version and a 300-byte user agent are dropped
(the connection stays); an oversized length, a wrong magic and wtxidrelay after verack
disconnect; none of them discourages. An inv of 50,001 entries is the control: it is
misbehaviour (Core's Misbehaving) and must show in the log.

Prints "discouraged: N of M malformed cases" (the figure issue 19 asks for, before and
after). With MINICASH_BIN_DIR pointing at another build it measures that build; with
--report-only it does not fail on the expectations (to measure an old build).

Usage: p2p_misbehavior.py [--report-only]
"""
import hashlib
import os
import random
import re
import socket
import struct
import sys
import time

import minicash_test

MAGIC = bytes.fromhex("fabfb5da")  # regtest
PROTOCOL_VERSION = 70016
MSG_WITNESS_BLOCK = 0x40000002


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def frame(command, payload=b"", magic=MAGIC, checksum=None, length=None):
    cmd = command if isinstance(command, bytes) else command.encode()
    header = magic + cmd + b"\x00" * (12 - len(cmd))
    header += struct.pack("<I", len(payload) if length is None else length)
    header += checksum if checksum is not None else sha256d(payload)[:4]
    return header + payload


def compact_size(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack("<H", n)
    return b"\xfe" + struct.pack("<I", n)


def version_payload(user_agent=b"/p2p-misbehavior:0.1/"):
    services = 1 | 8  # NODE_NETWORK | NODE_WITNESS
    addr = struct.pack("<Q", 0) + b"\x00" * 10 + b"\xff\xff" + bytes([127, 0, 0, 1]) + struct.pack(">H", 18444)
    return (struct.pack("<iQq", PROTOCOL_VERSION, services, int(time.time())) + addr + addr +
            struct.pack("<Q", random.getrandbits(64)) + compact_size(len(user_agent)) + user_agent +
            struct.pack("<i", 0) + b"\x01")


class Peer:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def send_msg(self, command, payload=b""):
        return self.send(frame(command, payload))

    def _read(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                return None
            except OSError:
                raise ConnectionError("reset")
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, wanted, timeout=10):
        """The payload of the next `wanted` message (pings answered on the way); None on a
        timeout. Raises ConnectionError when the node closes the connection."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            header = self._read(24, deadline)
            if header is None:
                return None
            length = struct.unpack("<I", header[16:20])[0]
            payload = self._read(length, deadline + 10)
            if payload is None:
                return None
            command = header[4:16].rstrip(b"\x00").decode()
            if command == "ping":
                self.send_msg("pong", payload)
            if command == wanted:
                return payload
        return None

    def handshake(self, version=None):
        self.send_msg("version", version or version_payload())
        self.send_msg("wtxidrelay")
        self.send_msg("sendaddrv2")
        if self.recv("verack") is None:
            raise ConnectionError("no verack")
        self.send_msg("verack")

    def ping_answered(self):
        nonce = random.getrandbits(64)
        try:
            if not self.send_msg("ping", struct.pack("<Q", nonce)):
                return False
            deadline = time.time() + 10
            while time.time() < deadline:
                pong = self.recv("pong", timeout=deadline - time.time())
                if pong is None:
                    return False
                if pong == struct.pack("<Q", nonce):
                    return True
        except ConnectionError:
            return False
        return False


def served(peer, genesis, block1, height):
    """getheaders from genesis answered with `height` headers, getdata of block 1 with it."""
    locator = struct.pack("<I", PROTOCOL_VERSION) + compact_size(1) + genesis + b"\x00" * 32
    peer.send_msg("getheaders", locator)
    headers = peer.recv("headers")
    if headers is None or headers[:1] != bytes([height]):
        return False
    peer.send_msg("getdata", compact_size(1) + struct.pack("<I", MSG_WITNESS_BLOCK) + block1)
    block = peer.recv("block")
    return block is not None and sha256d(block[:80]) == block1


# Each case: (name, expected: "drop" | "disconnect" | "discourage", handshake first?, bytes to send)
def cases():
    ping = struct.pack("<Q", 1)
    bad_command = frame("ping", ping)
    bad_command = bad_command[:5] + b"\x01" + bad_command[6:]
    long_ua = version_payload(b"x" * 300)
    too_many_inv = compact_size(50001) + (struct.pack("<I", 1) + b"\x00" * 32) * 50001
    return [
        ("bad checksum", "drop", True, frame("ping", ping, checksum=b"\x00\x00\x00\x00")),
        ("bad command name", "drop", True, bad_command),
        ("undecodable block", "drop", True, frame("block", b"\x01" * 100)),
        ("undecodable inv", "drop", True, frame("inv", b"\xfd\xff")),
        ("undecodable headers", "drop", True, frame("headers", b"\x02" + b"\x00" * 50)),
        ("undecodable tx", "drop", True, frame("tx", b"\x01\x02\x03")),
        ("undecodable getdata", "drop", True, frame("getdata", b"\xfd\xff")),
        ("undecodable addr", "drop", True, frame("addr", b"\x05\x00")),
        ("second version", "drop", True, frame("version", version_payload())),
        ("message before version", "drop", False, frame("ping", ping)),
        ("300-byte user agent", "drop", False, frame("version", long_ua)),
        ("oversized length", "disconnect", True, frame("block", b"", length=4_000_001)),
        ("wrong magic", "disconnect", True, frame("ping", ping, magic=bytes.fromhex("f9beb4d9"))),
        ("wtxidrelay after verack", "disconnect", True, frame("wtxidrelay")),
        ("inv of 50,001 entries (control)", "discourage", True, frame("inv", too_many_inv)),
    ]


def misbehaving_lines(node, start):
    with open(os.path.join(node.netdir, "debug.log"), errors="replace") as f:
        f.seek(start)
        return [line for line in f.read().splitlines() if re.search(r"Misbehaving: peer=\d+", line)]


def log_size(node):
    return os.path.getsize(os.path.join(node.netdir, "debug.log"))


def main():
    report_only = "--report-only" in sys.argv
    checks = minicash_test.Checks()
    node = minicash_test.TestNode("misbehavior", p2p=True, args=["-debug=net", "-v2transport=0"])
    try:
        node.start()
        address = node.rpc("decodescript", "51")["p2sh"]
        height = 5
        node.rpc("generatetoaddress", height, address)
        genesis = bytes.fromhex(node.rpc("getblockhash", 0))[::-1]
        block1 = bytes.fromhex(node.rpc("getblockhash", 1))[::-1]

        control = Peer(node.p2p_port)
        control.handshake()
        checks.check(served(control, genesis, block1, height), "a well-behaved peer is served")

        discouraged = 0
        malformed = 0
        for name, expected, shake_first, data in cases():
            start = log_size(node)
            peer = Peer(node.p2p_port)
            try:
                if shake_first:
                    peer.handshake()
                peer.send(data)
                if not shake_first:
                    # Then the proper handshake: it must still be possible on this connection.
                    try:
                        peer.handshake()
                        kept = True
                    except (ConnectionError, OSError):
                        kept = False
                else:
                    kept = peer.ping_answered()
                if not kept:
                    peer.close()
                    peer = Peer(node.p2p_port)
                    peer.handshake()
                ok = served(peer, genesis, block1, height)
            except (ConnectionError, OSError) as e:
                kept, ok = False, False
                print(f"     {name}: {e}")
            finally:
                peer.close()
            minicash_test.wait_until(lambda: log_size(node) > start, 2)
            time.sleep(0.2)  # the node's log lines for the case
            lines = misbehaving_lines(node, start)
            punished = bool(lines)
            if expected != "discourage":
                malformed += 1
                discouraged += punished
            outcome = ("discouraged" if punished else "kept" if kept else "disconnected")
            print(f"     {name}: {outcome}; served afterwards: {ok}")
            if report_only:
                continue
            checks.check(ok, f"{name}: served afterwards (reconnecting when disconnected)")
            if expected == "drop":
                checks.check(kept and not punished, f"{name}: dropped, the connection kept, nothing punished")
            elif expected == "disconnect":
                checks.check(not kept and not punished, f"{name}: disconnected, the address not discouraged")
            else:
                checks.check(punished, f"{name}: misbehaviour logged (Misbehaving)")
        checks.check(control.ping_answered(), "the first peer was never disturbed")
        control.close()
        print(f"discouraged: {discouraged} of {malformed} malformed cases")
        checks.check(node.rpc("getblockcount") == height, "the node is still up")
    finally:
        code = node.stop()
        node.cleanup()
    checks.check(code == 0, "minicashd stopped cleanly")
    return checks.exit_code("p2p_misbehavior")


if __name__ == "__main__":
    sys.exit(main())
