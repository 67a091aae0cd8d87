import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_DEPOSIT } from "../../../client/x402/channels.ts";
import { DEFAULT_MAX_PRICE, resolveMcpPaySettings } from "../../../scripts/mcp-pay/settings.ts";
import type { StackLoad } from "../../../scripts/pay/stack-defaults.ts";

const KEY = `0x${"ab".repeat(32)}`;
const noStack: StackLoad = { status: "missing", path: "/nowhere/stack.json" };
const localStack: StackLoad = { status: "ok", path: "stack.json", stack: { edgeUrl: "http://127.0.0.1:8787", payerKey: KEY, network: "eip155:31337" } };

describe("mcp-pay settings", () => {
  it("a call: the MCP URL under the edge, the default max price, the key from PAYER_KEY, any network", () => {
    const result = resolveMcpPaySettings(["sentiment", '{"text":"hi"}', "--edge", "https://edge.example/"], { PAYER_KEY: KEY, HOME: "/home/agent" }, noStack);
    expect(result).toEqual({
      ok: true,
      help: false,
      settings: {
        command: { kind: "call", tool: "sentiment", args: '{"text":"hi"}' },
        mcpUrl: "https://edge.example/mcp",
        maxPrice: DEFAULT_MAX_PRICE,
        scheme: "auto",
        maxDeposit: DEFAULT_MAX_DEPOSIT,
        channelsDir: "/home/agent/.edge402/channels",
        rpcUrl: null,
        payerKey: KEY,
        network: null,
      },
    });
  });

  it("channels: --scheme, --max-deposit, state beside stack.json for the local stack (as npm run pay), RPC from stack.json", () => {
    const result = resolveMcpPaySettings(["sentiment", "{}", "--scheme", "exact", "--max-deposit", "0.5"], {}, { ...localStack, stack: { ...localStack.stack, rpcUrl: "http://127.0.0.1:8545" } } as StackLoad);
    expect(result.ok && !result.help && result.settings).toMatchObject({ scheme: "exact", maxDeposit: 500_000n, channelsDir: "channels", rpcUrl: "http://127.0.0.1:8545" });
    const dir = resolveMcpPaySettings(["sentiment", "{}", "--channels-dir", "/tmp/ch"], { RPC_URL: "http://rpc.example" }, localStack);
    expect(dir.ok && !dir.help && dir.settings).toMatchObject({ channelsDir: "/tmp/ch", rpcUrl: "http://rpc.example" });
    const bad = resolveMcpPaySettings(["sentiment", "{}", "--scheme", "upto", "--max-deposit", "x"], {}, localStack);
    expect(!bad.ok && bad.problems).toEqual(['--max-deposit: "x" is not a decimal amount like 0.01', '--scheme: "upto" is not a scheme: use auto, batch-settlement, exact']);
  });

  it("the local stack's demo key pays on the stack's network only", () => {
    const result = resolveMcpPaySettings(["sentiment", "{}"], {}, localStack);
    expect(result.ok && !result.help && result.settings.network).toBe("eip155:31337");
  });

  it("--max-price is an exact decimal in USDC", () => {
    const result = resolveMcpPaySettings(["list", "--max-price", "0.000001"], {}, localStack);
    expect(result.ok && !result.help && result.settings.maxPrice).toBe(1n);
  });

  it("lists every problem at once, and never echoes a malformed key", () => {
    const secretish = `0x${"cd".repeat(31)}`;
    const result = resolveMcpPaySettings(["sentiment", "--max-price=1.5.0"], { PAYER_KEY: secretish }, noStack);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.some((p) => p.includes("missing <json"))).toBe(true);
    expect(problems.some((p) => p.startsWith("no edge"))).toBe(true);
    expect(problems.some((p) => p.startsWith("--max-price"))).toBe(true);
    expect(problems.join("\n")).not.toContain(secretish);
  });

  it("list needs no key", () => {
    expect(resolveMcpPaySettings(["list", "--edge", "http://127.0.0.1:1"], {}, noStack).ok).toBe(true);
  });

  it("refuses unknown options", () => {
    expect(resolveMcpPaySettings(["list", "--verbose"], {}, localStack).ok).toBe(false);
  });
});
