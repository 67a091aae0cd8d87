import { basename, dirname, join } from "node:path";
import { z } from "zod";

/**
 * The running daemon's state as a small JSON file beside its key (default ~/.edge402/runner-key.status.json),
 * rewritten on every change; `node-runner status` reads it. A file rather than a loopback status
 * endpoint: no port to pick or collide, no listening socket on the operator's Mac (macOS asks
 * about those), the same under launchd, systemd and a terminal, and the last state is still
 * there after the daemon died. Plain paths from node:path only: macOS and Linux alike.
 */
export const RunnerStatusSchema = z.object({
  version: z.literal(1),
  pid: z.int().positive(),
  runnerId: z.string(),
  name: z.string(),
  runnerVersion: z.string(),
  edge: z.string(),
  ollamaHost: z.string(),
  /** connecting: dialing or backing off; connected: authenticated, taking jobs; draining: finishing jobs before exit; stopped. */
  state: z.enum(["connecting", "connected", "draining", "stopped"]),
  startedAt: z.int(),
  /** When the current connection was authenticated; null while not connected. */
  connectedSince: z.int().nullable(),
  models: z.array(z.object({ name: z.string(), concurrency: z.int() })),
  jobs: z.object({ now: z.int().min(0), served: z.int().min(0), failed: z.int().min(0) }),
  updatedAt: z.int(),
});
export type RunnerStatusFile = z.infer<typeof RunnerStatusSchema>;

/** runner-key.json → runner-key.status.json, in the key's directory (one daemon per key). */
export function statusFileFor(keyFile: string): string {
  return join(dirname(keyFile), `${basename(keyFile).replace(/\.json$/i, "")}.status.json`);
}
