#!/usr/bin/python3
"""doc/rpc.md must be what contrib/gen-rpc-doc.sh writes from the built minicashd's help.

    docs_rpc_reference.py     (programs from $MINICASH_BIN_DIR, default build/src)

Regenerates the reference into a temporary file and fails, showing the difference,
when doc/rpc.md is out of date. The generator starts (and always stops) its own
throw-away minicashd.
"""
import difflib
import os
import sys

import minicash_test


def main():
    committed = os.path.join(minicash_test.REPO, "doc", "rpc.md")
    with minicash_test.TempDir("rpc-md") as tmp:
        fresh = os.path.join(tmp.path, "rpc.md")
        p = minicash_test.run(["bash", os.path.join(minicash_test.REPO, "contrib", "gen-rpc-doc.sh"),
                               "--bin-dir", minicash_test.bin_dir(), "--out", fresh], timeout=120)
        if p.returncode != 0:
            print(f"docs_rpc_reference: contrib/gen-rpc-doc.sh failed ({p.returncode}):\n{p.stdout}{p.stderr}",
                  file=sys.stderr)
            return 1
        with open(committed) as f:
            want = f.readlines()
        with open(fresh) as f:
            got = f.readlines()
    if want != got:
        sys.stdout.writelines(difflib.unified_diff(want, got, "doc/rpc.md", "generated"))
        print("docs_rpc_reference: doc/rpc.md is out of date with minicashd's help; regenerate it with: "
              "bash contrib/gen-rpc-doc.sh", file=sys.stderr)
        return 1
    print(f"docs_rpc_reference: doc/rpc.md matches the help of {sum(ln.startswith('### ') for ln in got)} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
