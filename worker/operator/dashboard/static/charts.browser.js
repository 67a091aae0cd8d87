// The dashboard's charts, drawn by uPlot (loaded before this module as the global `uPlot`). Each
// chart is made once and given new data on every poll; it is rebuilt only when its series change
// (a new scheme or service appears), and resized with its container.

const PALETTE = ["#6366f1", "#14b8a6", "#f59e0b", "#ef4444", "#8b5cf6", "#0ea5e9"];
const charts = new Map();

function chart(container, key, makeOptions, data) {
  const existing = charts.get(container);
  if (existing && existing.key === key) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const plot = new uPlot({ ...makeOptions(), width: Math.max(container.clientWidth, 280), height: 240 }, data, container);
  charts.set(container, { key, plot });
  if (!container.dataset.observed) {
    container.dataset.observed = "1";
    new ResizeObserver(() => {
      const current = charts.get(container);
      if (current) current.plot.setSize({ width: Math.max(container.clientWidth, 280), height: 240 });
    }).observe(container);
  }
}

const axisStyle = { stroke: "#64748b", grid: { stroke: "#e2e8f0", width: 1 }, ticks: { stroke: "#e2e8f0", width: 1 } };

/**
 * Revenue per UTC day, stacked by scheme: each series is drawn as the running total of the schemes
 * before it (largest first, so each bar's top segment is the last scheme), and the legend shows
 * each scheme's own amount.
 */
export function revenueChart(container, days, schemes, amountsByScheme, formatMoney) {
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const stacked = [];
  let running = days.map(() => 0);
  for (const scheme of schemes) {
    running = running.map((v, i) => v + (amountsByScheme[scheme][i] ?? 0));
    stacked.push(running);
  }
  const order = schemes.map((_, i) => schemes.length - 1 - i);
  const bars = uPlot.paths.bars({ size: [0.7, 48], gap: 2 });
  chart(
    container,
    `revenue:${schemes.join(",")}`,
    () => ({
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max * 1.15, 0.01)] } },
      axes: [{ ...axisStyle }, { ...axisStyle, size: 64, values: (u, ticks) => ticks.map((t) => `$${t.toFixed(t < 1 ? 2 : 0)}`) }],
      legend: { live: true },
      series: [
        { label: "day", value: (u, v) => (v === null ? "—" : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...order.map((i) => ({
          label: schemes[i],
          stroke: PALETTE[i % PALETTE.length],
          fill: `${PALETTE[i % PALETTE.length]}cc`,
          paths: bars,
          points: { show: false },
          value: (u, v, s, idx) => (idx === null || idx === undefined ? "—" : formatMoney(schemes[i], idx)),
        })),
      ],
    }),
    // A day with nothing earned draws no bar (a zero-height bar reads as a line).
    [xs, ...order.map((i) => stacked[i].map((v) => (v > 0 ? v : null)))],
  );
}

const STAGE_COLORS = { queue: "#f59e0b", model: "#6366f1", settlement: "#14b8a6" };

/** p50 (solid) and p95 (dashed) per stage of one service over time, seconds on a log-free axis. */
export function latencyChart(container, service, series) {
  const stages = Object.keys(STAGE_COLORS).filter((stage) => series.some((s) => s.stage === stage));
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.start)))].sort();
  const xs = times.map((t) => Date.parse(t) / 1000);
  const lines = [];
  const columns = [];
  for (const stage of stages) {
    const points = new Map((series.find((s) => s.stage === stage)?.points ?? []).map((p) => [p.start, p]));
    for (const [quantile, dash] of [["p50Seconds", undefined], ["p95Seconds", [6, 4]]]) {
      lines.push({ label: `${stage} ${quantile.slice(0, 3)}`, stroke: STAGE_COLORS[stage], width: 2, dash, spanGaps: true, value: (u, v) => (v === null || v === undefined ? "—" : v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`) });
      columns.push(times.map((t) => points.get(t)?.[quantile] ?? null));
    }
  }
  chart(
    container,
    `latency:${service}:${stages.join(",")}`,
    () => ({
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max * 1.15, 0.05)] } },
      axes: [{ ...axisStyle }, { ...axisStyle, size: 64, values: (u, ticks) => ticks.map((t) => (t < 1 ? `${Math.round(t * 1000)} ms` : `${t.toFixed(1)} s`)) }],
      series: [{ label: "hour", value: (u, v) => (v === null ? "—" : new Date(v * 1000).toISOString().slice(11, 16) + " UTC") }, ...lines],
    }),
    [xs, ...columns],
  );
}
