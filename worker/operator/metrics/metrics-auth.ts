import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-context.ts";
import { bearerTokenOf, secretsEqual } from "../../http/bearer-token.ts";
import { jsonError } from "../../http/json-error.ts";

/**
 * Bearer METRICS_TOKEN for /metrics: a secret of its own, so the Prometheus server's credentials
 * read counters and never the ledger or admin actions (and the admin token is no metrics token).
 * Compared in constant time; closed when METRICS_TOKEN is unset.
 */
export function metricsAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.var.config.metricsToken;
    const presented = bearerTokenOf(c.req.header("Authorization"));
    if (!expected || !presented || !(await secretsEqual(expected, presented))) {
      return jsonError(401, "unauthorized", expected ? "/metrics needs Authorization: Bearer <METRICS_TOKEN>" : "/metrics is disabled: set the METRICS_TOKEN secret", undefined, {
        "WWW-Authenticate": 'Bearer realm="edge402-metrics"',
      });
    }
    await next();
  };
}
