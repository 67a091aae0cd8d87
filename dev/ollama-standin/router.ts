import type { RouteContext, RouteHandler } from "./route-context.ts";
import { sendText } from "./http-io.ts";

export interface Route {
  method: "GET" | "HEAD" | "POST" | "DELETE";
  path: string;
  handler: RouteHandler;
}

/** gin's defaults: plain-text 404/405, and a redirect for a trailing slash. */
export async function dispatch(routes: ReadonlyArray<Route>, ctx: RouteContext, method: string, path: string): Promise<void> {
  const route = routes.find((r) => r.path === path && r.method === method);
  if (route) return route.handler(ctx);
  if (routes.some((r) => r.path === path)) return sendText(ctx.res, 405, "405 method not allowed", "text/plain");
  const withoutSlash = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : undefined;
  if (withoutSlash !== undefined && routes.some((r) => r.path === withoutSlash && r.method === method)) {
    ctx.res.writeHead(method === "GET" ? 301 : 307, { Location: withoutSlash });
    ctx.res.end();
    return;
  }
  sendText(ctx.res, 404, "404 page not found", "text/plain");
}
