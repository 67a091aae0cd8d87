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

describe("parseEdgeConfig", () => {
  it("parses a complete local configuration with defaults", () => {
    const result = parseEdgeConfig(valid);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.payment).toMatchObject({ chainId: 31337, v1NetworkName: null, payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", maxTimeoutSeconds: 300 });
    expect(result.config.chat.models).toEqual(["qwen2.5:7b"]);
    expect(result.config.chat.basePrice).toBe(1000n);
  });

  it("knows Base's USDC and its EIP-712 domain without being told", () => {
    const result = parseEdgeConfig({ NETWORK: "eip155:8453", PAY_TO: valid.PAY_TO, FACILITATOR: "remote", FACILITATOR_URL: "https://x402.org/facilitator" });
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.payment).toMatchObject({ asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", assetName: "USD Coin", assetVersion: "2", v1NetworkName: "base" });
  });

  it("lists every problem at once, by variable name", () => {
    const result = parseEdgeConfig({ ...valid, USDC_ADDRESS: "0x123", RELAYER_KEY: undefined, CHAT_MODELS: "ok:1, bad name!" });
    expect(result.ok).toBe(false);
    const problems = !result.ok ? result.problems.join("\n") : "";
    expect(problems).toMatch(/USDC_ADDRESS/);
    expect(problems).toMatch(/RELAYER_KEY/);
    expect(problems).toMatch(/CHAT_MODELS/);
  });

  it("reports schema problems together", () => {
    const result = parseEdgeConfig({ NETWORK: "base", PAY_TO: "nope", CHAT_BASE_PRICE: "0.01" });
    expect(!result.ok && result.problems.map((p) => p.split(":")[0])).toEqual(expect.arrayContaining(["NETWORK", "PAY_TO", "CHAT_BASE_PRICE"]));
  });

  it("refuses prices that are not integer base units", () => {
    for (const price of ["0.01", "-5", "1e6", "$1"]) expect(parseEdgeConfig({ ...valid, CHAT_BASE_PRICE: price }).ok).toBe(false);
  });

  it("treats blank variables as unset", () => {
    expect(parseEdgeConfig({ ...valid, MAX_TIMEOUT_SECONDS: "" }).ok).toBe(true);
  });
});

describe("BENCH_ROUTES", () => {
  it("is allowed on the local chain", () => {
    const result = parseEdgeConfig({ ...valid, BENCH_ROUTES: "on" });
    expect(result.ok && result.config.benchRoutes).toBe(true);
  });
  it("is refused on any real network, so paid routes are never free there", () => {
    const result = parseEdgeConfig({ ...valid, NETWORK: "eip155:8453", BENCH_ROUTES: "on" });
    expect(!result.ok && result.problems.join()).toMatch(/BENCH_ROUTES/);
  });
});
