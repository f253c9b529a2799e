#!/usr/bin/python3
"""The block explorer (share/explorer/) in a real headless Chromium, on a one-node devnet.

    explorer_browser_test.py [--screenshots DIR]

Debian's chromium and chromium-driver, driven by Debian's python3-selenium (all three
installed by contrib/install-deps.sh; run with /usr/bin/python3). A missing one is a
FAILURE, not a skip: the install step provides them. Each page (home, block,
transaction, address, search by height / txid / address) must render its content with
no console message of level SEVERE (script errors, failed requests: a search must not
probe with a request that fails); a faucet payment
must appear on the recipient's address page as unconfirmed, then as confirmed once a
block is mined, by the page's own refresh. A screenshot of each page is kept in DIR
(default: <build>/explorer-screenshots).
"""

import argparse
import json
import os
import shutil
import sys

import minicash_test

CHECKS = minicash_test.Checks(ok_prefix="  ok: ", fail_prefix="  FAIL: ")
check = CHECKS.check
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_TIMEOUT = 30  # seconds for a page to render what it is checked for


def browser():
    """A headless Chromium that keeps its console log, or a failure saying what to install."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise SystemExit(f"FAIL: python3-selenium is missing ({e}); run contrib/install-deps.sh "
                         "and use /usr/bin/python3")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"FAIL: {path} is missing; run contrib/install-deps.sh (Debian chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Explorer:
    def __init__(self, driver, base, shots):
        self.d = driver
        self.base = base
        self.shots = shots

    def text_of(self, element_id):
        """The text of #element_id, or None while it is not on the page."""
        return self.d.execute_script(
            "const e = document.getElementById(arguments[0]); return e ? e.textContent : null;", element_id)

    def wait_for(self, cond, what):
        try:
            minicash_test.wait_until(cond, timeout=PAGE_TIMEOUT)
            return True
        except Exception:
            view = self.d.execute_script("return document.getElementById('view').innerText")
            CHECKS.fail(f"{what} (the page shows: {view[:300]!r})")
            return False

    def console_errors(self):
        return [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]

    def page(self, name, route, cond, what, expected_error=None):
        """Opens route (an explorer hash route, or None to stay), waits for cond, keeps a
        screenshot and checks the console stayed clean (but for expected_error, a substring)."""
        if route is not None:
            self.d.get(self.base + route)
        ok = self.wait_for(cond, what)
        if ok:
            check(True, what)
        shot = os.path.join(self.shots, name + ".png")
        self.d.save_screenshot(shot)
        check(os.path.getsize(shot) > 1000, f"screenshot {shot} kept")
        errors = [e for e in self.console_errors() if not (expected_error and expected_error in e)]
        check(not errors, f"{name}: no console errors" + (f" (got {errors})" if errors else ""))

    def search(self, query):
        box = self.d.find_element("id", "query")
        box.clear()
        box.send_keys(query)
        self.d.find_element("css selector", "#search button").click()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--screenshots", default=os.path.join(os.path.dirname(minicash_test.bin_dir()),
                                                          "explorer-screenshots"))
    opts = ap.parse_args()
    shutil.rmtree(opts.screenshots, ignore_errors=True)
    os.makedirs(opts.screenshots)
    devnet = os.path.join(minicash_test.bin_dir(), "minicash-devnet")
    tmp_dir = minicash_test.TempDir("explorer-browser")
    d = os.path.join(tmp_dir.path, "net")

    def net(*args):
        p = minicash_test.run([sys.executable, devnet, *args, "--dir", d] if args[0] not in ("wallet", "cli")
                              else [sys.executable, devnet, "--dir", d, *args])
        if p.returncode != 0:
            raise AssertionError(f"minicash-devnet {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
        return p.stdout.strip()

    driver = None
    try:
        driver = browser()
        net("up", "--nodes", "1")
        with open(os.path.join(d, "devnet.json")) as f:
            port = json.load(f)["nodes"][0]["rpc_port"]
        net("wallet", "alice", "create")
        addr = json.loads(net("wallet", "alice", "-json", "getnewaddress"))["address"]
        txid = net("faucet", addr, "0.75")
        ex = Explorer(driver, f"http://127.0.0.1:{port}/explorer/", opts.screenshots)

        print("home")
        ex.page("home", "#/", lambda: ex.d.execute_script(
            "return document.querySelectorAll('#view table tbody tr').length") >= 1 and
            "1 transactions" in (ex.text_of("mempool-summary") or ""),
            "home lists the latest blocks and the payment in the mempool")
        check(ex.text_of("tip").startswith("101 "), "the footer shows the tip height")

        print("address page, payment unconfirmed")
        ex.page("address-unconfirmed", "#/address/" + addr, lambda: ex.text_of("address") == addr and
                txid in ex.d.execute_script("return document.getElementById('view').innerText"),
                "the faucet payment appears on the address page")
        check(ex.text_of("unconfirmed-balance") == "+0.75000000 BTC", "it is shown as unconfirmed +0.75 BTC")

        print("transaction page")
        ex.page("tx", "#/tx/" + txid, lambda: ex.text_of("txid") == txid and
                "unconfirmed" in (ex.text_of("tx-status") or ""), "the transaction page shows the payment")

        print("mine; the address page refreshes by itself")
        ex.d.get(ex.base + "#/address/" + addr)
        ex.wait_for(lambda: ex.text_of("address") == addr, "the address page is back")
        net("mine", "1")
        ex.page("address-confirmed", None, lambda: ex.text_of("confirmed-balance") == "0.75000000 BTC",
                "after a block the address page shows 0.75 BTC confirmed without a reload")

        print("block page")
        tip = net("cli", "getbestblockhash")
        ex.page("block", "#/block/" + tip, lambda: ex.text_of("block-hash") == tip and
                txid in ex.d.execute_script("return document.getElementById('view').innerText"),
                "the block page shows the block and the payment in it")

        print("search")
        ex.d.get(ex.base + "#/")
        ex.wait_for(lambda: ex.text_of("mempool-summary") is not None, "home is back")
        ex.search("102")
        ex.page("search-height", None, lambda: ex.text_of("block-hash") == tip, "search by height opens the block")
        ex.search(txid)
        ex.page("search-txid", None, lambda: ex.text_of("txid") == txid, "search by txid opens the transaction")
        ex.search(tip)
        ex.page("search-block-hash", None, lambda: ex.text_of("block-hash") == tip and
                ex.d.current_url.endswith("#/block/" + tip), "search by block hash opens the block")
        ex.search(addr)
        ex.page("search-address", None, lambda: ex.text_of("address") == addr, "search by address opens it")
        ex.search("999999")
        ex.page("search-missing", None, lambda: "Nothing matches" in (ex.text_of("error") or ""),
                "a height beyond the tip says nothing matches", expected_error="block-height/999999")
    except AssertionError as e:
        CHECKS.fail(str(e))
    finally:
        if driver is not None:
            driver.quit()
        minicash_test.run([sys.executable, devnet, "reset", "--dir", d])
        minicash_test.kill_processes_under(d)
        tmp_dir.cleanup()
    print(f"screenshots in {opts.screenshots}")
    return CHECKS.exit_code("explorer_browser_test")


if __name__ == "__main__":
    sys.exit(main())
