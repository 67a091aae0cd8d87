import { poolOf } from "./tunnel/pool-binding.ts";
import { Hono, type Context } from "hono";
import { type AppEnv } from "./app-context.ts";
import { edgeConfigFor } from "./config/edge-config.ts";
import { adminAuth } from "./operator/admin-auth.ts";
import { jsonError } from "./http/json-error.ts";
import { adminFacilitatorRoute } from "./operator/admin-facilitator.ts";
import { adminPaymentsRoute } from "./operator/admin-payments.ts";
import { chatCompletionsRoute } from "./services/chat-completions/route.ts";
import { catalogServiceRoute } from "./services/catalog/route.ts";
import { embeddingsRoute } from "./services/embeddings/route.ts";
import { mcpRoute } from "./mcp/mcp-route.ts";
import { indexPage } from "./discovery/index-page.ts";
import { openApiDocument } from "./discovery/openapi.ts";
import { wellKnownX402 } from "./discovery/well-known.ts";
import { paidEndpoints } from "./discovery/endpoints.ts";
import { availabilityOf } from "./discovery/availability.ts";
import { refundRoute } from "./services/refund-route.ts";
import { adminChannelsRoute, adminClaimChannelsRoute } from "./operator/admin-channels.ts";
import { mountDashboard } from "./operator/dashboard/dashboard-routes.ts";
import { adminStatsRoute } from "./operator/admin-stats.ts";
import { healthRoute } from "./operator/health.ts";
import { ensureAlertWatch } from "./operator/alerts/alert-watch.ts";
import { metricsAuth } from "./operator/metrics/metrics-auth.ts";
import { metricsRoute } from "./operator/metrics/metrics-route.ts";
import { paymentSchemesFor, schemeProblems } from "./payments/schemes/registry.ts";
import { cors } from "./http/cors.ts";
import { paidResource } from "./offers/paid-resource.ts";

const schemesOf = (c: Context<AppEnv>) => paymentSchemesFor(c.var.config, c.env);
const notFound = () => jsonError(404, "not_found", "no such route");

