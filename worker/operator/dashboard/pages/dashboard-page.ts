import { escapeHtml, layout } from "./layout.ts";

/**
 * GET /dashboard with a session: the page's frame. Every figure is filled in by the page's script
 * from GET /dashboard/data (polled while the page is open), so the first paint and every update
 * take one path. `data-figure` names what each element shows (the browser tests read them).
 */
export function dashboardPage({ network }: { network: string }): string {
  const card = (figure: string, label: string) =>
    `<div class="card figure"><div class="label">${label}</div><div class="value" data-figure="${figure}">…</div><div class="sub" data-figure="${figure}-calls"></div></div>`;
  return layout(
    "edge402 — operator console",
    `<header class="top">
  <div class="brand"><span class="logo">edge402</span> operator console <span class="network">${escapeHtml(network)}</span></div>
  <div class="status"><span id="status" data-figure="status">loading…</span></div>
  <form method="post" action="/dashboard/sign-out"><button type="submit" class="quiet">Sign out</button></form>
</header>
<main class="dashboard">
  <div id="problems" class="problems" hidden></div>

  <section id="revenue">
    <h2>Revenue</h2>
    <div class="cards">${card("revenue-today", "Today")}${card("revenue-7d", "7 days")}${card("revenue-30d", "30 days")}</div>
    <div class="card chart-card"><h3>Per day, by scheme (30 days)</h3><div id="revenue-chart" class="chart"></div></div>
    <div class="split">
      <div class="card"><h3>By service</h3><table id="revenue-by-service"><thead><tr><th>service</th><th>today</th><th>7 days</th><th>30 days</th></tr></thead><tbody></tbody></table></div>
      <div class="card"><h3>By scheme</h3><table id="revenue-by-scheme"><thead><tr><th>scheme</th><th>today</th><th>7 days</th><th>30 days</th></tr></thead><tbody></tbody></table></div>
    </div>
  </section>

  <section id="calls">
    <h2>Calls <small>30 days</small></h2>
    <div class="split three">
      <div class="card figure"><div class="label">Paid calls</div><div class="value" data-figure="calls-paid">…</div></div>
      <div class="card"><h3>Refusals (402) by reason</h3><table id="refusals"><thead><tr><th>reason</th><th>calls</th></tr></thead><tbody></tbody></table></div>
      <div class="card"><h3>Failed, not charged, by reason</h3><table id="uncharged"><thead><tr><th>reason</th><th>outcome</th><th>calls</th></tr></thead><tbody></tbody></table></div>
    </div>
  </section>

  <section id="latency">
    <h2>Latency <small>24 hours, hourly p50 / p95</small> <select id="latency-service" aria-label="service"></select></h2>
    <div class="card chart-card"><div id="latency-chart" class="chart"></div><p class="empty" id="latency-empty" hidden>No timed calls in the last 24 hours.</p></div>
  </section>

  <section id="runners">
    <h2>Runners</h2>
    <div class="card"><table id="runner-table"><thead><tr><th>runner</th><th>version</th><th>online since</th><th>models</th><th>slots busy / total</th><th>queue</th><th>last heartbeat</th><th>jobs served</th></tr></thead><tbody></tbody></table></div>
  </section>

  <section id="settlement">
    <h2>Settlement</h2>
    <div class="split">
      <div class="card"><h3>Relayer</h3><dl id="relayer"></dl></div>
      <div class="card"><h3>Channels</h3><dl id="channel-summary"></dl>
        <table id="channel-table"><thead><tr><th>channel</th><th>deposit</th><th>unclaimed</th><th>since</th><th>claimed by</th><th>withdrawal</th></tr></thead><tbody></tbody></table></div>
    </div>
  </section>

  <section id="payments">
    <h2>Latest payments
      <form class="export" method="get" action="/dashboard/payments.csv">
        <label>from <input type="date" name="from"></label><label>to <input type="date" name="to"></label>
        <button type="submit" class="quiet">Export CSV</button>
      </form>
    </h2>
    <div class="card"><table id="payment-table"><thead><tr><th>#</th><th>time</th><th>service</th><th>scheme</th><th>payer</th><th>charged</th><th>settlement</th></tr></thead><tbody></tbody></table></div>
  </section>
</main>`,
    `<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css">
<script src="/dashboard/assets/uPlot.iife.min.js" defer></script>
<script type="module" src="/dashboard/assets/dashboard.browser.js"></script>`,
  );
}
