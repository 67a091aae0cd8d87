import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { availabilityOf } from "../discovery/availability.ts";
import { paidEndpoints } from "../discovery/endpoints.ts";
import { readEdgeState } from "./edge-state.ts";

/** Why the edge cannot sell right now, as codes an uptime monitor can alert on. */
export type HealthProblem = "no_runner" | "no_servable_service" | "rpc_unreachable" | "relayer_out_of_gas" | "relayer_unavailable" | "facilitator_unreachable";

/**
 * GET /health — for uptime monitors, public: 200 `{status: "ok", runners, models, chain}` when the
 * edge can serve (a runner offers a model some service needs) and settle (embedded: the RPC answers
 * and the relayer can pay for a settlement; remote: the facilitator answers), else 503 with
 * `problems`. It reads the live objects on each call; `GET /healthz` stays the Worker's bare liveness.
 */
export async function healthRoute(c: Context<AppEnv>): Promise<Response> {
  const config = c.var.config;
  const state = await readEdgeState(c.env, config);
  const availability = availabilityOf(paidEndpoints(config), state.runners);
  const problems: HealthProblem[] = [];
  if (availability.runnersOnline === 0) problems.push("no_runner");
  else if (!availability.services.some((s) => s.servable)) problems.push("no_servable_service");
  if (state.chain.problem) problems.push(state.chain.problem);
  const { relayer } = state.chain;
  const body = {
    status: problems.length === 0 ? "ok" : "unavailable",
    problems,
    runners: {
      online: availability.runnersOnline,
      slots: state.runners.filter((r) => !r.draining).flatMap((r) => r.models).reduce((s, m) => ({ busy: s.busy + Math.min(m.inFlight, m.capacity), total: s.total + m.capacity }), { busy: 0, total: 0 }),
    },
    models: availability.models,
    services: availability.services,
    chain: {
      network: state.chain.network,
      settlement: state.chain.kind,
      ok: state.chain.ok,
      ...(relayer ? { relayer: { address: relayer.address, balanceWei: relayer.balanceWei, gas: relayer.level, pendingTransactions: relayer.pending } } : {}),
    },
  };
  return c.json(body, problems.length === 0 ? 200 : 503, { "Cache-Control": "no-store", ...(problems.length ? { "Retry-After": "30" } : {}) });
}