export function createApp() {
  const app = new Hono<AppEnv>();

  app.get("/healthz", (c) => c.json({ ok: true }));

  // Runners dial in here; the RunnerPool Durable Object runs the handshake on the socket.
  app.get("/tunnel", (c) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") return jsonError(426, "upgrade_required", "the tunnel is a WebSocket endpoint");
    return poolOf(c.env).fetch(c.req.raw);
  });

  // Everything below needs a valid configuration.
  app.use("*", async (c, next) => {
    const parsed = edgeConfigFor(c.env);
    const problems = parsed.ok ? schemeProblems(parsed.config, c.env) : parsed.problems;
    if (!parsed.ok || problems.length > 0) {
      console.error(`edge402 is misconfigured:\n  - ${problems.join("\n  - ")}`);
      return jsonError(500, "edge_misconfigured", "this edge is not configured correctly; the operator must check its logs");
    }
    c.set("config", parsed.config);
    ensureAlertWatch(c.env, parsed.config, (p) => c.executionCtx.waitUntil(p));
    await next();
  });

  // Browsers are x402 clients too: paid, discovery and MCP routes answer CORS (CORS_ORIGINS), and
  // nothing else does — the operator's routes below stay unreadable from other origins.
  const corsOrigins = (c: Context<AppEnv>) => c.var.config.corsOrigins;
  for (const path of ["/", "/.well-known/*", "/openapi.json"]) app.use(path, cors(corsOrigins, ["GET", "HEAD"]));
  app.use("/v1/*", cors(corsOrigins, ["GET", "POST"]));
  app.use("/mcp", cors(corsOrigins, ["GET", "POST", "DELETE"]));

  // Discovery: what is for sale, for people (HTML) and machines (JSON, OpenAPI).
  app.get("/", async (c) => {
    const origin = new URL(c.req.url).origin;
    if ((c.req.header("Accept") ?? "").includes("application/json")) return c.json(wellKnownX402(c.var.config, schemesOf(c), origin));
    // Live: which services the runners connected at this moment can serve (best effort: the page still renders without).
    const runners = await poolOf(c.env).status().catch(() => null);
    return c.html(indexPage(c.var.config, schemesOf(c), origin, runners ? availabilityOf(paidEndpoints(c.var.config), runners) : null));
  });
  app.get("/.well-known/x402", (c) => c.json(wellKnownX402(c.var.config, schemesOf(c), new URL(c.req.url).origin)));
  app.get("/openapi.json", (c) => c.json(openApiDocument(c.var.config, schemesOf(c), new URL(c.req.url).origin)));
  app.get("/v1/models", (c) => {
    const { chat, embeddings } = c.var.config;
    const ids = [...new Set([...chat.models, ...embeddings.models])];
    return c.json({ object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "edge402" })) });
  });

  // Paid routes. The /__bench copies are free and exist only when BENCH_ROUTES allows (local chain).
  for (const [prefix, paid] of [["", true], ["/__bench", false]] as const) {
    const guard = (c: Context<AppEnv>) => paid || c.var.config.benchRoutes;
    app.post(`${prefix}/v1/chat/completions`, (c) => (guard(c) ? chatCompletionsRoute(c, { paid }) : notFound()));
    app.post(`${prefix}/v1/embeddings`, (c) => (guard(c) ? embeddingsRoute(c, { paid }) : notFound()));
    app.post(`${prefix}/v1/:service`, (c) => {
      const offer = c.var.config.services.find((o) => o.definition.id === c.req.param("service"));
      return offer && guard(c) ? catalogServiceRoute(c, offer, { paid }) : notFound();
    });
  }

  // A paid URL's GET: its terms, or a channel's cooperative refund (x402 batch-settlement).
  app.get("/v1/:service{.+}", (c, next) => {
    const origin = new URL(c.req.url).origin;
    const endpoint = paidEndpoints(c.var.config).find((e) => e.path === new URL(c.req.url).pathname);
    if (!endpoint || endpoint.path === "/v1/models") return next();
    // The terms carry the bazaar extension like a POST's 402: an index that probes the URL with GET learns the contract too.
    const resource = paidResource({ url: `${origin}${endpoint.path}`, description: endpoint.description, mimeType: "application/json", inputSchema: endpoint.inputSchema, outputSchema: endpoint.outputSchema, exampleBody: endpoint.example.input, exampleOutput: endpoint.example.output });
    return refundRoute(c, { price: endpoint.examplePrice, resource });
  });

  // MCP agents: the catalog services as paid tools (x402 in `_meta`), same payment core.
  app.on(["GET", "POST", "DELETE"], "/mcp", mcpRoute);

  // Operators: uptime (public: codes only) and Prometheus (its own token).
  app.get("/health", healthRoute);
  app.get("/metrics", metricsAuth(), metricsRoute);

  app.use("/admin/*", adminAuth());
  app.get("/admin/payments", adminPaymentsRoute);
  app.get("/admin/facilitator", adminFacilitatorRoute);
  app.get("/admin/stats", adminStatsRoute);
  app.post("/admin/channels/claim", adminClaimChannelsRoute);
  app.get("/admin/channels", adminChannelsRoute);
  app.get("/admin/runners", async (c) => c.json({ runners: await poolOf(c.env).status() }, 200, { "Cache-Control": "no-store" }));

  // The operator console: a session cookie in the browser, the admin API (with the token) inside the
  // Worker, on behalf of the signed-in client's address (else every dashboard shared one guard bucket).
  mountDashboard(app, (c) => async (path) => {
    const headers = new Headers({ Authorization: `Bearer ${c.var.config.adminToken ?? ""}` });
    const address = c.req.header("CF-Connecting-IP");
    if (address) headers.set("CF-Connecting-IP", address);
    return app.request(path, { headers }, c.env, c.executionCtx);
  });

  app.notFound(() => notFound());
  app.onError((error) => {
    console.error(`unhandled error: ${error instanceof Error ? error.stack : String(error)}`);
    return jsonError(500, "internal_error", "internal error");
  });
  return app;
}
