#!/usr/bin/python3
"""Runs every shell command shown in README.md and doc/*.md, in order, and fails when one fails.

Convention (also described in doc/devnet.md): every fenced block
whose language is sh, bash or shell must be preceded (on the nearest non-blank line) by
one of
    <!-- test: run -->
    <!-- test: skip (why it cannot run here) -->
An unmarked shell block is an error, so no new command escapes the test by accident.
Other fences (text, ini, json, ...) are not commands and are ignored.

Documents run in this order: README.md, then doc/*.md by name. The run blocks of one
document run in one bash process (set -eo pipefail), so a variable set in one block is
seen by the next, from the repository root, with:
    PATH                 <temporary>/shims, then BIN_DIR (minicashd, minicash-cli, minicash-wallet,
                         minicash-devnet). The shims give every -datadir its own free RPC port
                         (minicash_test.py free-port; replacing any -rpcport= in the command),
                         so the guides can show Core's default ports while parallel test runs
                         never collide.
    HOME                 a fresh temporary directory (so ~ and ~/.minicash are private)
    MINICASH_DEVNET_DIR  <temporary>/devnet (minicash-devnet's default directory)
    MINICASH_BUILD_DIR   BUILD_DIR, so contrib/run.sh uses this build instead of build/,
    MINICASH_RUN_NO_BUILD=1  and does not rebuild it (that would swap the binaries under
                         tests running in parallel; the build itself is run-tests.sh's job)
A document must stop whatever it starts: afterwards no process may still run from the
temporary directory (any found is killed and the test fails).

    run_doc_commands.py [--bin-dir BIN_DIR] [--build-dir BUILD_DIR] [--root REPO] [--only FILE]

BIN_DIR defaults to $MINICASH_BIN_DIR (set by ctest), else build/src.
"""

import argparse
import glob
import os
import re
import subprocess
import sys

import minicash_test

