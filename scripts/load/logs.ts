import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalStack } from "../../dev/local-stack.ts";

/**
 * Keeps what the edge (wrangler dev) and each runner printed — the last MiB of each — in a fresh
 * temporary directory, for a run that did not go cleanly. Returns the directory.
 */
export function saveStackLogs(stack: LocalStack): string {
  const dir = mkdtempSync(join(tmpdir(), "edge402-load-logs-"));
  writeFileSync(join(dir, "edge.log"), stack.edge.process.output());
  stack.runners.forEach((runner, i) => writeFileSync(join(dir, `runner-${i}.log`), runner.process.output()));
  return dir;
}
