import { exports } from "cloudflare:workers";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { formatUsdc } from "../../worker/offers/usdc.ts";

const edge = (path: string, init?: RequestInit) => exports.default.fetch(`http://edge.test${path}`, init);
const post = (path: string, body: unknown) => edge(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

interface WellKnown {
  items: Array<{ resource: string; accepts: Array<{ amount: string }>; metadata: { id: string; pricing: { kind: string; amount?: string }; example: { input: unknown } } }>;
}

describe("discovery", () => {
  it("lists every catalog service, at its price, in /.well-known/x402, /openapi.json, the index page, and its own 402", async () => {
    const wellKnown = (await (await edge("/.well-known/x402")).json()) as WellKnown;
    const openapi = (await (await edge("/openapi.json")).json()) as { openapi: string; paths: Record<string, { post: { "x-x402": { pricing: { amount?: string } } } }> };
    const html = await (await edge("/", { headers: { Accept: "text/html" } })).text();
    expect(openapi.openapi).toBe("3.1.0");

    for (const service of SEED_SERVICES) {
      const path = `/v1/${service.id}`;
      const price = service.defaultPrice.toString();
      const item = wellKnown.items.find((i) => i.metadata.id === service.id);
      expect(item?.resource).toBe(`http://edge.test${path}`);
      expect(item?.accepts[0]?.amount).toBe(price);
      expect(item?.metadata.pricing).toMatchObject({ kind: "per_call", amount: price });
      expect(openapi.paths[path]?.post["x-x402"].pricing.amount).toBe(price);
      expect(html).toContain(`POST ${path}`);
      expect(html).toContain(`$${formatUsdc(service.defaultPrice)}`);

      const response = await post(path, service.example.input);
      expect(response.status).toBe(402);
      const header = response.headers.get("PAYMENT-REQUIRED")!;
      expect(header.length).toBeLessThan(7 * 1024);
      const required = decodePaymentRequiredHeader(header);
      expect(required.accepts[0]?.amount).toBe(price);
      const bazaar = required.extensions?.bazaar as { info: { input: { body: unknown } }; schema: { properties: { input: { properties: { body: { properties: object } } } } } };
      expect(bazaar.info.input.body).toEqual(service.example.input);
      expect(Object.keys(bazaar.schema.properties.input.properties.body.properties)).toEqual(expect.arrayContaining(Object.keys(service.example.input as object)));
    }
  });

  it("lists the OpenAI-compatible endpoints with per-token pricing, and their 402 matches the example's quote", async () => {
    const wellKnown = (await (await edge("/.well-known/x402")).json()) as WellKnown;
    for (const id of ["chat.completions", "embeddings"]) {
      const item = wellKnown.items.find((i) => i.metadata.id === id)!;
      expect(item.metadata.pricing.kind).toBe("per_token");
      const response = await post(new URL(item.resource).pathname, item.metadata.example.input);
      expect(response.status).toBe(402);
      expect(response.headers.get("PAYMENT-REQUIRED")!.length).toBeLessThan(7 * 1024);
      expect(decodePaymentRequiredHeader(response.headers.get("PAYMENT-REQUIRED")!).accepts[0]?.amount).toBe(item.accepts[0]?.amount);
    }
  });

  it("gives each paid operation x402scan's x-payment-info, and a paid URL's GET terms the bazaar extension too", async () => {
    type Operation = { "x-payment-info": { price: Record<string, string>; protocols: unknown[] }; responses: Record<string, unknown> };
    const openapi = (await (await edge("/openapi.json")).json()) as { info: Record<string, unknown>; paths: Record<string, { post: Operation }> };
    expect(typeof openapi.info["x-guidance"]).toBe("string");
    for (const service of SEED_SERVICES) {
      const operation = openapi.paths[`/v1/${service.id}`]!.post;
      const usd = `${service.defaultPrice / 1_000_000n}.${(service.defaultPrice % 1_000_000n).toString().padStart(6, "0")}`;
      expect(operation["x-payment-info"]).toEqual({ price: { mode: "fixed", currency: "USD", amount: usd }, protocols: [{ x402: {} }] });
      expect(operation.responses["402"]).toBeDefined();
      const terms = await edge(`/v1/${service.id}`);
      expect(terms.status).toBe(402);
      const bazaar = decodePaymentRequiredHeader(terms.headers.get("PAYMENT-REQUIRED")!).extensions?.bazaar as { info: { input: { method: string; body: unknown } } };
      expect(bazaar.info.input).toMatchObject({ method: "POST", body: service.example.input });
    }
    for (const path of ["/v1/chat/completions", "/v1/embeddings"]) {
      const { price } = openapi.paths[path]!.post["x-payment-info"];
      expect(price).toMatchObject({ mode: "dynamic", currency: "USD" });
      expect(Number(price.min)).toBeLessThan(Number(price.max));
    }
  });

  it("answers / as JSON for machines", async () => {
    const response = await edge("/", { headers: { Accept: "application/json" } });
    expect(((await response.json()) as WellKnown).items.length).toBe(SEED_SERVICES.length + 2);
  });

  it("lists chat and embedding models on /v1/models for free", async () => {
    const models = (await (await edge("/v1/models")).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(["qwen2.5:7b", "qwen2.5:0.5b", "nomic-embed-text:latest"]);
  });
});
