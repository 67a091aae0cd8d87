import type { Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-context.ts";
import { jsonError } from "../../http/json-error.ts";
import type { AdminDispatch } from "./admin-sources.ts";
import { dashboardAsset } from "./assets.ts";
import { dashboardData } from "./dashboard-data.ts";
import { dashboardPage } from "./pages/dashboard-page.ts";
import { PAGE_HEADERS } from "./pages/page-headers.ts";
import { reasonsPage } from "./pages/reasons-page.ts";
import { signInPage } from "./pages/sign-in-page.ts";
import { paymentsExportRoute } from "./payments-export.ts";
import { currentSession } from "./session-gate.ts";
import { signInRoute } from "./sign-in.ts";
import { signOutRoute } from "./sign-out.ts";

const ReasonQuery = z.object({ code: z.string().regex(/^[a-z0-9_]{1,96}$/).optional() });

/**
 * The operator console under /dashboard (the session cookie's Path): the page or its sign-in form,
 * sign-in and sign-out (POST only: no GET changes anything), the JSON the page polls, a CSV export,
 * the reasons page and the page's static files. Data comes from the admin API through `admin`
 * (the same routes and checks, dispatched inside the Worker with the admin token) — the browser never
 * holds the token, only the session cookie.
 */
export function mountDashboard(app: Hono<AppEnv>, adminFor: (c: Context<AppEnv>) => AdminDispatch): void {
  app.get("/dashboard", async (c) => {
    const session = await currentSession(c);
    if (session.ok) return c.html(dashboardPage({ network: c.var.config.payment.network }), 200, PAGE_HEADERS);
    const message = session.code === "dashboard_disabled" ? "The dashboard is disabled: set the ADMIN_TOKEN secret." : session.code === "session_expired" || session.code === "signed_out" ? "Your session ended; sign in again." : undefined;
    return c.html(signInPage(message ? { message } : {}), 200, PAGE_HEADERS);
  });
  app.post("/dashboard/sign-in", signInRoute);
  app.post("/dashboard/sign-out", signOutRoute);

  app.get("/dashboard/data", async (c) => {
    const session = await currentSession(c);
    if (!session.ok) return jsonError(401, session.code, "sign in at /dashboard first");
    return c.json(await dashboardData(adminFor(c), c.var.config, c.env), 200, PAGE_HEADERS);
  });
  app.get("/dashboard/payments.csv", async (c) => {
    const session = await currentSession(c);
    if (!session.ok) return jsonError(401, session.code, "sign in at /dashboard first");
    return paymentsExportRoute(c, adminFor(c));
  });

  app.get("/dashboard/reasons", (c) => {
    const query = ReasonQuery.safeParse(c.req.query());
    return c.html(reasonsPage(query.success ? (query.data.code ?? null) : null), 200, PAGE_HEADERS);
  });
  app.get("/dashboard/assets/:name", (c) => dashboardAsset(c.req.param("name")) ?? jsonError(404, "not_found", "no such asset"));
}
