#!/usr/bin/python3
"""ZMQ notifications seen by an independent subscriber: python3-zmq (Debian's pyzmq).

One minicashd -regtest publishing every topic on one address (hashblock, hashtx,
rawblock, rawtx, sequence) and hashtx again on a second one. Two SUB sockets read
everything; every message must be [topic, body, 4-byte LE sequence] with each
notifier's numbers consecutive. Checked message by message, against the node's own RPC
answers, in Core's order:
  - 100 blocks mined: per block hashtx/rawtx of the coinbase, sequence C, hashblock, rawblock;
  - a transaction sent: hashtx, rawtx, sequence A with the mempool sequence number
    (getrawmempool mempool_sequence=true agrees);
  - a replacement: sequence R of the old one, then the new one's hashtx, rawtx, A;
  - a block mining it: no R (the removal still takes a number), its transactions, C, hashblock;
  - invalidateblock: the block's transactions, D, then the transaction back in the
    mempool (A), and no hashblock;
  - two new blocks (the reorganisation completed): each block's messages;
  - a block (generateblock) with a conflicting spend: R of the mempool transaction first, then C;
  - getzmqnotifications; addresses that cannot be bound and bad options: exit status 1
    with a message naming the option, no node left running.
The daemons are started with minicash_test (TestNode, or run() for the failing ones).

Usage: zmq_python.py   (minicashd from $MINICASH_BIN_DIR, default build/src; exit 77 = skipped)
"""
import struct
import sys

import minicash_test

try:
    import zmq
except ImportError as e:
    print("SKIP: python3-zmq is not available (%s); contrib/install-deps.sh installs it" % e)
    sys.exit(minicash_test.SKIP)

checks = minicash_test.Checks()
check = checks.check
P2SH_TRUE_ADDRESS = None  # set in main (regtest P2SH of OP_TRUE, from the node's decodescript)


class Subscriber:
    """A SUB socket: recv() gives (topic, body); each topic's sequence numbers must follow on."""

    def __init__(self, ctx, address, topic=b""):
        self.sock = ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.SUBSCRIBE, topic)
        self.sock.setsockopt(zmq.RCVTIMEO, 60000)
        self.sock.connect(address)
        self.last = {}
        self.sequence_errors = []
        self.parts_errors = []

    def recv(self, timeout_ms=60000):
        self.sock.setsockopt(zmq.RCVTIMEO, timeout_ms)
        parts = self.sock.recv_multipart()
        if len(parts) != 3 or len(parts[2]) != 4:
            self.parts_errors.append([p[:40] for p in parts])
            return None, b""
        topic, body, seq = parts
        n = struct.unpack("<I", seq)[0]
        if topic in self.last and n != (self.last[topic] + 1) % 2**32:
            self.sequence_errors.append((topic, self.last[topic], n))
        self.last[topic] = n
        return topic.decode(), body

    def try_recv(self, timeout_ms):
        try:
            return self.recv(timeout_ms)
        except zmq.Again:
            return None


def seq_body(hash_hex, label, mempool_sequence=None):
    body = bytes.fromhex(hash_hex) + label.encode()
    if mempool_sequence is not None:
        body += struct.pack("<Q", mempool_sequence)
    return body


def tx_messages(txid, raw_hex):
    return [("hashtx", bytes.fromhex(txid)), ("rawtx", bytes.fromhex(raw_hex))]


def block_messages(node, block_hash, label, tip=True):
    """What a connected ('C') or disconnected ('D') block publishes on the all-topics socket."""
    out = []
    for tx in node.rpc("getblock", block_hash, 2)["tx"]:
        out += tx_messages(tx["txid"], tx["hex"])
    out.append(("sequence", seq_body(block_hash, label)))
    if tip:
        out += [("hashblock", bytes.fromhex(block_hash)),
                ("rawblock", bytes.fromhex(node.rpc("getblock", block_hash, 0)))]
    return out


def expect(sub, wanted, what):
    got = []
    for _ in wanted:
        try:
            got.append(sub.recv())
        except zmq.Again:
            got.append(("(nothing within 60 s)", b""))
            break
    ok = got == wanted
    detail = ""
    if not ok:
        for i, (w, g) in enumerate(zip(wanted, got + [None] * len(wanted))):
            if w != g:
                detail = f": message {i} is {g[0] if g else None} {g[1][:40].hex() if g else ''}, " \
                         f"expected {w[0]} {w[1][:40].hex()}"
                break
    return check(ok, what + detail)


def expect_quiet(sub, what):
    """Nothing more was published (checked after a later marker message, not by waiting)."""
    check(sub.try_recv(0) is None, what)


def mempool_sequence(node):
    return node.rpc("getrawmempool", False, True)["mempool_sequence"]


