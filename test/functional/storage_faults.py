#!/usr/bin/python3
"""Block storage under faults (issue 19, items 1 and 2), through real minicashd processes.

  disk full   a block or undo write that fails (ENOSPC) is never counted: the RPC call
              fails, the node shuts down by itself (exit code 2) and the next start finds
              every block that reached the blk files. Two ways to fill the disk:
                - -test=blockwritelimit=<n> (no privileges needed): the block store's
                  writes fail with ENOSPC after n bytes, during mining and during import;
                - a real tmpfs mounted on blocks/ with only the 50 MiB reserve and a little
                  more free (needs the right to mount; said so and left out otherwise).
  kill loop   SIGKILL 20 times during a -loadblock import: blocks/ ends within 10% of a
              clean import's size (blocks written before a kill are found again, the
              unrecorded tail is overwritten rather than appended to).

`storage_faults.py killloop` runs only the kill loop (e.g. against an older build, with
MINICASH_BIN_DIR, to measure the figure before the change).
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time

import minicash_test as mt

ADDR = "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc"  # P2SH(OP_TRUE), the harness's mining address
REGTEST_MAGIC = bytes.fromhex("fabfb5da")
MIB = 1 << 20
checks = mt.Checks()


def blk_records(blocks_dir):
    """Complete records with the regtest magic in every blk file, front to back."""
    count = 0
    for name in sorted(os.listdir(blocks_dir)):
        if not (name.startswith("blk") and name.endswith(".dat")):
            continue
        data = open(os.path.join(blocks_dir, name), "rb").read()
        pos = 0
        while pos + 8 <= len(data) and data[pos:pos + 4] == REGTEST_MAGIC:
            (length,) = struct.unpack("<I", data[pos + 4:pos + 8])
            if pos + 8 + length > len(data):
                break
            count += 1
            pos += 8 + length
    return count


def dir_size(path, prefixes=("blk", "rev")):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            if prefixes is None or f.startswith(prefixes):
                total += os.path.getsize(os.path.join(root, f))
    return total


def wait_exit(node, timeout=60):
    try:
        return node.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def start_until_own_exit(node, extra=()):
    """Starts a node that is expected to stop by itself (an import filling the disk) and
    returns its exit code; it may stop before RPC answers, which start() reports."""
    try:
        node.start(extra)
        return wait_exit(node)
    except RuntimeError as e:
        exited = re.search(r"exited during start-up \((-?\d+)\)", str(e))
        if not exited:
            raise
        return int(exited.group(1))


def mine_until_failure(node, limit=20000):
    """Mines 10 blocks a call until a call fails; (height before the failing call, error)."""
    height = node.rpc("getblockcount")
    while height < limit:
        try:
            node.mine(10, ADDR)
        except mt.RpcError as e:
            return height, e.message
        except OSError as e:  # the node went away while answering
            return height, str(e)
        height = node.rpc("getblockcount")
    return height, None


def source_chain(tmp, blocks):
    """A blk file of `blocks` regtest blocks mined by a throwaway node."""
    path = os.path.join(tmp, "chain.dat")
    with mt.TestNode("source") as src:
        src.start()
        for _ in range(0, blocks, 500):
            src.mine(min(500, blocks - src.rpc("getblockcount")), ADDR)
        src.stop()
        shutil.copyfile(os.path.join(src.netdir, "blocks", "blk00000.dat"), path)
    return path


def restart_recovers(node, what, extra=()):
    """After a fatal stop: the next start knows every block the blk files hold."""
    blocks_dir = os.path.join(node.netdir, "blocks")
    records = blk_records(blocks_dir)
    node.start(extra)
    height = node.rpc("getblockcount")
    checks.check(height == records - 1,
                 f"{what}: after the restart the height is {height}, every block written ({records} records "
                 f"with genesis) is found again")
    return height


def disk_full_by_write_limit(chain):
    # Mining: the call that cannot store its block fails, the node stops by itself.
    with mt.TestNode("mine-full", args=["-test=blockwritelimit=60000"]) as node:
        node.start()
        ok_height, error = mine_until_failure(node)
        checks.check(error is not None and ("No space left" in error or "stopped" in error),
                     f"mining: generatetoaddress fails when the disk fills ({error!r}) after height {ok_height}")
        code = wait_exit(node)
        checks.check(code == 2, f"mining: the node shuts down by itself with exit code 2 (got {code})")
        log = node.log()
        checks.check("No space left on device" in log and "shutting down" in log,
                     "mining: the log says why it shut down")
        node.proc = None
        node.args = []
        height = restart_recovers(node, "mining")
        checks.check(height >= ok_height, f"mining: nothing connected before the failure is lost "
                                          f"({height} >= {ok_height})")
        node.mine(5, ADDR)
        checks.check(node.rpc("getblockcount") == height + 5, "mining: the node mines on afterwards")
        node.stop()

    # Import: -loadblock stops at the failed write; the restart keeps what was written.
    with mt.TestNode("import-full", args=[f"-loadblock={chain}", "-test=blockwritelimit=150000"]) as node:
        code = start_until_own_exit(node)
        checks.check(code == 2, f"import: the node shuts down by itself with exit code 2 (got {code})")
        node.proc = None
        node.args = []
        height = restart_recovers(node, "import")
        checks.check(0 < height < 1000, f"import: part of the chain was stored before the disk filled ({height})")
        node.stop()
        node.start([f"-loadblock={chain}"])
        checks.check(mt.wait_until(lambda: node.rpc("getblockcount") == 1000, 120),
                     "import: importing again once there is room completes the chain")
        node.stop()


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip()


def fill_to(path, keep_free):
    """Writes a filler file so that about `keep_free` bytes stay free on path's filesystem."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(os.path.join(path, "filler"), "wb") as f:
        f.write(b"\0" * max(0, free - keep_free))


