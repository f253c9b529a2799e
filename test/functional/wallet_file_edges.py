#!/usr/bin/python3
"""The wallet file's edges (issue 19, item 5), through the real minicash-wallet:

  stale temporary file   a save killed before its rename leaves ".<name>.tmp-XXXXXX"
                         beside the wallet; the next open removes it
  mode                   a wallet file whose mode is not 0600 keeps it when saved, with a
                         warning; at 0400 the reading commands work read-only and the
                         writing ones refuse, leaving the file as it was
  read-only directory    on a read-only filesystem (a tmpfs remounted read-only) or in a
                         directory without write permission (when not root), balance,
                         history, listunspent, export-descriptors and getwalletinfo work
                         (and a backup can be made); no lock file is needed

The read-only-directory case needs either the right to mount (root) or a user whom
permissions bind; when neither holds it says so and leaves that case out.
"""

import os
import shutil
import stat
import subprocess
import sys

import minicash_test as mt

checks = mt.Checks()
READING = [["balance"], ["history"], ["listunspent"], ["export-descriptors"], ["getwalletinfo"]]


class Wallet:
    def __init__(self, node, path, passfile):
        self.node, self.path, self.passfile = node, path, passfile

    def run(self, *args):
        argv = [mt.program("minicash-wallet")] + self.node.client_args()
        argv += [f"-wallet={self.path}", f"-passphrasefile={self.passfile}", "-nosync"] + list(args)
        return mt.run(argv, timeout=120)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def stale_temporary_file(w):
    stale = os.path.join(os.path.dirname(w.path), "." + os.path.basename(w.path) + ".tmp-a1B2c3")
    with open(stale, "wb") as f:
        f.write(b"half a save")
    r = w.run("balance")
    checks.check(r.returncode == 0, f"stale temporary file: balance works ({r.returncode}: {r.stderr.strip()})")
    checks.check(not os.path.exists(stale), "stale temporary file: removed at open")
    checks.check("removed" in r.stderr and stale in r.stderr, "stale temporary file: the wallet says it removed it")
    other = os.path.join(os.path.dirname(w.path), ".other.wallet.tmp-a1B2c3")
    with open(other, "wb") as f:
        f.write(b"not ours")
    w.run("balance")
    checks.check(os.path.exists(other), "stale temporary file: another file's temporary file is left alone")
    os.remove(other)


def file_mode(w):
    os.chmod(w.path, 0o640)
    r = w.run("getnewaddress")
    checks.check(r.returncode == 0, "mode 0640: a writing command works")
    checks.check(mode_of(w.path) == 0o640, f"mode 0640: kept after the save (now {mode_of(w.path):04o})")
    checks.check("mode 0640, not 0600" in r.stderr, "mode 0640: the wallet warns")

    os.chmod(w.path, 0o400)
    before = open(w.path, "rb").read()
    for args in READING:
        r = w.run(*args)
        checks.check(r.returncode == 0, f"mode 0400: {args[0]} works read-only ({r.returncode}: {r.stderr.strip()})")
    r = w.run("getnewaddress")
    checks.check(r.returncode != 0 and "cannot be written" in r.stderr,
                 f"mode 0400: getnewaddress refuses with a clear error ({r.stderr.strip()})")
    checks.check(open(w.path, "rb").read() == before and mode_of(w.path) == 0o400,
                 "mode 0400: the file is left exactly as it was (content and mode)")
    os.chmod(w.path, 0o600)


def read_only_directory(w, tmp):
    ro_dir = os.path.join(tmp, "ro")
    os.makedirs(ro_dir)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", ro_dir],
                             capture_output=True, text=True).returncode == 0
    if not mounted and os.geteuid() == 0:
        print("note: read-only directory case left out: root cannot mount a tmpfs here and permissions do not "
              "bind root")
        return
    try:
        ro_wallet = Wallet(w.node, os.path.join(ro_dir, "w.wallet"), w.passfile)
        shutil.copyfile(w.path, ro_wallet.path)
        os.chmod(ro_wallet.path, 0o600)
        if mounted:
            how = "read-only filesystem"
            subprocess.run(["mount", "-o", "remount,ro", ro_dir], check=True)
        else:
            how = "directory without write permission"
            os.chmod(ro_dir, 0o500)
        for args in READING:
            r = ro_wallet.run(*args)
            checks.check(r.returncode == 0, f"{how}: {args[0]} works ({r.returncode}: {r.stderr.strip()})")
        checks.check("read-only" in r.stderr, f"{how}: the wallet says it opened the file read-only")
        checks.check(not os.path.exists(ro_wallet.path + ".lock"), f"{how}: no lock file was needed")
        r = ro_wallet.run("getnewaddress")
        checks.check(r.returncode != 0 and "cannot be written" in r.stderr, f"{how}: getnewaddress refuses")
        backup = os.path.join(tmp, "backup.wallet")
        r = ro_wallet.run("backup", backup)
        checks.check(r.returncode == 0 and open(backup, "rb").read() == open(ro_wallet.path, "rb").read(),
                     f"{how}: a backup of it can be made elsewhere")
    finally:
        if mounted:
            subprocess.run(["umount", ro_dir])
        else:
            os.chmod(ro_dir, 0o700)


def main():
    with mt.TestNode("wallet-edges") as node, mt.TempDir("wallet-edges") as tmp:
        node.start()
        passfile = os.path.join(tmp.path, "pass")
        with open(passfile, "w") as f:
            f.write("a passphrase\n")
        w = Wallet(node, os.path.join(tmp.path, "w.wallet"), passfile)
        r = w.run("create")
        if not checks.check(r.returncode == 0, f"create ({r.stderr.strip()})"):
            return checks.exit_code("wallet_file_edges")
        checks.check(mode_of(w.path) == 0o600, "a new wallet file is 0600")
        stale_temporary_file(w)
        file_mode(w)
        read_only_directory(w, tmp.path)
        node.stop()
    return checks.exit_code("wallet_file_edges")


if __name__ == "__main__":
    sys.exit(main())
