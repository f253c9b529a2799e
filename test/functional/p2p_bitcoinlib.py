#!/usr/bin/env python3
"""minicashd speaking P2P to an independent implementation: python3-bitcoinlib.

Starts minicashd -regtest (no RPC, no outbound connections, a free port on 127.0.0.1),
then, as a peer built from bitcoin.messages:
  1. version/verack handshake (and ping/pong);
  2. mines 110 regtest blocks itself (coinbases paying P2SH(OP_TRUE)) and sends them as
     'block' messages; getheaders from genesis must return exactly those headers;
  3. getdata: MSG_BLOCK and MSG_WITNESS_BLOCK give back the block byte for byte; an
     unknown transaction gives notfound;
  4. tx: a transaction spending the first coinbase is sent; a watching peer gets it
     announced and fetches it with getdata (it is in minicashd's mempool); a second
     peer is told about it with inv;
  5. a peer sending garbage (taken for a BIP324 handshake) is disconnected while the first one keeps working.
The daemon (minicash_test.TestNode) is always stopped and its directory removed.

Usage: p2p_bitcoinlib.py     (minicashd from $MINICASH_BIN_DIR, default build/src; exit 77 = skipped)
"""
import io
import socket
import struct
import sys
import time

import minicash_test

try:
    import bitcoin
    import bitcoin.messages as msgs
    from bitcoin.core import (CBlock, CBlockHeader, CMutableTransaction, CMutableTxIn, CMutableTxOut,
                              COutPoint, CTransaction, b2lx, lx, Hash, Hash160)
    from bitcoin.core.script import CScript, OP_TRUE, OP_HASH160, OP_EQUAL, OP_0
    from bitcoin.net import CInv, CBlockLocator
except ImportError as e:  # python3-bitcoinlib not installed: skip
    print("SKIP: python3-bitcoinlib is not available (%s)" % e)
    sys.exit(minicash_test.SKIP)

