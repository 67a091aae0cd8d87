// The dashboard page: polls GET /dashboard/data (the session cookie goes with it: same origin,
// under its Path) and draws every section from the answer. A 401 means the session ended: the
// page reloads into the sign-in form.
import { latencyChart, revenueChart } from "./charts.browser.js";
import { ago, count, ether, money, seconds, short, time, units } from "./format.browser.js";
import { badge, el, fillList, fillTable, reasonLink, setFigure } from "./render.browser.js";

const POLL_MS = 10_000;
let latest = null;

async function refresh() {
  try {
    const response = await fetch("/dashboard/data", { cache: "no-store", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.assign("/dashboard");
      return;
    }
    if (!response.ok) throw new Error(`the edge answered ${response.status}`);
    latest = await response.json();
    render(latest);
    setFigure("status", `updated ${new Date(latest.generatedAt).toISOString().slice(11, 19)} UTC`);
    document.body.dataset.loaded = latest.generatedAt;
  } catch (error) {
    setFigure("status", `could not update (${error.message}); retrying`);
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

function render(data) {
  const { decimals, symbol } = data.asset;
  const usd = (amount) => money(amount, decimals, symbol);
  renderProblems(data.problems);
  renderRevenue(data, usd);
  renderCalls(data.calls);
  renderLatency(data.latency);
  renderRunners(data.runners);
  renderSettlement(data, usd);
  renderPayments(data, usd);
}

function renderProblems(problems) {
  const box = document.getElementById("problems");
  box.hidden = problems.length === 0;
  box.replaceChildren(...problems.map((p) => el("div", {}, el("strong", {}, p.source), ` ${p.code}: ${p.message}`)));
}

function renderRevenue(data, usd) {
  const windows = Object.fromEntries(data.revenue.windows.map((w) => [w.window, w]));
  for (const name of ["today", "7d", "30d"]) {
    const w = windows[name];
    setFigure(`revenue-${name}`, usd(w.total.amount));
    setFigure(`revenue-${name}-calls`, `${count(w.total.count)} paid call${w.total.count === 1 ? "" : "s"}`);
  }
  const row = (key, label) => {
    const cell = (w) => {
      const t = w[key].find((x) => x[label.field] === label.value);
      return t ? usd(t.amount) : "—";
    };
    return [label.value, cell(windows.today), cell(windows["7d"]), cell(windows["30d"])];
  };
  const table = (id, key, field) =>
    fillTable(
      document.getElementById(id),
      windows["30d"][key].map((t) => row(key, { field, value: t[field] })),
      "no paid calls in 30 days",
    );
  table("revenue-by-service", "byService", "service");
  table("revenue-by-scheme", "byScheme", "scheme");

  const since = Date.parse(windows["30d"].since);
  const days = Array.from({ length: 30 }, (_, i) => new Date(since + i * 86_400_000).toISOString().slice(0, 10));
  const schemes = [...new Set(data.revenue.perDay.map((d) => d.scheme))].sort();
  const raw = Object.fromEntries(schemes.map((s) => [s, days.map((day) => data.revenue.perDay.find((d) => d.day === day && d.scheme === s)?.amount ?? "0")]));
  const amounts = Object.fromEntries(schemes.map((s) => [s, raw[s].map((a) => units(a, data.asset.decimals))]));
  revenueChart(document.getElementById("revenue-chart"), days, schemes.length ? schemes : ["—"], schemes.length ? amounts : { "—": days.map(() => 0) }, (scheme, i) => usd(raw[scheme]?.[i] ?? "0"));
}

function renderCalls(calls) {
  setFigure("calls-paid", calls ? count(calls.paid) : "—");
  fillTable(document.getElementById("refusals"), calls ? calls.refusals.map((r) => [reasonLink(r.reason), count(r.count)]) : [], calls ? "none" : "stats not available");
  fillTable(document.getElementById("uncharged"), calls ? calls.uncharged.map((r) => [reasonLink(r.reason), reasonLink(r.outcome), count(r.count)]) : [], calls ? "none" : "stats not available");
}

function renderLatency(latency) {
  const select = document.getElementById("latency-service");
  const services = [...new Set(latency.filter((s) => s.points.some((p) => p.count > 0)).map((s) => s.service))].sort();
  const chosen = services.includes(select.value) ? select.value : services[0];
  select.replaceChildren(...services.map((s) => el("option", { value: s, selected: s === chosen }, s)));
  select.onchange = () => latest && renderLatency(latest.latency);
  const series = latency.filter((s) => s.service === chosen && ["queue", "model", "settlement"].includes(s.stage));
  document.getElementById("latency-empty").hidden = services.length > 0;
  const container = document.getElementById("latency-chart");
  container.hidden = services.length === 0;
  if (chosen) latencyChart(container, chosen, series);
}

function renderRunners(runners) {
  setFigure("runners-online", count(runners.length));
  fillTable(
    document.getElementById("runner-table"),
    runners.map((r) => [
      el("span", { title: r.runnerId, "data-runner": r.runnerId }, r.name ? `${r.name} ` : "", el("code", {}, short(r.runnerId)), r.draining ? el("span", { class: "badge low" }, "draining") : null),
      r.version,
      el("span", { title: time(r.connectedAt) }, ago(r.connectedAt)),
      el("span", { class: "wrap" }, r.models.join(", ")),
      el("span", { "data-slots": r.runnerId }, `${r.slotsBusy} / ${r.slotsTotal}`),
      el("span", { "data-queued": r.runnerId }, count(r.queued)),
      el("span", { title: time(r.lastHeartbeatAt) }, ago(r.lastHeartbeatAt)),
      el("span", { "data-jobs-served": r.runnerId }, count(r.jobsServed)),
    ]),
    "no runner connected",
  );
}

function renderSettlement(data, usd) {
  const s = data.settlement;
  const link = (kind, value) => (data.explorer && value ? el("a", { href: `${data.explorer[kind]}${value}`, rel: "noreferrer", target: "_blank" }, short(value)) : el("code", { title: value ?? "" }, value ? short(value) : "—"));
  const revenue30 = data.revenue.windows.find((w) => w.window === "30d").total.amount;
  fillList(
    document.getElementById("relayer"),
    s.kind === "embedded"
      ? [
          ["settles", `itself (embedded relayer) on ${s.network}`],
          ["relayer", link("address", s.relayer)],
          ["gas balance", el("span", {}, el("span", { "data-figure": "gas-balance" }, s.balanceWei === null ? "—" : ether(s.balanceWei)), " ", badge(s.level))],
          ["settlements left", el("span", { "data-figure": "settlements-left" }, count(s.settlementsLeft))],
          ["pending / stuck", el("span", {}, el("span", { "data-figure": "pending-transactions" }, count(s.pendingTransactions)), " / ", el("span", { "data-figure": "stuck-transactions", class: s.stuckTransactions ? "badge low" : undefined }, count(s.stuckTransactions)))],
          ["gas spent (30 d)", el("span", { "data-figure": "gas-spent" }, s.gasSpentWei === null ? "—" : ether(s.gasSpentWei))],
          ["revenue (30 d)", usd(revenue30)],
        ]
      : [["settles", "through a remote facilitator"], ["facilitator", s.facilitatorUrl ?? "—"], ["network", s.network]],
  );
  const c = data.channels;
  fillList(document.getElementById("channel-summary"), c ? [["channels owing a claim", el("span", { "data-figure": "channels-owing" }, count(c.owing.length))], ["unclaimed", el("span", { "data-figure": "channels-unclaimed" }, usd(c.unclaimedTotal))]] : [["channels", "not offered on this edge"]]);
  fillTable(
    document.getElementById("channel-table"),
    c
      ? c.owing.map((o) => [
          el("code", { title: o.channelId }, short(o.channelId)),
          o.deposit === null ? "—" : usd(o.deposit),
          el("span", { "data-unclaimed": o.channelId }, usd(o.unclaimed)),
          ago(o.unclaimedSince),
          time(o.nextClaimBy),
          o.withdrawDeadline ? el("span", { class: "badge low" }, `${o.withdrawAmount === null ? "" : `${usd(o.withdrawAmount)} `}by ${time(o.withdrawDeadline)}`) : "—",
        ])
      : [],
    "nothing unclaimed",
  );
}

function renderPayments(data, usd) {
  const link = (hash) => (hash ? (data.explorer ? el("a", { href: `${data.explorer.tx}${hash}`, rel: "noreferrer", target: "_blank", "data-tx": hash }, short(hash)) : el("code", { title: hash, "data-tx": hash }, short(hash))) : null);
  fillTable(
    document.getElementById("payment-table"),
    data.payments.map((p) => [
      String(p.id),
      el("span", { title: time(p.settledAt) }, ago(p.settledAt)),
      p.service,
      p.scheme,
      el("code", { title: p.payer }, short(p.payer)),
      el("span", { "data-charged": p.id }, usd(p.charged)),
      link(p.txHash) ?? el("code", { title: p.settlementRef }, short(p.settlementRef)),
    ]),
    "no payments yet",
  );
}

// The export range defaults to the last 30 days.
const today = new Date().toISOString().slice(0, 10);
const from = document.querySelector('input[name="from"]');
const to = document.querySelector('input[name="to"]');
if (from && !from.value) from.value = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
if (to && !to.value) to.value = today;

refresh();
