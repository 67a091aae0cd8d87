import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeConfigFor, type EdgeConfig } from "../../worker/config/edge-config.ts";
import { PaymentReason } from "../../worker/payments/core/reasons.ts";
import { deepJsonText, hostileJson, hostileText, jsonWithRawAt, oversizedText, setAt } from "../support/hostile-arbitraries.ts";
import { ledgerCounts, post } from "./support/hostile-observers.ts";
import { waitForPool } from "./support/pool.ts";
import { testIdentity, TunnelClient } from "./support/tunnel-client.ts";
import { IMAGE_INPUT_ERROR_CODES } from "../../protocol/image-input.ts";

// Generated MCP traffic through the real Worker: JSON-RPC envelopes, tool arguments and
// `_meta["x402/payment"]` values. Whatever arrives: no 5xx, no reservation or ledger row, no job on
// the connected runner, and a refusal that says what is wrong — a JSON-RPC error, a tool error with a
// specific code, or PaymentRequired with a specific reason. 60–80 runs per property: each request
// costs a few milliseconds, and that visits every tool and argument several times.

const TOOL_ERROR_CODES = new Set([
  "invalid_request",
  ...IMAGE_INPUT_ERROR_CODES,
]);
const PAYMENT_REASONS = new Set<string>([PaymentReason.paymentRequired, PaymentReason.invalidPayload, PaymentReason.invalidVersion]);
const TIMEOUT_MS = 120_000;
const HEADERS = { accept: "application/json, text/event-stream" };

let config: EdgeConfig;
let runner: TunnelClient;

beforeAll(async () => {
  const parsed = edgeConfigFor(env);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  config = parsed.config;
  await waitForPool((runners) => runners.length === 0);
  runner = await TunnelClient.open();
  const models = [...new Set(config.services.map((o) => o.model))];
  await runner.connectAs(await testIdentity(0), models.map((name) => ({ name, capacity: 4 })));
  await waitForPool((runners) => runners.length === 1);
});

afterAll(async () => {
  runner.close();
  await waitForPool((runners) => runners.length === 0);
});

async function expectNothingCharged(body: () => Promise<void>): Promise<void> {
  const before = await ledgerCounts();
  await body();
  expect(await ledgerCounts()).toEqual(before);
  expect(runner.pending().filter((m) => m.type === "job")).toEqual([]);
}

interface RpcReply {
  error?: { code: number; message: string };
  result?: { isError?: boolean; structuredContent?: { x402Version?: number; error?: unknown } };
}

/** A specific answer: a JSON-RPC error with a message, a tool error with a known code, or a price with a known reason. */
async function expectSpecificRefusal(response: Response) {
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBeLessThan(500);
  if (response.status !== 200) return; // the SDK's HTTP-level refusals (400 parse error, 406, 413, 415)
  const reply = JSON.parse(text) as RpcReply;
  if (reply.error) {
    expect(reply.error.message.length).toBeGreaterThan(5);
    return;
  }
  expect(reply.result?.isError, text.slice(0, 300)).toBe(true);
  const structured = reply.result?.structuredContent;
  if (structured?.x402Version !== undefined) expect(PAYMENT_REASONS, text.slice(0, 300)).toContain(structured.error);
  else expect(TOOL_ERROR_CODES, text.slice(0, 300)).toContain((structured?.error as { code?: string } | undefined)?.code);
}

const toolCall = (name: string, args: unknown, meta?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) } });

describe("MCP, generated", () => {
  it(
    "no tool call (arguments, or a payment in _meta) produces a 5xx, a charge or a job",
    async () => {
      const tool = () => fc.constantFrom(...config.services.map((o) => o.definition.id));
      const example = (id: string) => config.services.find((o) => o.definition.id === id)!.definition.example.input as Record<string, unknown>;
      const request = fc.oneof(
        fc.tuple(tool(), hostileJson).map(([id, args]) => ({ kind: "any arguments", build: () => toolCall(id, args) })),
        fc.tuple(tool(), hostileText(20), hostileJson).map(([id, key, v]) => ({ kind: "a field replaced", build: () => toolCall(id, setAt(example(id), [Object.keys(example(id))[0] ?? key], v)) })),
        fc.tuple(tool(), oversizedText(20_001, 200_000)).map(([id, t]) => ({ kind: "an oversized field", build: () => toolCall(id, setAt(example(id), [Object.keys(example(id))[0]!], t)) })),
        fc.tuple(tool(), deepJsonText(1_000, 50_000)).map(([id, deep]) => ({ kind: "deep arguments", build: () => jsonWithRawAt(JSON.parse(toolCall(id, null)), ["params", "arguments"], deep) })),
        fc.tuple(tool(), hostileJson).map(([id, payment]) => ({ kind: "any payment", build: () => toolCall(id, example(id), { "x402/payment": payment }) })),
        fc.tuple(tool(), deepJsonText(1_000, 50_000)).map(([id, deep]) => ({ kind: "a deep payment", build: () => jsonWithRawAt(JSON.parse(toolCall(id, example(id), { "x402/payment": null })), ["params", "_meta", "x402/payment"], deep) })),
      );
      await fc.assert(
        fc.asyncProperty(request, async (generated) => {
          await expectNothingCharged(async () => expectSpecificRefusal(await post("/mcp", generated.build(), HEADERS)));
        }),
        { numRuns: 80 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "no JSON-RPC envelope (any JSON, deep JSON, bytes, text) produces a 5xx",
    async () => {
      const body = fc.oneof(
        hostileJson.map((j) => JSON.stringify(j) ?? "null"),
        hostileJson.map((params) => JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params })),
        fc.constantFrom("initialize", "tools/list", "tools/call", "resources/list", "ping", "x").chain((method) => hostileJson.map((params) => JSON.stringify({ jsonrpc: "2.0", id: "a", method, params }))),
        deepJsonText(1_000, 50_000),
        hostileText(200),
      );
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          await expectNothingCharged(async () => {
            const response = await post("/mcp", text, HEADERS);
            expect(response.status, (await response.clone().text()).slice(0, 300)).toBeLessThan(500);
          });
        }),
        { numRuns: 60 },
      );
    },
    TIMEOUT_MS,
  );
});
