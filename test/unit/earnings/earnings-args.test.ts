import { describe, expect, it } from "vitest";
import { parseEarningsArgs } from "../../../scripts/earnings/args.ts";
import { runEarnings } from "../../../scripts/earnings/run.ts";

// `npm run earnings`: its command line (every problem at once, exit 2) and where the token may go.
// The real path — an edge after real paid calls — is test/e2e/operator-console.test.ts.

const NOW = Date.parse("2026-12-03T12:00:00Z");

describe("npm run earnings: arguments", () => {
  it("defaults to the last 7 days and reads durations, dates, ISO times and unix ms", () => {
    expect(parseEarningsArgs([], NOW)).toEqual({ ok: true, args: { help: false, since: NOW - 7 * 86_400_000, until: NOW, csv: false, edge: null } });
    expect(parseEarningsArgs(["--since", "24h", "--until=2026-12-03", "--csv"], NOW)).toMatchObject({ ok: true, args: { since: NOW - 86_400_000, until: Date.parse("2026-12-03T00:00:00Z"), csv: true } });
    expect(parseEarningsArgs(["--since", "2026-12-01T06:00:00Z", "--until", String(NOW)], NOW)).toMatchObject({ ok: true, args: { since: Date.parse("2026-12-01T06:00:00Z"), until: NOW } });
  });

  it("lists every problem at once", () => {
    const parsed = parseEarningsArgs(["--since", "last week", "--csv=yes", "--edge", "ftp://x", "--bogus", "extra"], NOW);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      "--csv takes no value",
      "unknown option --bogus",
      'unexpected argument "extra"',
      '--since "last week" is not a time: use a duration back from now (30m, 24h, 7d, 2w), a date (2026-12-01), an ISO time or unix ms',
      '--edge must be an http(s) URL, not "ftp://x"',
    ]);
    expect(parseEarningsArgs(["--since", "1d", "--until", "2d"], NOW)).toEqual({ ok: false, problems: ["--since must be before --until"] });
    expect(parseEarningsArgs(["--until"], NOW)).toEqual({ ok: false, problems: ["--until needs a value"] });
  });

  it("exits 2 listing the problems, before asking any edge", async () => {
    let err = "";
    const fetch = () => Promise.reject(new Error("must not be called"));
    const code = await runEarnings(["--since", "soon"], { stdout: () => {}, stderr: (t) => void (err += t), env: {}, stackFile: "/nonexistent/stack.json", fetch: fetch as never, now: NOW });
    expect(code).toBe(2);
    expect(err).toContain('--since "soon" is not a time');
    expect(err).toContain("npm run earnings -- [--since 7d]");
  });

  it("without an edge or a token: exit 2 naming both", async () => {
    let err = "";
    const code = await runEarnings([], { stdout: () => {}, stderr: (t) => void (err += t), env: {}, stackFile: "/nonexistent/stack.json", now: NOW });
    expect(code).toBe(2);
    expect(err).toContain("no edge");
    expect(err).toContain("no admin token");
  });
});
