import { describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../../worker/config/edge-config.ts";

const valid = {
  NETWORK: "eip155:31337",
  PAY_TO: "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
  USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  FACILITATOR: "embedded",
  RPC_URL: "http://127.0.0.1:8545",
  RELAYER_KEY: `0x${"ab".repeat(32)}`,
};

const corsOf = (value: string | undefined) => {
  const result = parseEdgeConfig({ ...valid, CORS_ORIGINS: value });
  return result.ok ? { ok: true as const, origins: result.config.corsOrigins } : { ok: false as const, problems: result.problems };
};

describe("CORS_ORIGINS", () => {
  it("defaults to * (any page; blank counts as unset)", () => {
    expect(corsOf(undefined)).toEqual({ ok: true, origins: "*" });
    expect(corsOf("  ")).toEqual({ ok: true, origins: "*" });
    expect(corsOf("*")).toEqual({ ok: true, origins: "*" });
  });

  it("takes a list of origins, written as a browser sends them (host lower-cased, default port dropped, duplicates once)", () => {
    expect(corsOf("https://App.Example.com, http://localhost:5173 https://app.example.com:443/")).toEqual({ ok: true, origins: ["https://app.example.com", "http://localhost:5173"] });
  });

  it.each([
    ["a bare host", "app.example.com"],
    ["a path", "https://app.example.com/shop"],
    ["a query", "https://app.example.com?x=1"],
    ["credentials", "https://user:pw@app.example.com"],
    ["another scheme", "ftp://app.example.com"],
    ["* among origins", "*, https://app.example.com"],
    ["only commas", ",,"],
  ])("refuses %s with a problem naming the variable and the entry", (_name, value) => {
    const result = corsOf(value);
    expect(result.ok).toBe(false);
    const problems = !result.ok ? result.problems : [];
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith("CORS_ORIGINS: "))).toBe(true);
    if (value.trim() !== ",,") expect(problems.join("\n")).toMatch(/is not an origin/);
  });
});
