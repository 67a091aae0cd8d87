import type { EdgeConfig } from "./config/edge-config.ts";

export type AppEnv = { Bindings: Env; Variables: { config: EdgeConfig } };

export const poolOf = (env: Env) => env.RUNNER_POOL.getByName("pool");
export const ledgerOf = (env: Env) => env.PAYMENT_LEDGER.getByName("ledger");
