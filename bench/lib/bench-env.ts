import { z } from "zod";

const count = (fallback: number, max: number) => z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(1).max(max)).default(fallback);
const decimal = (fallback: string) => z.string().trim().regex(/^\d+(\.\d+)?$/, "must be a decimal number like 0.01").default(fallback);

const BenchEnvSchema = z.object({
  BENCH_ROUNDS: count(100, 10_000),
  BENCH_THROUGHPUT_N: count(200, 100_000),
  BENCH_CONCURRENCY: count(8, 128),
  BENCH_VERIFY_N: count(300, 100_000),
  BENCH_RPC_LATENCY_MS: z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(0).max(5_000)).default(0),
  /** Milliseconds between the local chain's blocks; 0 (the default): a block per transaction (automine). */
  BENCH_BLOCK_MS: z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(0).max(5_000)).default(0),
  /** Calls per channel in the channel throughput run, its deposit call included: the gas row divides by this. */
  BENCH_CALLS_PER_CHANNEL: count(1_000, 100_000),
  /** The Base fee the gas row prices at (L2 execution gas; gwei) and the ETH price (USD): stated, not measured. */
  BENCH_GAS_GWEI: decimal("0.01"),
  BENCH_ETH_USD: decimal("3000"),
});
export type BenchEnv = z.infer<typeof BenchEnvSchema>;

/** BENCH_* environment → the run's settings; every problem listed, nothing started on a bad one. */
export function benchEnv(env: Record<string, string | undefined>): BenchEnv {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith("BENCH_") && value !== undefined && value !== ""));
  const parsed = BenchEnvSchema.safeParse(present);
  if (!parsed.success) {
    console.error(`bench: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}`);
    process.exit(2);
  }
  return parsed.data;
}
