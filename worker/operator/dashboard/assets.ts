import uplotJs from "uplot/dist/uPlot.iife.min.js";
import uplotCss from "uplot/dist/uPlot.min.css";
import chartsJs from "./static/charts.browser.js";
import dashboardJs from "./static/dashboard.browser.js";
import formatJs from "./static/format.browser.js";
import renderJs from "./static/render.browser.js";
import dashboardCss from "./static/dashboard.browser.css";

/**
 * The page's static files, bundled into the Worker as text (wrangler.toml `[[rules]]` type Text),
 * uPlot straight from its npm package: one deployable, nothing to build, the same under
 * `wrangler dev` and `wrangler deploy`. Served at /dashboard/assets/<name>.
 */
const ASSETS: Readonly<Record<string, { body: string; type: string }>> = {
  "uPlot.iife.min.js": { body: uplotJs, type: "text/javascript" },
  "uPlot.min.css": { body: uplotCss, type: "text/css" },
  "dashboard.browser.js": { body: dashboardJs, type: "text/javascript" },
  "charts.browser.js": { body: chartsJs, type: "text/javascript" },
  "format.browser.js": { body: formatJs, type: "text/javascript" },
  "render.browser.js": { body: renderJs, type: "text/javascript" },
  "dashboard.browser.css": { body: dashboardCss, type: "text/css" },
};

export function dashboardAsset(name: string): Response | null {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return null;
  return new Response(asset.body, {
    headers: { "Content-Type": `${asset.type}; charset=utf-8`, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" },
  });
}
