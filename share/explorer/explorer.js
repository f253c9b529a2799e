// The minicash block explorer: a single page on the Esplora API served by the same
// minicashd (/api/). Routes live in the URL fragment: #/, #/block/HASH, #/tx/TXID,
// #/address/ADDRESS. The page polls the tip every few seconds and redraws the current
// view when a new block arrives. Plain JavaScript, no dependencies, no build step.
"use strict";

const API = "/api";
const POLL_MS = 3000;
let lastTip = null;

// ---- helpers -----------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function link(href, text, cls) { return el("a", { href, class: cls || "hash" }, text); }
function btc(sats) { return (sats / 1e8).toFixed(8) + " BTC"; }
function when(ts) { return ts ? new Date(ts * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC") : ""; }
function short(h) { return h.length > 20 ? h.slice(0, 10) + "…" + h.slice(-8) : h; }

class ApiError extends Error {
  constructor(status, text) { super(text || ("HTTP " + status)); this.status = status; }
}

async function api(path, type) {
  const r = await fetch(API + path, { cache: "no-store" });
  const body = await r.text();
  if (!r.ok) throw new ApiError(r.status, body.trim());
  return type === "text" ? body.trim() : JSON.parse(body);
}

function show(...nodes) {
  const view = document.getElementById("view");
  view.replaceChildren(...nodes);
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map(h => el("th", { class: h.num ? "num" : "" }, h.label || h)))),
    el("tbody", {}, rows));
}

function status(s) {
  return s.confirmed
    ? el("span", { class: "ok" }, "confirmed in block ", link("#/block/" + s.block_hash, String(s.block_height)))
    : el("span", { class: "pending" }, "unconfirmed (mempool)");
}

// ---- views -------------------------------------------------------------------------

async function home() {
  const [blocks, recent, mempool] = await Promise.all([api("/blocks"), api("/mempool/recent"), api("/mempool")]);
  const blockRows = blocks.map(b => el("tr", {},
    el("td", {}, link("#/block/" + b.id, String(b.height), "")),
    el("td", { class: "hash" }, link("#/block/" + b.id, short(b.id))),
    el("td", {}, when(b.timestamp)),
    el("td", { class: "num" }, String(b.tx_count)),
    el("td", { class: "num" }, String(b.size))));
  const mempoolRows = recent.map(t => el("tr", {},
    el("td", {}, link("#/tx/" + t.txid, short(t.txid))),
    el("td", { class: "num" }, btc(t.value)),
    el("td", { class: "num" }, (t.fee / t.vsize).toFixed(1))));
  show(
    el("div", { class: "grid" },
      el("section", {}, el("h1", {}, "Latest blocks"),
        table(["Height", "Hash", "Time", { label: "Txs", num: true }, { label: "Size", num: true }], blockRows)),
      el("section", {}, el("h1", {}, "Mempool"),
        el("p", { class: "muted", id: "mempool-summary" },
          `${mempool.count} transactions, ${mempool.vsize} vB, fees ${btc(mempool.total_fee)}`),
        recent.length
          ? table(["Recent txid", { label: "Value", num: true }, { label: "sat/vB", num: true }], mempoolRows)
          : el("p", { class: "muted" }, "The mempool is empty."))));
}

async function block(hash) {
  const [b, st, txs] = await Promise.all([api("/block/" + hash), api("/block/" + hash + "/status"),
                                          api("/block/" + hash + "/txs")]);
  show(
    el("h1", {}, "Block " + b.height),
    el("div", { class: "card" }, el("dl", {},
      el("dt", {}, "Hash"), el("dd", { class: "hash", id: "block-hash" }, b.id),
      el("dt", {}, "Previous"), el("dd", {}, b.previousblockhash ? link("#/block/" + b.previousblockhash, b.previousblockhash) : "none"),
      el("dt", {}, "Time"), el("dd", {}, when(b.timestamp)),
      el("dt", {}, "Transactions"), el("dd", {}, String(b.tx_count)),
      el("dt", {}, "Size / weight"), el("dd", {}, `${b.size} B / ${b.weight} WU`),
      el("dt", {}, "Merkle root"), el("dd", { class: "hash" }, b.merkle_root),
      el("dt", {}, "In best chain"), el("dd", {}, st.in_best_chain ? "yes" : "no"))),
    el("h2", {}, b.tx_count > txs.length ? `Transactions (first ${txs.length})` : "Transactions"),
    txList(txs));
}

function txList(txs) {
  return table(["Txid", { label: "Outputs", num: true }, { label: "Fee", num: true }],
    txs.map(t => el("tr", {},
      el("td", {}, link("#/tx/" + t.txid, t.txid)),
      el("td", { class: "num" }, btc(t.vout.reduce((a, o) => a + o.value, 0))),
      el("td", { class: "num" }, t.vin[0] && t.vin[0].is_coinbase ? "coinbase" : btc(t.fee)))));
}

function addressCell(o) {
  return o.scriptpubkey_address ? link("#/address/" + o.scriptpubkey_address, o.scriptpubkey_address)
                                : el("span", { class: "muted" }, o.scriptpubkey_type);
}

