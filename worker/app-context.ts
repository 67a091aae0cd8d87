import type { EdgeConfig } from "./config/edge-config.ts";

/** The hono context every route sees: the Worker's bindings and the edge's parsed config. */
export type AppEnv = { Bindings: Env; Variables: { config: EdgeConfig } };
