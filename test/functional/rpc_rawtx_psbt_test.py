#!/usr/bin/python3
"""The raw transaction, PSBT, utility and mempool-query RPCs of a running minicashd, driven
over JSON-RPC (and minicash-cli) and checked against an independent implementation,
python3-bitcoinlib: its keys, addresses, scripts, message signatures, transaction decoder
and script interpreter.

One node (-regtest -txindex -blockfilterindex), blocks mined to a P2PKH address of a
bitcoinlib key, then:
  1. validateaddress, getdescriptorinfo, deriveaddresses, createmultisig against
     bitcoinlib's addresses and scripts;
  2. verifymessage of bitcoinlib's signature; bitcoinlib verifies signmessagewithprivkey's;
  3. createrawtransaction decoded by bitcoinlib; signrawtransactionwithkey's signature
     verified by bitcoinlib's interpreter; the transaction relayed under bitcoinlib's txid;
  4. a child in the mempool: getmempoolancestors/descendants, gettxspendingprevout,
     savemempool;
  5. PSBT: createpsbt = converttopsbt(createrawtransaction), utxoupdatepsbt, analyzepsbt,
     descriptorprocesspsbt with the key's descriptor, combinepsbt, finalizepsbt (the
     result verified by bitcoinlib), joinpsbts, decodepsbt;
  6. gettxoutproof/verifytxoutproof, scanblocks, estimaterawfee;
  7. bad input answered with Core's error codes.
The daemon (minicash_test.TestNode) is always stopped and its directory removed.

Usage: rpc_rawtx_psbt_test.py  (minicashd from $MINICASH_BIN_DIR, default build/src; exit 77 = skipped)
"""
import json
import os
import sys
from decimal import Decimal

import minicash_test

try:
    import bitcoin
    from bitcoin.core import CTransaction, b2lx, x
    from bitcoin.core.script import CScript, OP_CHECKMULTISIG
    from bitcoin.core.scripteval import SCRIPT_VERIFY_P2SH, VerifyScript
    from bitcoin.signmessage import BitcoinMessage, SignMessage, VerifyMessage
    from bitcoin.wallet import CBitcoinSecret, P2PKHBitcoinAddress, P2SHBitcoinAddress
except ImportError as e:  # python3-bitcoinlib not installed: skip
    print("SKIP: python3-bitcoinlib is not available (%s)" % e)
    sys.exit(minicash_test.SKIP)

bitcoin.SelectParams("regtest")
checks = minicash_test.Checks()
check = checks.check


def key(n):
    return CBitcoinSecret.from_secret_bytes(bytes([n]) * 32)


def error_of(node, method, *params):
    """(code, message) of the error `method` answers with; (0, '') on success."""
    try:
        node.rpc(method, *params)
        return 0, ""
    except minicash_test.RpcError as e:
        return e.code, e.message


def verifies(tx_hex, spent_scripts):
    """bitcoinlib's interpreter (P2SH rules) accepts every input of `tx_hex`."""
    tx = CTransaction.deserialize(x(tx_hex))
    try:
        for i, txin in enumerate(tx.vin):
            VerifyScript(txin.scriptSig, spent_scripts[i], tx, i, (SCRIPT_VERIFY_P2SH,))
        return True
    except Exception as e:  # bitcoinlib's VerifyScriptError and friends
        print("  bitcoinlib:", e)
        return False


def coinbase_txid(node, height):
    return node.rpc("getblock", node.rpc("getblockhash", height))["tx"][0]