def disk_full_on_tmpfs(chain):
    for what in ("mining", "import"):
        with mt.TestNode("tmpfs-" + what) as node:
            blocks_dir = os.path.join(node.netdir, "blocks")
            mounted, why = mount_tmpfs(blocks_dir, "64m")
            if not mounted:
                print(f"note: tmpfs part left out: cannot mount a tmpfs here ({why}); the -test=blockwritelimit "
                      "part above covers the same code paths")
                return
            try:
                fill_to(blocks_dir, 50 * MIB + 120 * 1024)  # the reserve and about 400 small blocks
                if what == "mining":
                    node.start()
                    ok_height, error = mine_until_failure(node)
                    checks.check(error is not None and "Disk space is too low" in error,
                                 f"tmpfs mining: the reserve stops block writes ({error!r}) after height {ok_height}")
                    code = wait_exit(node)
                else:
                    code = start_until_own_exit(node, [f"-loadblock={chain}"])
                checks.check(code == 2, f"tmpfs {what}: the node shuts down by itself with exit code 2 (got {code})")
                checks.check("Disk space is too low" in node.log(), f"tmpfs {what}: the log says the disk is full")
                node.proc = None
                os.remove(os.path.join(blocks_dir, "filler"))
                height = restart_recovers(node, "tmpfs " + what)
                if what == "mining":
                    checks.check(height >= ok_height, f"tmpfs mining: nothing connected is lost ({height} >= {ok_height})")
                node.stop()
            finally:
                node.kill()
                subprocess.run(["umount", blocks_dir])


def kill_when_stored(node, extra, stored):
    """Starts `node` and SIGKILLs it as soon as stored() holds, even during its start-up."""
    done = threading.Event()

    def watch():
        while not done.is_set():
            proc = node.proc
            if proc is not None and proc.poll() is None and stored():
                proc.kill()
                return
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        node.start(extra)
        mt.wait_until(lambda: not node.running(), 120, 0.01)
    except RuntimeError as e:
        if "exited during start-up" not in str(e):
            raise
    finally:
        done.set()
        watcher.join()
        node.kill()


def kill_loop(chain, blocks, kills=20):
    with mt.TestNode("clean") as clean:
        clean.start([f"-loadblock={chain}"])
        mt.wait_until(lambda: clean.rpc("getblockcount") == blocks, 300)
        clean.stop()
        clean_size = dir_size(os.path.join(clean.netdir, "blocks"))
        clean_all = dir_size(os.path.join(clean.netdir, "blocks"), None)
    with mt.TestNode("killed") as node:
        step = max(1, blocks // (4 * kills))
        chain_bytes = os.path.getsize(chain)
        block_bytes = chain_bytes // blocks
        blocks_dir = os.path.join(node.netdir, "blocks")
        height, heights = 0, []
        for i in range(kills):
            # Watched on disk from the moment the process starts, not by RPC: the import
            # may be far along before RPC answers. Capped below a whole chain's size: once
            # every block is stored the files stop growing.
            target = min(dir_size(blocks_dir, ("blk",)) + step * block_bytes, chain_bytes - block_bytes)
            kill_when_stored(node, [f"-loadblock={chain}"], lambda: dir_size(blocks_dir, ("blk",)) >= target)
            heights.append(blk_records(os.path.join(node.netdir, "blocks")) - 1)
            height = heights[-1]
        print(f"kill loop: blocks in the blk files at each kill: {heights}")
        checks.check(sum(h < blocks for h in heights) >= kills // 2,
                     f"kill loop: at least half of the kills came before the import's end")
        # Every block the kills left in the blk files is known again, without importing.
        height = restart_recovers(node, "kill loop")
        checks.check(height > 0, f"kill loop: the blocks imported before the last kill are kept ({height})")
        node.stop()
        node.start([f"-loadblock={chain}"])
        done = mt.wait_until(lambda: node.rpc("getblockcount") == blocks, 300)
        checks.check(done, f"kill loop: after {kills} kills the import completes ({node.rpc('getblockcount')})")
        node.stop()
        size = dir_size(os.path.join(node.netdir, "blocks"))
        size_all = dir_size(os.path.join(node.netdir, "blocks"), None)
    print(f"kill loop: blk+rev files {size} bytes after {kills} kills, {clean_size} after a clean import "
          f"({size / clean_size:.2f}x); all of blocks/ {size_all} vs {clean_all} ({size_all / clean_all:.2f}x)")
    checks.check(size_all <= clean_all * 1.10, "kill loop: blocks/ within 10% of a clean import's size")


def main(argv):
    only_kill_loop = argv[1:] == ["killloop"]
    with mt.TempDir("storage-faults") as tmp:
        chain = source_chain(tmp.path, 1000 if not only_kill_loop else 4000)
        if only_kill_loop:
            kill_loop(chain, 4000)
            return checks.exit_code("storage_faults")
        disk_full_by_write_limit(chain)
        disk_full_on_tmpfs(chain)
        big = source_chain(tmp.path, 4000)
        kill_loop(big, 4000)
    return checks.exit_code("storage_faults")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