MARK = re.compile(r"^\s*<!--\s*test:\s*(run|skip)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
SHELL_LANGS = {"sh", "bash", "shell"}
DOC_TIMEOUT = 1200  # seconds per document (README's run.sh builds when needed)


class Block:
    def __init__(self, path, line, mark, reason, text):
        self.path, self.line, self.mark, self.reason, self.text = path, line, mark, reason, text

    def commands(self):
        return [ln for ln in self.text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def parse_document(path, rel):
    """Returns (blocks, errors): the shell blocks with their markers, and unmarked ones."""
    blocks, errors = [], []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        if lang not in SHELL_LANGS:
            continue
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = MARK.match(lines[k]) if k >= 0 else None
        if not mark:
            errors.append(f"{rel}:{start + 1}: shell block without a <!-- test: run --> or "
                          "<!-- test: skip (reason) --> marker")
            continue
        reason = mark.group(2).strip("() ")
        if mark.group(1) == "skip" and not reason:
            errors.append(f"{rel}:{k + 1}: a skip marker needs a reason: <!-- test: skip (why) -->")
            continue
        blocks.append(Block(rel, start + 1, mark.group(1), reason, "\n".join(body)))
    return blocks, errors


def run_document(doc, blocks, env, root, tmp):
    """Runs one document's run blocks in one bash; returns None or a failure message."""
    status = os.path.join(tmp, "block-status")
    script = ["set -eo pipefail", f"cd {shlex_quote(root)}"]
    for n, b in enumerate(blocks):
        script.append(f"echo {n} > {shlex_quote(status)}")
        script.append(f"printf '\\n--- {b.path}:{b.line}\\n' >&2")
        script.append(b.text)
    script.append(f"echo done > {shlex_quote(status)}")
    path = os.path.join(tmp, "doc-script.sh")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    if os.path.exists(status):
        os.remove(status)
    print(f"=== {doc}: {len(blocks)} block(s)", flush=True)
    try:
        p = subprocess.run(["bash", path], env=env, cwd=root, timeout=DOC_TIMEOUT, stdin=subprocess.DEVNULL)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        rc = None
    try:
        with open(status) as f:
            where = f.read().strip()
    except OSError:
        where = "0"
    if rc == 0 and where == "done":
        return None
    b = blocks[int(where)] if where.isdigit() else blocks[-1]
    what = f"timed out after {DOC_TIMEOUT} s" if rc is None else f"failed with exit status {rc}"
    return f"{b.path}:{b.line}: the block\n{indent_text(b.text)}\n{what}"


def shlex_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


def indent_text(t):
    return "\n".join("    " + ln for ln in t.splitlines())


def cleanup(env, tmp, bin_dir):
    """Resets the devnet directory and kills anything still running from tmp; returns what was found."""
    devnet = os.path.join(bin_dir, "minicash-devnet")
    if os.path.isdir(env["MINICASH_DEVNET_DIR"]) and os.path.exists(devnet):
        subprocess.run([sys.executable, devnet, "reset"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    # A node told to `stop` answers first and exits a moment later: give it time.
    return minicash_test.kill_processes_under(tmp, grace=30)


SHIM = r'''#!/bin/bash
# docs test shim for REAL: the same arguments, but a -datadir's RPC port is a free one
# chosen once per data directory (an explicit -rpcport= is replaced by it).
args=()
for a in "$@"; do
  case "$a" in
    -rpcport=*|--rpcport=*) ;;
    -datadir=*|--datadir=*)
      args+=("$a")
      f="PORTS/$(printf '%s' "${a#*=}" | sha1sum | cut -c1-16)"
      [[ -s "$f" ]] || /usr/bin/python3 HARNESS free-port > "$f"
      args+=("-rpcport=$(cat "$f")") ;;
    *) args+=("$a") ;;
  esac
done
exec REAL "${args[@]}"
'''


def make_shims(tmp, bin_dir):
    """Writes <tmp>/shims/{minicashd,minicash-cli,minicash-wallet}; returns the directory."""
    shims, ports = os.path.join(tmp, "shims"), os.path.join(tmp, "ports")
    os.makedirs(shims)
    os.makedirs(ports)
    for name in ("minicashd", "minicash-cli", "minicash-wallet"):
        path = os.path.join(shims, name)
        with open(path, "w") as f:
            f.write(SHIM.replace("REAL", os.path.join(bin_dir, name)).replace("PORTS", ports)
                    .replace("HARNESS", os.path.abspath(minicash_test.__file__)))
        os.chmod(path, 0o755)
    return shims


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", default=minicash_test.bin_dir())
    ap.add_argument("--build-dir")
    ap.add_argument("--root", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    ap.add_argument("--only", help="run only this document (path relative to the root)")
    ap.add_argument("--list", action="store_true", help="list the blocks and their markers, run nothing")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    bin_dir = os.path.abspath(args.bin_dir)
    for b in ("minicashd", "minicash-cli", "minicash-devnet"):
        if not os.access(os.path.join(bin_dir, b), os.X_OK):
            print(f"docs test: {bin_dir}/{b} not found; build it first", file=sys.stderr)
            return 1

    docs = ["README.md"] + sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "doc", "*.md")))
    if args.only:
        docs = [d for d in docs if d == args.only]
        if not docs:
            print(f"docs test: no document {args.only}", file=sys.stderr)
            return 1
    parsed, errors = [], []
    for d in docs:
        blocks, errs = parse_document(os.path.join(root, d), d)
        parsed.append((d, blocks))
        errors += errs
    if errors:
        print("docs test: unmarked or badly marked shell blocks:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    if args.list:
        for d, blocks in parsed:
            for b in blocks:
                print(f"{b.path}:{b.line}: {b.mark}{' (' + b.reason + ')' if b.reason else ''}: "
                      f"{len(b.commands())} command(s)")
        return 0

    tmp_dir = minicash_test.TempDir("docs")
    tmp = tmp_dir.path
    env = dict(os.environ)
    env["PATH"] = make_shims(tmp, bin_dir) + os.pathsep + bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["HOME"] = os.path.join(tmp, "home")
    env["MINICASH_DEVNET_DIR"] = os.path.join(tmp, "devnet")
    if args.build_dir:
        env["MINICASH_BUILD_DIR"] = os.path.abspath(args.build_dir)
    env["MINICASH_RUN_NO_BUILD"] = "1"
    env.setdefault("MINICASH_VECTORS", os.path.realpath(os.path.join(root, "..", "shared", "vectors")))
    os.makedirs(env["HOME"])

    failures = []
    run_blocks = run_cmds = skip_blocks = skip_cmds = 0
    try:
        for d, blocks in parsed:
            runnable = [b for b in blocks if b.mark == "run"]
            for b in blocks:
                if b.mark == "skip":
                    skip_blocks += 1
                    skip_cmds += len(b.commands())
                    print(f"skip {b.path}:{b.line} ({b.reason})")
            if not runnable:
                continue
            failure = run_document(d, runnable, env, root, tmp)
            left = cleanup(env, tmp, bin_dir)
            if failure:
                failures.append(failure)
                print(f"FAILED {failure}", flush=True)
                break  # later documents may depend on this one's commands working
            run_blocks += len(runnable)
            run_cmds += sum(len(b.commands()) for b in runnable)
            if left:
                failures.append(f"{d}: left processes running: " + "; ".join(c for _, c in left))
                print(f"FAILED {failures[-1]}", flush=True)
                break
    finally:
        cleanup(env, tmp, bin_dir)
        tmp_dir.cleanup()

    print(f"\ndocs test: ran {run_blocks} block(s) ({run_cmds} command lines), skipped {skip_blocks} "
          f"block(s) ({skip_cmds} command lines) in {len(docs)} document(s)")
    if failures:
        print("docs test: FAILED\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
