/** The edge's one RunnerPool object: every runner's tunnel and every job go through it. */
export const poolOf = (env: Env) => env.RUNNER_POOL.getByName("pool");
