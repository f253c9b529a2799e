#!/usr/bin/env python3
"""End-to-end checks of the minicash-tx command line (run by ctest).

usage: minicash_tx_test.py     (minicash-tx from $MINICASH_BIN_DIR, default build/src)

Uses $MINICASH_VECTORS (default ../shared/vectors next to the repository); exits 77,
which ctest reports as skipped, when the vectors are absent.
"""
import json
import os
import sys

import minicash_test

checks = minicash_test.Checks()
expect = checks.check


def run(args, stdin=None):
    p = minicash_test.run([minicash_test.program("minicash-tx")] + args, input=stdin)
    return p.returncode, p.stdout, p.stderr


def main():
    vectors = minicash_test.vectors_dir()
    if vectors is None:
        print("skipped: vectors not found; set MINICASH_VECTORS")
        return minicash_test.SKIP
    chain = os.path.join(vectors, "chain")

    # Block summary of mainnet block 413567 (facts from the vectors README).
    rc, out, _ = run(["decodeblock", os.path.join(chain, "block413567.raw")])
    b = json.loads(out) if rc == 0 else {}
    expect(rc == 0, "decodeblock block413567 exits 0")
    expect(b.get("hash") == "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069", "block hash")
    expect(b.get("nTx") == 1557 and b.get("size") == 999887 and b.get("height") == 413567, "tx count, size, height")
    expect(b.get("merkle", {}).get("matches_header") is True and b["merkle"]["mutated"] is False, "merkle root check")
    expect(b.get("pow_valid") is True and b.get("witness", {}).get("commitment") == "absent", "pow, no commitment")

    # The block-170 transaction, out of a blk file, decoded from stdin.
    blk = os.path.join(chain, "mainnet-1-255.blk")
    rc, hextx, _ = run(["decodeblock", blk, "--index", "169", "--tx", "1", "--hex"])
    expect(rc == 0 and len(hextx.strip()) == 550, "extract block 170 tx as hex")
    rc, out, _ = run(["decode", "-"], stdin=hextx)
    t = json.loads(out) if rc == 0 else {}
    expect(t.get("txid") == "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", "txid of block 170 tx")
    expect([o["value"] for o in t.get("vout", [])] == [10, 40], "output values in BTC")
    expect('"value": 10.00000000' in out, "amounts printed with eight decimals")
    expect(t.get("vin", [{}])[0].get("scriptSig", {}).get("asm", "").endswith("[ALL]"), "scriptSig asm decodes sighash")
    expect(t.get("vout", [{}])[0].get("scriptPubKey", {}).get("type") == "pubkey", "output type")

    # Verification against the spent output, found in the file or given explicitly.
    rc, out, _ = run(["verify", hextx.strip(), "--prevouts-from", blk])
    expect(rc == 0 and json.loads(out).get("valid") is True, "verify block 170 tx with --prevouts-from")
    p2pk = "410411db93e1dcdb8a016b49840f8c53bc1eb68a382e97b1482ecad7b148a6909a5cb2e0eaddfb84ccf9744464f82e160bfa9b8b64f9d4c03f999b8643f656b412a3ac"
    rc, out, _ = run(["verify", hextx.strip(), "--prevout", p2pk + ":5000000000"])
    expect(rc == 0, "verify with an explicit --prevout")
    wrong = p2pk.replace("0411db", "0411dc")
    rc, out, _ = run(["verify", hextx.strip(), "--prevout", wrong + ":5000000000"])
    expect(rc == 2 and json.loads(out)["inputs"][0]["result"] != "OK", "wrong key: exit 2 with a script error")

    # Whole-file verification: every script of the regtest chain, then a corrupted copy.
    chain_a = os.path.join(chain, "regtest", "chain-a.blk")
    rc, out, _ = run(["verifyblocks", "--quiet", chain_a])
    expect(rc == 0 and "verified 6796 inputs" in out and "RESULT: all valid" in out, "verifyblocks chain-a")
    with open(chain_a, "rb") as f:
        data = bytearray(f.read())
    data[len(data) - 300] ^= 1
    with minicash_test.TempDir("tx-test") as tmp:
        corrupted = os.path.join(tmp.path, "corrupted.blk")
        with open(corrupted, "wb") as f:
            f.write(data)
        rc, out, _ = run(["verifyblocks", "--quiet", corrupted])
        expect(rc == 2 and "FAIL" in out, "corrupted chain: exit 2 with failures listed")

    # Bad input: a message on stderr and exit 1, never a crash.
    for args, stdin, what in [
        (["decode", "zz"], None, "non-hex"),
        (["decode", "0100"], None, "truncated transaction"),
        (["decode", "-"], "", "empty stdin"),
        (["decodeblock", "/nonexistent/file"], None, "missing file"),
        (["decodeblock", blk, "--index", "255"], None, "index out of range"),
        (["decodeblock", blk, "--index", "-1"], None, "negative index"),
        (["verify", hextx.strip()], None, "verify without prevouts"),
        (["verify", hextx.strip(), "--prevout", "zz:1"], None, "bad --prevout"),
        (["verify", hextx.strip(), "--prevout", p2pk + ":1", "--flags", "WITNESS"], None, "WITNESS without P2SH"),
        (["frobnicate"], None, "unknown command"),
        (["decode", "--no-such-option", "00"], None, "unknown option"),
    ]:
        rc, out, err = run(args, stdin)
        expect(rc == 1 and err.startswith("minicash-tx: error:"), f"bad input ({what}): exit 1 with a message")

    return checks.exit_code("minicash_tx_test")


if __name__ == "__main__":
    sys.exit(main())
