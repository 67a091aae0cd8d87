import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";

// `npm run validate-listing` against the live local edge (wrangler dev): its /openapi.json and every
// paid resource's 402 pass what x402 indexes check — x402scan's x-payment-info, and the bazaar
// extension through the official validator. What a broken entry looks like: test/unit/validate-listing/.
const ROOT = resolve(import.meta.dirname, "../..");

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ runners: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

/** The script as an operator runs it (tsx, as npm run does), in its own process. */
function validateListing(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/validate-listing.ts", ...args], { cwd: ROOT, env: { ...process.env, EDGE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe("npm run validate-listing on the local stack", () => {
  it("passes every paid resource: listing, 402 and bazaar extension", async () => {
    const { code, stdout, stderr } = await validateListing(["--edge", stack.edge.url]);
    expect(stderr).toBe("");
    expect(code, stdout).toBe(0);
    const paths = [...SEED_SERVICES.map((s) => `/v1/${s.id}`), "/v1/chat/completions", "/v1/embeddings"];
    for (const path of paths) expect(stdout).toMatch(new RegExp(`^ok {4}POST ${path.replaceAll("/", "\\/")}  .*bazaar valid$`, "m"));
    expect(stdout).toContain(`${paths.length} passed, 0 failed`);
    expect(stdout).not.toContain("FAIL");
    // Fixed prices are the catalog's, in decimal USD; the OpenAI-compatible routes are ranges.
    expect(stdout).toMatch(/POST \/v1\/sentiment {2}fixed \$0\.010000; 402 asks 10000 by batch-settlement, 10000 by exact/);
    expect(stdout).toMatch(/POST \/v1\/chat\/completions {2}dynamic \$0\.\d{6}–\$\d+\.\d{6}/);
  });

  it("exits 1 when the edge is not there, and 2 on a usage error", async () => {
    const gone = await validateListing(["--edge", "http://127.0.0.1:9"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("http://127.0.0.1:9");
    const usage = await validateListing(["--edge", "ftp://example.com", "--bogus"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--edge must be an http(s) URL");
    expect(usage.stderr).toContain('unexpected argument "--bogus"');
  });
});
