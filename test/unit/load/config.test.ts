import { describe, expect, it } from "vitest";
import { LOAD_LIMITS, loadConfigFromEnv } from "../../../scripts/load/config.ts";
import { isLoopbackUrl } from "../../../scripts/load/loopback.ts";

describe("npm run load settings", () => {
  it("defaults to a small bounded run with enough runner slots and queue for C calls at once", () => {
    const result = loadConfigFromEnv({ LOAD_C: "64" });
    expect(result).toEqual({
      ok: true,
      config: { scheme: "exact", n: 200, c: 64, runners: 3, maxSeconds: 600, service: "sentiment", slotsPerRunner: 22, queuePerRunner: 64, ollamaHost: null, blockMs: 250 },
    });
  });

  it("reads every LOAD_* setting", () => {
    const result = loadConfigFromEnv({
      LOAD_N: "10000",
      LOAD_C: "8",
      LOAD_RUNNERS: "2",
      LOAD_MAX_SECONDS: "900",
      LOAD_SERVICE: "chat",
      LOAD_RUNNER_SLOTS: "1",
      LOAD_RUNNER_QUEUE: "0",
      LOAD_OLLAMA_HOST: "http://127.0.0.1:11434",
      LOAD_BLOCK_MS: "0",
      LOAD_SCHEME: "batch-settlement",
    });
    expect(result).toEqual({
      ok: true,
      config: { scheme: "batch-settlement", n: 10000, c: 8, runners: 2, maxSeconds: 900, service: "chat", slotsPerRunner: 1, queuePerRunner: 0, ollamaHost: "http://127.0.0.1:11434", blockMs: 0 },
    });
  });

  it("never runs more calls at once than calls in all", () => {
    expect(loadConfigFromEnv({ LOAD_N: "5", LOAD_C: "64" })).toMatchObject({ ok: true, config: { n: 5, c: 5 } });
  });

  it("refuses N, C, runners and time budgets beyond the caps, listing every problem", () => {
    const result = loadConfigFromEnv({
      LOAD_N: String(LOAD_LIMITS.maxN + 1),
      LOAD_C: String(LOAD_LIMITS.maxC + 1),
      LOAD_RUNNERS: "0",
      LOAD_MAX_SECONDS: String(LOAD_LIMITS.maxSeconds + 1),
      LOAD_SERVICE: "bitcoin-mining",
      LOAD_RUNNER_SLOTS: "65",
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.split(":")[0])).toEqual([
      "LOAD_N",
      "LOAD_C",
      "LOAD_RUNNERS",
      "LOAD_MAX_SECONDS",
      "LOAD_SERVICE",
      "LOAD_RUNNER_SLOTS",
    ]);
  });

  it.each(["upto", "Exact", "batch"])("refuses LOAD_SCHEME=%j: the run pays by exact or batch-settlement only", (value) => {
    const result = loadConfigFromEnv({ LOAD_SCHEME: value });
    expect(result).toEqual({ ok: false, problems: ["LOAD_SCHEME: must be one of exact, batch-settlement"] });
  });

  it.each(["1e4", "-1", "ten", "3.5", ""])("refuses LOAD_N=%j unless it is a whole number (empty means the default)", (value) => {
    const result = loadConfigFromEnv({ LOAD_N: value });
    expect(result.ok).toBe(value === "");
  });

  it.each(["http://192.168.1.10:11434", "http://ollama.example.com", "https://10.0.0.1", "http://0.0.0.0:11434", "ftp://127.0.0.1", "not a url"])(
    "refuses a non-loopback LOAD_OLLAMA_HOST %s: a load run never leaves this machine",
    (host) => {
      const result = loadConfigFromEnv({ LOAD_OLLAMA_HOST: host });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems[0]).toMatch(/^LOAD_OLLAMA_HOST: must be a loopback URL/);
    },
  );

  it.each(["http://127.0.0.1:11434", "http://127.1.2.3", "http://localhost:8787", "http://[::1]:8787"])("accepts the loopback URL %s", (url) => {
    expect(isLoopbackUrl(url)).toBe(true);
  });
});
