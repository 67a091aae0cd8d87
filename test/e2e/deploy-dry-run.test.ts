import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { startProcess } from "../../dev/child-process.ts";

// The production path starts with `wrangler deploy`: every environment in wrangler.toml must build,
// bind its Durable Objects, and carry no configuration warnings.
const ROOT = resolve(import.meta.dirname, "../..");

describe("wrangler deploy --dry-run", () => {
  it.each(["", "sepolia", "production"])("builds the Worker for environment %j", async (env) => {
    const outdir = mkdtempSync(join(tmpdir(), "edge402-deploy-"));
    const args = [join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", outdir, `--env=${env}`];
    const wrangler = startProcess("wrangler deploy --dry-run", process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    expect(await wrangler.exited).toBe(0);
    const output = wrangler.output();
    expect(output).toContain("--dry-run: exiting now.");
    expect(output).not.toMatch(/WARNING/);
    for (const binding of ["RUNNER_POOL (RunnerPool)", "PAYMENT_LEDGER (PaymentLedger)", "RELAYER (Relayer)"]) expect(output).toContain(binding);
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
  });
});