async function tx(txid) {
  const t = await api("/tx/" + txid);
  const ins = t.vin.map(i => el("tr", {},
    el("td", {}, i.is_coinbase ? el("span", { class: "muted" }, "coinbase")
                               : link("#/tx/" + i.txid, short(i.txid) + ":" + i.vout)),
    el("td", {}, i.prevout ? addressCell(i.prevout) : ""),
    el("td", { class: "num" }, i.prevout ? btc(i.prevout.value) : "")));
  const outs = t.vout.map((o, n) => el("tr", {},
    el("td", {}, String(n)), el("td", {}, addressCell(o)), el("td", { class: "num" }, btc(o.value))));
  show(
    el("h1", {}, "Transaction"),
    el("div", { class: "card" }, el("dl", {},
      el("dt", {}, "Txid"), el("dd", { class: "hash", id: "txid" }, t.txid),
      el("dt", {}, "Status"), el("dd", { id: "tx-status" }, status(t.status)),
      el("dt", {}, "Fee"), el("dd", {}, t.vin[0] && t.vin[0].is_coinbase ? "none (coinbase)"
                                         : `${btc(t.fee)} (${(t.fee / (t.weight / 4)).toFixed(1)} sat/vB)`),
      el("dt", {}, "Size"), el("dd", {}, `${t.size} B, ${t.weight} WU`))),
    el("div", { class: "io" },
      el("section", {}, el("h2", {}, `Inputs (${t.vin.length})`),
        table(["Spends", "From", { label: "Value", num: true }], ins)),
      el("section", {}, el("h2", {}, `Outputs (${t.vout.length})`),
        table(["#", "To", { label: "Value", num: true }], outs))));
}

async function address(addr) {
  const [a, txs, utxos] = await Promise.all([api("/address/" + addr), api("/address/" + addr + "/txs"),
                                             api("/address/" + addr + "/utxo")]);
  const c = a.chain_stats, m = a.mempool_stats;
  const confirmed = c.funded_txo_sum - c.spent_txo_sum;
  const pending = m.funded_txo_sum - m.spent_txo_sum;
  const rows = txs.map(t => {
    let delta = 0;
    for (const o of t.vout) if (o.scriptpubkey_address === addr) delta += o.value;
    for (const i of t.vin) if (i.prevout && i.prevout.scriptpubkey_address === addr) delta -= i.prevout.value;
    return el("tr", { class: "history-row" },
      el("td", {}, link("#/tx/" + t.txid, t.txid)),
      el("td", {}, status(t.status)),
      el("td", { class: "num" }, (delta >= 0 ? "+" : "") + btc(delta)));
  });
  show(
    el("h1", {}, "Address"),
    el("div", { class: "card" }, el("dl", {},
      el("dt", {}, "Address"), el("dd", { class: "hash", id: "address" }, a.address),
      el("dt", {}, "Confirmed balance"), el("dd", { id: "confirmed-balance" }, btc(confirmed)),
      el("dt", {}, "Unconfirmed"), el("dd", { id: "unconfirmed-balance" }, (pending >= 0 ? "+" : "") + btc(pending)),
      el("dt", {}, "Transactions"), el("dd", {}, `${c.tx_count} confirmed, ${m.tx_count} unconfirmed`),
      el("dt", {}, "Unspent outputs"), el("dd", {}, String(utxos.length)))),
    el("h2", {}, "History"),
    rows.length ? table(["Txid", "Status", { label: "Change", num: true }], rows)
                : el("p", { class: "muted" }, "No transactions yet."));
}

// ---- routing, search, refresh ------------------------------------------------------

async function render() {
  const parts = (location.hash || "#/").slice(2).split("/");
  try {
    if (parts[0] === "block" && parts[1]) await block(parts[1]);
    else if (parts[0] === "tx" && parts[1]) await tx(parts[1]);
    else if (parts[0] === "address" && parts[1]) await address(decodeURIComponent(parts[1]));
    else await home();
  } catch (e) {
    show(el("h1", {}, "Not found"), el("p", { class: "error", id: "error" }, e.message));
  }
}

async function search(q) {
  q = q.trim();
  if (!q) return;
  if (/^\d+$/.test(q)) {
    try { location.hash = "#/block/" + await api("/block-height/" + q, "text"); return; } catch (e) { /* below */ }
  } else if (/^[0-9a-fA-F]{64}$/.test(q)) {
    // Esplora answers a hash outside the best chain with {"in_best_chain": false}: then a txid.
    let st = { in_best_chain: false };
    try { st = await api("/block/" + q + "/status"); } catch (e) { /* unreachable: the tx view says so */ }
    location.hash = (st.in_best_chain ? "#/block/" : "#/tx/") + q;
    return;
  } else {
    location.hash = "#/address/" + encodeURIComponent(q);
    return;
  }
  show(el("h1", {}, "Not found"), el("p", { class: "error", id: "error" }, "Nothing matches " + q));
}

async function poll() {
  try {
    const tip = await api("/blocks/tip/hash", "text");
    const height = await api("/blocks/tip/height", "text");
    document.getElementById("tip").textContent = height + " " + short(tip);
    if (lastTip !== null && tip !== lastTip) await render();
    lastTip = tip;
  } catch (e) {
    document.getElementById("tip").textContent = "unreachable";
  }
}

document.getElementById("search").addEventListener("submit", ev => {
  ev.preventDefault();
  search(document.getElementById("query").value);
});
window.addEventListener("hashchange", render);
render();
poll();
setInterval(poll, POLL_MS);
