import { Hono } from "hono";
import { poolOf, type AppEnv } from "./app-context.ts";
import { edgeConfigFor } from "./config/edge-config.ts";
import { adminAuth } from "./http/admin-auth.ts";
import { jsonError } from "./http/json-error.ts";
import { adminFacilitatorRoute } from "./routes/admin-facilitator.ts";
import { adminPaymentsRoute } from "./routes/admin-payments.ts";
import { chatCompletionsRoute } from "./services/chat-completions/route.ts";

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
    if (!parsed.ok) {
      console.error(`edge402 is misconfigured:\n  - ${parsed.problems.join("\n  - ")}`);
      return jsonError(500, "edge_misconfigured", "this edge is not configured correctly; the operator must check its logs");
    }
    c.set("config", parsed.config);
    await next();
  });

  // What is for sale, in one small document (the full discovery surface comes with the catalog).
  app.get("/", (c) =>
    c.json({
      name: "edge402",
      description: "Ollama inference sold per call for USDC over x402: no accounts, no API keys.",
      x402: { network: c.var.config.payment.network, asset: c.var.config.payment.asset, payTo: c.var.config.payment.payTo },
      routes: [
        { method: "POST", path: "/v1/chat/completions", paid: true, api: "OpenAI chat completions (stream: true for SSE)" },
        { method: "GET", path: "/v1/models", paid: false },
      ],
      models: c.var.config.chat.models,
    }),
  );
  app.post("/v1/chat/completions", (c) => chatCompletionsRoute(c));
  app.post("/__bench/v1/chat/completions", (c) =>
    c.var.config.benchRoutes ? chatCompletionsRoute(c, { paid: false }) : jsonError(404, "not_found", "no such route"),
  );
  app.get("/v1/models", (c) =>
    c.json({ object: "list", data: c.var.config.chat.models.map((id) => ({ id, object: "model", created: 0, owned_by: "edge402" })) }),
  );

  app.use("/admin/*", adminAuth());
  app.get("/admin/payments", adminPaymentsRoute);
  app.get("/admin/facilitator", adminFacilitatorRoute);
  app.get("/admin/runners", async (c) => c.json({ runners: await poolOf(c.env).status() }, 200, { "Cache-Control": "no-store" }));

  app.notFound(() => jsonError(404, "not_found", "no such route"));
  app.onError((error) => {
    console.error(`unhandled error: ${error instanceof Error ? error.stack : String(error)}`);
    return jsonError(500, "internal_error", "internal error");
  });
  return app;
}
