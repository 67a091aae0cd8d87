import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";
import { readReceipt } from "../../dev/x402-payments.ts";

// Each seed service end to end: official client → edge → runner → Ollama stand-in, which honours
// `format` (the JSON Schema of the service's model output), and back as schema-valid output.
let stack: LocalStack;
let pay: typeof fetch;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  pay = officialV2Fetch(stack.chain.accounts.payers[0], { network: stack.network, asset: stack.usdc }) as typeof fetch;
});
afterAll(async () => stack?.stop());

const call = (id: string, body: unknown) => pay(`${stack.edge.url}/v1/${id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const balance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, stack.chain.accounts.payers[0].address);

describe.each(SEED_SERVICES.map((s) => [s.id, s] as const))("%s", (_id, service) => {
  it("charges its price and returns the model's answer, repaired and validated", async () => {
    stack.standin.clearScripts();
    stack.standin.script({ content: JSON.stringify(MODEL_OUTPUT_FOR_EXAMPLE[service.id]), times: 1 });
    const before = await balance();
    const response = await call(service.id, service.example.input);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(service.example.output);
    expect(readReceipt(response).success).toBe(true);
    expect(await balance()).toBe(before - service.defaultPrice);
    // The job really asked Ollama for structured output with the service's schema.
    const sent = stack.standin.requests.at(-1)?.body as { format?: { type?: string }; messages: Array<{ images?: string[] }> };
    expect(sent.format?.type).toBe("object");
    expect(Boolean(sent.messages.at(-1)?.images?.length)).toBe(Boolean(service.imageField));
  });

  it("retries once on output that does not fit, then answers 502 and charges nothing", async () => {
    stack.standin.clearScripts();
    stack.standin.script({ content: "I am sorry, I cannot help with that.", times: Infinity });
    const before = await balance();
    const requestsBefore = stack.standin.stats().requests;
    const response = await call(service.id, service.example.input);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_output");
    expect(stack.standin.stats().requests - requestsBefore).toBe(2);
    expect(await balance()).toBe(before);
    stack.standin.clearScripts();
  });
});

describe("unscripted model output", () => {
  it.each(SEED_SERVICES.filter((s) => s.id !== "invoice-extract").map((s) => [s.id, s] as const))(
    "%s: the stand-in's schema-conforming answer comes back as valid output",
    async (_id, service) => {
      stack.standin.clearScripts();
      const response = await call(service.id, service.example.input);
      expect(response.status).toBe(200);
      expect(service.output.safeParse(await response.json()).success).toBe(true);
    },
  );
});