def main():
    k1, k2, k3 = key(1), key(2), key(3)
    a1, a2 = P2PKHBitcoinAddress.from_pubkey(k1.pub), P2PKHBitcoinAddress.from_pubkey(k2.pub)
    spk1, spk2 = a1.to_scriptPubKey(), a2.to_scriptPubKey()
    with minicash_test.TestNode("rawtx-psbt", args=["-txindex=1", "-blockfilterindex=1"]) as node:
        node.start()
        node.mine(105, str(a1))

        # 1. addresses, descriptors and scripts
        v = node.rpc("validateaddress", str(a1))
        check(v["isvalid"] and v["scriptPubKey"] == spk1.hex() and not v["isscript"] and not v["iswitness"],
              "validateaddress gives bitcoinlib's scriptPubKey for a P2PKH address")
        check(node.rpc("validateaddress", "mzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")["isvalid"] is False,
              "validateaddress: a corrupt address is not valid")
        info = node.rpc("getdescriptorinfo", f"pkh({k1.pub.hex()})")
        check(info["descriptor"].startswith(f"pkh({k1.pub.hex()})#") and info["issolvable"]
              and not info["isrange"] and not info["hasprivatekeys"], "getdescriptorinfo adds the checksum")
        check(node.rpc("deriveaddresses", info["descriptor"]) == [str(a1)],
              "deriveaddresses gives bitcoinlib's P2PKH address")
        pubs = [k.pub.hex() for k in (k1, k2, k3)]
        ms = node.rpc("createmultisig", 2, pubs)
        redeem = CScript([2, k1.pub, k2.pub, k3.pub, 3, OP_CHECKMULTISIG])
        check(ms["redeemScript"] == redeem.hex(), "createmultisig: bitcoinlib's 2-of-3 redeem script")
        check(ms["address"] == str(P2SHBitcoinAddress.from_redeemScript(redeem)),
              "createmultisig: bitcoinlib's P2SH address")
        check(ms["descriptor"].startswith(f"sh(multi(2,{pubs[0]},{pubs[1]},{pubs[2]}))#"),
              "createmultisig: the descriptor")

        # 2. messages
        sig = SignMessage(k1, BitcoinMessage("minicash")).decode()
        check(node.rpc("verifymessage", str(a1), sig, "minicash") is True, "verifymessage accepts bitcoinlib's signature")
        check(node.rpc("verifymessage", str(a1), sig, "other") is False, "verifymessage: another message is false")
        ours = node.rpc("signmessagewithprivkey", str(k1), "from the node")
        check(VerifyMessage(a1, BitcoinMessage("from the node"), ours), "bitcoinlib verifies signmessagewithprivkey")

        # 3. a raw transaction spending the coinbase of block 1
        cb1 = coinbase_txid(node, 1)
        raw = node.rpc("createrawtransaction", [{"txid": cb1, "vout": 0}], [{str(a2): 49.999}])
        tx = CTransaction.deserialize(x(raw))
        check(b2lx(tx.vin[0].prevout.hash) == cb1 and tx.vin[0].prevout.n == 0 and len(tx.vout) == 1
              and tx.vout[0].nValue == 4999900000 and tx.vout[0].scriptPubKey == spk2 and tx.nVersion == 2,
              "createrawtransaction: bitcoinlib decodes the input and output asked for")
        signed = node.rpc("signrawtransactionwithkey", raw, [str(k1)])
        check(signed["complete"] and "errors" not in signed, "signrawtransactionwithkey completes a P2PKH input")
        check(verifies(signed["hex"], [spk1]), "bitcoinlib's interpreter accepts its signature")
        partial = node.rpc("signrawtransactionwithkey", raw, [str(k3)])
        check(not partial["complete"] and partial["errors"][0]["txid"] == cb1,
              "signrawtransactionwithkey with another key lists the input in errors")
        t1 = node.rpc("sendrawtransaction", signed["hex"])
        check(t1 == b2lx(CTransaction.deserialize(x(signed["hex"])).GetTxid()), "relayed under bitcoinlib's txid")

        # 4. a child in the mempool
        raw2 = node.rpc("createrawtransaction", [{"txid": t1, "vout": 0}], {str(a1): 49.998})
        t2 = node.rpc("sendrawtransaction", node.rpc("signrawtransactionwithkey", raw2, [str(k2)])["hex"])
        check(node.rpc("getmempoolancestors", t2) == [t1], "getmempoolancestors lists the parent")
        check(node.rpc("getmempooldescendants", t1) == [t2], "getmempooldescendants lists the child")
        verbose = node.rpc("getmempoolancestors", t2, True)
        check(list(verbose) == [t1] and verbose[t1]["descendantcount"] == 2,
              "getmempoolancestors verbose: entries as getmempoolentry's")
        check(node.rpc("getmempoolancestors", t1) == [], "a transaction without parents has no ancestors")
        spending = node.rpc("gettxspendingprevout", [{"txid": t1, "vout": 0}, {"txid": cb1, "vout": 1}])
        check(spending == [{"txid": t1, "vout": 0, "spendingtxid": t2}, {"txid": cb1, "vout": 1}],
              "gettxspendingprevout: the spender, and nothing for an unspent output")
        saved = node.rpc("savemempool")
        check(os.path.isfile(saved["filename"]) and os.path.getsize(saved["filename"]) > 0,
              "savemempool writes mempool.dat and names it")
        block = node.mine(1, str(a1))[0]
        check(node.rpc("getrawmempool") == [], "both transactions mined")

        # 5. PSBT
        cb2 = coinbase_txid(node, 2)
        ins, outs = [{"txid": cb2, "vout": 0}], [{str(a2): 49.9}]
        psbt = node.rpc("createpsbt", ins, outs)
        check(psbt == node.rpc("converttopsbt", node.rpc("createrawtransaction", ins, outs)),
              "createpsbt = converttopsbt(createrawtransaction)")
        cli = node.cli("createpsbt", json.dumps(ins), json.dumps(outs))
        check(cli.returncode == 0 and cli.stdout.strip() == psbt, "minicash-cli converts createpsbt's JSON arguments")
        decoded = node.rpc("decodepsbt", psbt)
        check(decoded["tx"]["vin"][0]["txid"] == cb2 and "fee" not in decoded,
              "decodepsbt shows the unsigned transaction, no fee without the spent outputs")
        check(node.rpc("analyzepsbt", psbt)["next"] == "updater", "analyzepsbt: a new PSBT goes to the updater")
        updated = node.rpc("utxoupdatepsbt", psbt, [f"pkh({k1.pub.hex()})"])
        u = node.rpc("decodepsbt", updated)
        check("non_witness_utxo" in u["inputs"][0] or "witness_utxo" in u["inputs"][0],
              "utxoupdatepsbt adds the spent output")
        analysis = node.rpc("analyzepsbt", updated)
        check(analysis["next"] == "signer" and Decimal(str(analysis["fee"])) == Decimal("0.1"),
              f"analyzepsbt: the signer is next, fee 0.1 ({analysis.get('next')}, {analysis.get('fee')})")
        processed = node.rpc("descriptorprocesspsbt", updated, [f"pkh({k1})"], "ALL", True, False)
        check(processed["complete"] is False and "hex" not in processed,
              "descriptorprocesspsbt with finalize=false signs without finalizing")
        combined = node.rpc("combinepsbt", [updated, processed["psbt"]])
        final = node.rpc("finalizepsbt", combined)
        check(final["complete"] and verifies(final["hex"], [spk1]),
              "combinepsbt + finalizepsbt: bitcoinlib's interpreter accepts the transaction")
        direct = node.rpc("descriptorprocesspsbt", psbt, [f"pkh({k1})"])
        check(direct["complete"] and direct["hex"] == final["hex"],
              "descriptorprocesspsbt finalizes and extracts the same transaction")
        check(node.rpc("analyzepsbt", node.rpc("finalizepsbt", combined, False)["psbt"])["next"] == "extractor",
              "analyzepsbt: a finalized PSBT goes to the extractor")
        other = node.rpc("createpsbt", [{"txid": coinbase_txid(node, 3), "vout": 0}], [{str(a1): 1}])
        joined = node.rpc("decodepsbt", node.rpc("joinpsbts", [psbt, other]))
        check(len(joined["inputs"]) == 2 and len(joined["outputs"]) == 2, "joinpsbts: two inputs, two outputs")
        t3 = node.rpc("sendrawtransaction", final["hex"], 0)  # 0.1 BTC fee: above the default maxfeerate
        check(t3 == b2lx(CTransaction.deserialize(x(final["hex"])).GetTxid()), "the PSBT's transaction relays")

        # 6. proofs, filters, fees
        proof = node.rpc("gettxoutproof", [t1])
        check(node.rpc("verifytxoutproof", proof) == [t1], "verifytxoutproof gives back the transaction")
        check(node.rpc("verifytxoutproof", node.rpc("gettxoutproof", [t2], block)) == [t2],
              "gettxoutproof with the block hash")
        minicash_test.wait_until(lambda: node.rpc("getindexinfo")["basic block filter index"]["synced"], 60)
        found = node.rpc("scanblocks", "start", [f"addr({a2})"])
        check(found["from_height"] == 0 and found["to_height"] == node.rpc("getblockcount")
              and block in found["relevant_blocks"], "scanblocks finds the block paying bitcoinlib's address")
        check(node.rpc("scanblocks", "status") is None, "scanblocks status: no scan running")
        fee = node.rpc("estimaterawfee", 2)
        check(set(fee) <= {"short", "medium", "long"} and "short" in fee, "estimaterawfee answers per horizon")

        # 7. bad input: Core's codes
        check(error_of(node, "createrawtransaction", [{"txid": "00", "vout": 0}], {})[0] == -8,
              "createrawtransaction: a short txid is -8")
        check(error_of(node, "signrawtransactionwithkey", raw, ["notakey"]) == (-5, "Invalid private key"),
              "signrawtransactionwithkey: a bad key is -5")
        check(error_of(node, "decodepsbt", "cHNidP8=")[0] == -22, "decodepsbt: a truncated PSBT is -22")
        check(error_of(node, "combinepsbt", [])[0] == -8, "combinepsbt: no PSBTs is -8")
        check(error_of(node, "getmempoolancestors", "00" * 32)[0] == -5, "getmempoolancestors: unknown txid is -5")
        check(error_of(node, "estimaterawfee", 0)[0] == -8, "estimaterawfee: target 0 is -8")
        check(error_of(node, "deriveaddresses", "pkh(00)")[0] == -5, "deriveaddresses: a bad key is -5")
        check(node.rpc("getblockcount") > 0, "the node still answers")
    return checks.exit_code("rpc_rawtx_psbt_test")


if __name__ == "__main__":
    sys.exit(main())