MSG_TX, MSG_BLOCK, MSG_WTX = 1, 2, 5
MSG_WITNESS_FLAG = 1 << 30
COIN = 100000000
REGTEST_GENESIS = lx("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
P2SH_TRUE = CScript([OP_HASH160, Hash160(bytes([OP_TRUE])), OP_EQUAL])


class Peer:
    """A P2P connection using python-bitcoinlib's message classes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send(self, msg):
        self.sock.sendall(msg.to_bytes())

    def send_raw(self, command, payload=b""):
        # Messages bitcoinlib does not know (wtxidrelay, sendaddrv2), framed by hand.
        header = bitcoin.params.MESSAGE_START + command + b"\x00" * (12 - len(command))
        header += struct.pack("<I", len(payload)) + Hash(payload)[:4]
        self.sock.sendall(header + payload)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by minicashd")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_raw(self):
        header = self._read(24)
        length = struct.unpack("<I", header[16:20])[0]
        payload = self._read(length)
        return header, payload

    def recv(self, wanted, timeout=30):
        """The next message with command `wanted` (bytes): the bitcoinlib object, or the
        raw payload for commands bitcoinlib cannot parse. Pings are answered."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(max(0.1, deadline - time.time()))
            header, payload = self.recv_raw()
            command = header[4:16].split(b"\x00", 1)[0]
            if command == b"ping":
                ping = msgs.MsgSerializable.from_bytes(header + payload)
                self.send(msgs.msg_pong(nonce=ping.nonce))
            if command != wanted:
                continue
            if command in (b"headers", b"wtxidrelay", b"sendaddrv2", b"sendheaders", b"feefilter"):
                return payload
            return msgs.MsgSerializable.from_bytes(header + payload)
        raise TimeoutError("no %r within %d s" % (wanted, timeout))

    def handshake(self):
        v = msgs.msg_version(protover=70016)
        v.nServices = 1 | 8
        v.nStartingHeight = 0
        v.strSubVer = b"/bitcoinlib-test/"
        self.send(v)
        theirs = self.recv(b"version")
        self.send_raw(b"wtxidrelay")
        self.send(msgs.msg_verack())
        self.recv(b"verack")
        return theirs

    def closed(self, timeout=10):
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def parse_headers(payload):
    """A headers payload (bitcoinlib 0.11 does not skip the per-header tx count)."""
    f = io.BytesIO(payload)
    first = f.read(1)[0]
    if first < 0xfd:
        count = first
    elif first == 0xfd:
        count = struct.unpack("<H", f.read(2))[0]
    else:
        raise ValueError("unexpected header count encoding")
    out = []
    for _ in range(count):
        out.append(CBlockHeader.deserialize(f.read(80)))
        assert f.read(1) == b"\x00", "headers must carry a zero transaction count"
    return out


def script_num_push(n):
    return CScript([n, OP_0])  # BIP34 height push, padded to the 2-byte minimum


def mine_block(prev_hash, height, ntime):
    coinbase = CMutableTransaction(
        [CMutableTxIn(COutPoint(), script_num_push(height), 0xffffffff)],
        [CMutableTxOut(50 * COIN, P2SH_TRUE)])
    coinbase.nVersion = 2
    txs = [CTransaction.from_tx(coinbase)]
    root = CBlock.build_merkle_tree_from_txs(txs)[-1]
    nonce = 0
    target = 0x7fffff << (8 * (0x20 - 3))
    while True:
        header = CBlockHeader(nVersion=0x20000000, hashPrevBlock=prev_hash, hashMerkleRoot=root,
                              nTime=ntime, nBits=0x207fffff, nNonce=nonce)
        if int.from_bytes(header.GetHash(), "little") <= target:
            return CBlock(nVersion=header.nVersion, hashPrevBlock=prev_hash, hashMerkleRoot=root, nTime=ntime,
                          nBits=0x207fffff, nNonce=nonce, vtx=txs)
        nonce += 1


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def run():
    bitcoin.SelectParams("regtest")
    # No RPC: the test talks P2P only, and start() waits for the P2P port.
    daemon = minicash_test.TestNode("p2p-py", p2p=True, rpc=False,
                                    args=["-connect=0", "-listen=1", "-debug=net", "-dbcache=16", "-par=1"])
    try:
        daemon.start()
        peer = Peer(daemon.p2p_port)
        theirs = peer.handshake()
        check(theirs.nVersion == 70016, "minicashd speaks protocol 70016")
        check(theirs.nServices & 1 and theirs.nServices & 8, "minicashd offers NODE_NETWORK and NODE_WITNESS")
        check(theirs.strSubVer.startswith(b"/minicash:"), "user agent %r" % theirs.strSubVer)
        peer.send(msgs.msg_ping(nonce=0x1234567890))
        check(peer.recv(b"pong").nonce == 0x1234567890, "ping answered with the same nonce")

        # Blocks mined here, sent unsolicited, each extending minicashd's tip.
        blocks = []
        prev = REGTEST_GENESIS
        start = int(time.time()) - 1000
        for height in range(1, 111):
            block = mine_block(prev, height, start + height)
            blocks.append(block)
            prev = block.GetHash()
            m = msgs.msg_block()
            m.block = block
            peer.send(m)

        # getheaders from genesis answers with the 110 headers, in order.
        deadline = time.time() + 60
        headers = []
        while time.time() < deadline:
            gh = msgs.msg_getheaders(protover=70016)
            gh.locator = CBlockLocator(protover=70016)
            gh.locator.vHave = [REGTEST_GENESIS]
            peer.send(gh)
            headers = parse_headers(peer.recv(b"headers"))
            if len(headers) == len(blocks):
                break
            time.sleep(0.2)
        check(len(headers) == 110, "getheaders returns the 110 blocks sent (%d)" % len(headers))
        check([h.GetHash() for h in headers] == [b.GetHash() for b in blocks], "header hashes match")
        gh = msgs.msg_getheaders(protover=70016)
        gh.locator = CBlockLocator(protover=70016)
        gh.locator.vHave = [blocks[99].GetHash(), REGTEST_GENESIS]
        gh.hashstop = blocks[104].GetHash()
        peer.send(gh)
        part = parse_headers(peer.recv(b"headers"))
        check([h.GetHash() for h in part] == [b.GetHash() for b in blocks[100:105]],
              "getheaders honours the locator and hash_stop")

        # getdata for blocks: both flavours return the block byte for byte.
        for inv_type in (MSG_BLOCK, MSG_BLOCK | MSG_WITNESS_FLAG):
            gd = msgs.msg_getdata()
            gd.inv = [CInv()]
            gd.inv[0].type = inv_type
            gd.inv[0].hash = blocks[49].GetHash()
            peer.send(gd)
            got = peer.recv(b"block").block
            check(got.serialize() == blocks[49].serialize(), "getdata type %#x returns block 50" % inv_type)
        gd = msgs.msg_getdata()
        gd.inv = [CInv()]
        gd.inv[0].type = MSG_TX
        gd.inv[0].hash = b"\x42" * 32
        peer.send(gd)
        nf = peer.recv(b"notfound")
        check(len(nf.inv) == 1 and nf.inv[0].hash == b"\x42" * 32, "unknown transaction: notfound")

        # A transaction spending the first coinbase (matured: 110 blocks deep).
        coinbase = blocks[0].vtx[0]
        tx = CMutableTransaction(
            [CMutableTxIn(COutPoint(coinbase.GetTxid(), 0), CScript([bytes([OP_TRUE])]), 0xfffffffd)],
            [CMutableTxOut(50 * COIN - 20000, P2SH_TRUE)])
        tx.nVersion = 2
        tx = CTransaction.from_tx(tx)
        m = msgs.msg_tx()
        m.tx = tx
        # A watcher connected beforehand learns of it by inv (trickled) and may then
        # fetch it; as Core, minicashd serves getdata only for what it announced.
        watcher = Peer(daemon.p2p_port)
        watcher.handshake()
        peer.send(m)
        announced = False
        deadline = time.time() + 30
        while time.time() < deadline and not announced:
            inv = watcher.recv(b"inv", timeout=max(1, deadline - time.time()))
            announced = any(i.hash == tx.GetTxid() for i in inv.inv)
        check(announced, "the transaction entered minicashd's mempool and was announced")
        gd = msgs.msg_getdata()
        gd.inv = [CInv()]
        gd.inv[0].type = MSG_TX
        gd.inv[0].hash = tx.GetTxid()
        watcher.send(gd)
        found = watcher.recv(b"tx").tx
        check(found.serialize() == tx.serialize(), "getdata MSG_TX returns it unchanged")

        # A second peer announcing the same transaction by wtxid gets no getdata for
        # it (minicashd already has it); announcing an unknown one does.
        other = Peer(daemon.p2p_port)
        other.handshake()
        unknown = b"\x77" * 32
        inv = msgs.msg_inv()
        inv.inv = [CInv(), CInv()]
        inv.inv[0].type, inv.inv[0].hash = MSG_WTX, tx.GetHash()
        inv.inv[1].type, inv.inv[1].hash = MSG_WTX, unknown
        other.send(inv)
        req = other.recv(b"getdata")
        hashes = [i.hash for i in req.inv]
        check(unknown in hashes and tx.GetHash() not in hashes,
              "inv by wtxid: only the unknown transaction is requested")

        # Garbage on a third connection: disconnected; the first peer is still served.
        bad = socket.create_connection(("127.0.0.1", daemon.p2p_port), timeout=30)
        # Taken for a BIP324 key and garbage: no terminator within 4,095 + 16 bytes.
        bad.sendall(b"\x00\x01\x02 this is not the bitcoin protocol \xff" * 120)
        bad.settimeout(10)
        closed = False
        try:
            while not closed:  # (minicashd's own key and garbage come first)
                closed = bad.recv(65536) == b""
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        check(closed, "a peer sending garbage is disconnected")
        peer.send(msgs.msg_ping(nonce=77))
        check(peer.recv(b"pong").nonce == 77, "the well-behaved peer is still served")
        check(daemon.running(), "minicashd is still running")
        code = daemon.stop()
        check(code == 0, "minicashd stops cleanly (exit %r)" % code)
        return 0
    except Exception:
        print(daemon.log()[-6000:])
        raise
    finally:
        daemon.cleanup()


if __name__ == "__main__":
    if len(sys.argv) != 1:
        print(__doc__)
        sys.exit(2)
    sys.exit(run())
