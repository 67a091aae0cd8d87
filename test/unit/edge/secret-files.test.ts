import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// Where the edge's secrets (RELAYER_KEY, ADMIN_TOKEN) may live: `wrangler secret put` in production,
// and for wrangler dev a local file that git never picks up.
const ROOT = resolve(import.meta.dirname, "../../..");

describe("secret files", () => {
  it("wrangler.toml declares no secret as a plain var, in any environment", () => {
    const lines = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8")
      .split("\n")
      .map((line) => line.replace(/#.*$/, "").trim())
      .filter(Boolean);
    expect(lines.filter((line) => /^"?(RELAYER_KEY|ADMIN_TOKEN|PAYER_KEY)"?\s*=/.test(line))).toEqual([]);
  });

  it.each([".dev.vars", ".dev.vars.production", ".env", ".env.local", ".env.production", ".env.production.local"])(
    "a secret put in %s (wrangler dev reads secrets from it) cannot be committed: git ignores it",
    (file) => {
      // Regression: only .dev.vars was ignored, so RELAYER_KEY put in .env (which wrangler 4 reads too)
      // would have been committed.
      expect(execFileSync("git", ["check-ignore", "--no-index", file], { cwd: ROOT, encoding: "utf8" }).trim()).toBe(file);
    },
  );

  it.each([".dev.vars.example", ".env.example"])("git still tracks an example file, %s", (file) => {
    expect(() => execFileSync("git", ["check-ignore", "--no-index", file], { cwd: ROOT, stdio: "pipe" })).toThrow();
  });
});