def bad_start(args, expected, what):
    """minicashd with `args` must exit 1 at start-up with `expected` in its message."""
    with minicash_test.TempDir("zmq-bad") as d:
        argv = [minicash_test.program("minicashd"), "-regtest", f"-datadir={d.path}", "-listen=0", "-connect=0",
                f"-rpcport={minicash_test.free_port()}"] + args
        p = minicash_test.run(argv, timeout=120)
        check(p.returncode == 1 and expected in p.stderr,
              f"{what}: exit 1 with {expected!r} (got {p.returncode}: {p.stderr.strip()[:200]!r})")
        check(not minicash_test.processes_under(d.path), f"{what}: no daemon left running")


def main():
    global P2SH_TRUE_ADDRESS
    port_a, port_b = minicash_test.free_port(), minicash_test.free_port()
    addr_a, addr_b = f"tcp://127.0.0.1:{port_a}", f"tcp://127.0.0.1:{port_b}"
    topics = ["hashblock", "hashtx", "rawblock", "rawtx", "sequence"]
    args = [f"-zmqpub{t}={addr_a}" for t in topics] + [f"-zmqpubhashtx={addr_b}", "-zmqpubrawtxhwm=2000"]
    ctx = zmq.Context()
    try:
        with minicash_test.TestNode("zmq", args=args) as node:
            node.start()
            check(node.rpc("getzmqnotifications") == [
                {"type": "pubhashblock", "address": addr_a, "hwm": 1000},
                {"type": "pubhashtx", "address": addr_a, "hwm": 1000},
                {"type": "pubhashtx", "address": addr_b, "hwm": 1000},
                {"type": "pubrawblock", "address": addr_a, "hwm": 1000},
                {"type": "pubrawtx", "address": addr_a, "hwm": 2000},
                {"type": "pubsequence", "address": addr_a, "hwm": 1000}],
                "getzmqnotifications: Core's order (by type, then as given) and each notifier's hwm")
            P2SH_TRUE_ADDRESS = node.rpc("decodescript", "51")["p2sh"]
            all_topics = Subscriber(ctx, addr_a)
            hashtx_b = Subscriber(ctx, addr_b, b"hashtx")

            # A subscription reaches the publisher a moment after connect(): mine until both
            # sockets hear something, then use one more block as the marker everything
            # before which is skipped.
            heard_a = heard_b = False
            for _ in range(200):
                node.mine(1, P2SH_TRUE_ADDRESS)
                heard_a = heard_a or all_topics.try_recv(100) is not None
                heard_b = heard_b or hashtx_b.try_recv(100) is not None
                if heard_a and heard_b:
                    break
            check(heard_a and heard_b, "both subscriptions are live")
            marker = node.mine(1, P2SH_TRUE_ADDRESS)[0]
            marker_cb = node.rpc("getblock", marker)["tx"][0]
            while all_topics.recv() != ("hashblock", bytes.fromhex(marker)):
                pass
            expect(all_topics, [("rawblock", bytes.fromhex(node.rpc("getblock", marker, 0)))], "marker's rawblock")
            while hashtx_b.recv() != ("hashtx", bytes.fromhex(marker_cb)):
                pass

            # ---- 100 blocks: coinbases mature for the spends below ----
            start = node.rpc("getblockcount")
            hashes = node.mine(100, P2SH_TRUE_ADDRESS)
            wanted = []
            for h in hashes:
                wanted += block_messages(node, h, "C")
            expect(all_topics, wanted, "100 blocks: hashtx, rawtx of the coinbase, sequence C, hashblock, rawblock each")
            expect(hashtx_b, [("hashtx", bytes.fromhex(node.rpc("getblock", h)["tx"][0])) for h in hashes],
                   "100 blocks: the second address's hashtx has each coinbase")
            script_hex = node.rpc("getblock", hashes[0], 2)["tx"][0]["vout"][0]["scriptPubKey"]["hex"]
            coinbases = [node.rpc("getblock", node.rpc("getblockhash", start - i))["tx"][0] for i in range(3)]
            value = round(node.rpc("getblock", node.rpc("getblockhash", start), 2)["tx"][0]["vout"][0]["value"] * 10**8)

            # ---- a transaction, then its replacement ----
            s0 = mempool_sequence(node)
            tx1 = minicash_test.op_true_spend(coinbases[0], 0, value, 10000, script_hex)
            txid1 = node.rpc("sendrawtransaction", tx1)
            expect(all_topics, tx_messages(txid1, tx1) + [("sequence", seq_body(txid1, "A", s0))],
                   "sendrawtransaction: hashtx, rawtx, sequence A with the mempool sequence number")
            check(mempool_sequence(node) == s0 + 1, "getrawmempool mempool_sequence is the next number")
            tx1b = minicash_test.op_true_spend(coinbases[0], 0, value, 30000, script_hex)
            txid1b = node.rpc("sendrawtransaction", tx1b)
            expect(all_topics, [("sequence", seq_body(txid1, "R", s0 + 1))] + tx_messages(txid1b, tx1b) +
                   [("sequence", seq_body(txid1b, "A", s0 + 2))], "a replacement: R of the old one, then its A")
            expect(hashtx_b, [("hashtx", bytes.fromhex(txid1)), ("hashtx", bytes.fromhex(txid1b))],
                   "second address: hashtx of both")

            # ---- mined: no R, the removal still takes a number ----
            b1 = node.mine(1, P2SH_TRUE_ADDRESS)[0]
            check(node.rpc("getblock", b1)["tx"][1] == txid1b, "the block mines the replacement")
            expect(all_topics, block_messages(node, b1, "C"), "block with it: its transactions, C, hashblock, rawblock")
            expect(hashtx_b, [("hashtx", bytes.fromhex(t)) for t in node.rpc("getblock", b1)["tx"]],
                   "second address: the block's transactions")
            check(mempool_sequence(node) == s0 + 4, "the removal for the block took number s0+3")

            # ---- invalidateblock: D before the transaction comes back; no hashblock ----
            disconnected = block_messages(node, b1, "D", tip=False)
            node.rpc("invalidateblock", b1)
            expect(all_topics, disconnected + tx_messages(txid1b, tx1b) + [("sequence", seq_body(txid1b, "A", s0 + 4))],
                   "invalidateblock: the block's transactions, D, then A of the returned transaction")
            check(node.rpc("getrawmempool") == [txid1b], "the transaction is back in the mempool")

            # ---- new blocks: the reorganisation completes ----
            # (To another address: the same template in the same second would be the
            # invalidated block again, as with Core.)
            c1, c2 = node.mine(2, node.rpc("decodescript", "52")["p2sh"])
            check(node.rpc("getblock", c1)["tx"][1] == txid1b, "the new branch mines it again")
            expect(all_topics, block_messages(node, c1, "C") + block_messages(node, c2, "C"),
                   "two new blocks: each block's transactions, C, hashblock, rawblock (nothing of the old block)")
            expect(hashtx_b, [("hashtx", bytes.fromhex(t)) for t in
                              node.rpc("getblock", b1)["tx"] + [txid1b] + node.rpc("getblock", c1)["tx"] +
                              node.rpc("getblock", c2)["tx"]], "second address through the reorganisation")
            check(mempool_sequence(node) == s0 + 6, "mempool sequence after the reorganisation")

            # ---- a block with a conflicting spend: R (conflict) before C ----
            tx2 = minicash_test.op_true_spend(coinbases[1], 0, value, 10000, script_hex)
            txid2 = node.rpc("sendrawtransaction", tx2)
            expect(all_topics, tx_messages(txid2, tx2) + [("sequence", seq_body(txid2, "A", s0 + 6))], "tx2 added")
            tx2c = minicash_test.op_true_spend(coinbases[1], 0, value, 20000, script_hex, sequence=0xfffffffe)
            d1 = node.rpc("generateblock", P2SH_TRUE_ADDRESS, [tx2c])["hash"]
            expect(all_topics, [("sequence", seq_body(txid2, "R", s0 + 7))] + block_messages(node, d1, "C"),
                   "generateblock with a conflicting spend: R of the mempool transaction, then the block")
            check(node.rpc("getrawmempool") == [], "the conflicted transaction is gone")

            # Nothing else was published: a last marker block is the next message.
            last = node.mine(1, P2SH_TRUE_ADDRESS)[0]
            expect(all_topics, block_messages(node, last, "C")[:2], "nothing published in between (marker next)")
            check(not all_topics.sequence_errors and not hashtx_b.sequence_errors,
                  f"every notifier's sequence numbers follow on ({all_topics.sequence_errors[:3]}"
                  f"{hashtx_b.sequence_errors[:3]})")
            check(not all_topics.parts_errors and not hashtx_b.parts_errors, "every message has three parts")

            # ---- what cannot start ----
            bad_start([f"-zmqpubhashblock={addr_a}"], f"cannot start ZMQ notifications: -zmqpubhashblock={addr_a}: "
                      "Address already in use", "an address another node has bound")
            bad_start(["-zmqpubrawtx=foo"], "cannot start ZMQ notifications: -zmqpubrawtx=foo: ", "not a ZMQ address")
            bad_start([f"-zmqpubhashtx=tcp://127.0.0.1:{minicash_test.free_port()}", "-zmqpubsequence=tcp://bad host:1"],
                      "cannot start ZMQ notifications: -zmqpubsequence=tcp://bad host:1: ",
                      "the second address fails after the first was bound")
            bad_start(["-zmqpubsequencehwm=-5", f"-zmqpubsequence=tcp://127.0.0.1:{minicash_test.free_port()}"],
                      "-zmqpubsequencehwm must be between 0 and 2147483647", "a negative high-water mark")
            bad_start(["-zmqpubhashtx=unix:/nonexistent-dir/minicash.sock"],
                      "-zmqpubhashtx=ipc:///nonexistent-dir/minicash.sock: ", "a UNIX socket in a missing directory")
            check(node.running() and node.rpc("getzmqnotifications")[0]["address"] == addr_a,
                  "the running node kept its notifications")
            node.stop()
    finally:
        ctx.destroy(linger=0)
    return checks.exit_code("zmq_python")


if __name__ == "__main__":
    sys.exit(main())
