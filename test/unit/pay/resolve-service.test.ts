import { describe, expect, it } from "vitest";
import { fetchCatalog, resolveService, type Catalog } from "../../../scripts/pay/resolve-service.ts";

const noCatalog: Catalog = { status: "absent", why: "the edge has no /.well-known/x402 (HTTP 404)" };
const catalog: Catalog = {
  status: "ok",
  resources: [
    { id: "sentiment", method: "POST", path: "/v1/sentiment" },
    { id: "pii-detect", url: "https://edge.example/v1/pii-detect" },
    { id: "lookup", method: "get", resource: "https://edge.example/v1/lookup?v=2" },
    { id: "broken" },
  ],
};

describe("resolveService", () => {
  it("uses a path as is", () => {
    expect(resolveService("/v1/custom/thing", catalog)).toEqual({ ok: true, service: { method: "POST", path: "/v1/custom/thing", source: "path" } });
  });

  it("finds a name by id in the edge's catalog (path, url or resource; method upper-cased)", () => {
    expect(resolveService("sentiment", catalog)).toMatchObject({ ok: true, service: { method: "POST", path: "/v1/sentiment", source: "catalog" } });
    expect(resolveService("PII-Detect", catalog)).toMatchObject({ ok: true, service: { path: "/v1/pii-detect", source: "catalog" } });
    expect(resolveService("lookup", catalog)).toMatchObject({ ok: true, service: { method: "GET", path: "/v1/lookup?v=2" } });
    expect(resolveService("broken", catalog)).toEqual({ ok: false, problem: 'the edge\'s catalog lists "broken" without a path or url' });
  });

  it("matches entries without an id on /v1/<name>", () => {
    const bazaar: Catalog = { status: "ok", resources: [{ resource: "https://edge.example/v1/sentiment" }, { id: "other", path: "/v1/alt-text" }] };
    expect(resolveService("sentiment", bazaar)).toMatchObject({ ok: true, service: { path: "/v1/sentiment", source: "catalog" } });
    expect(resolveService("alt-text", bazaar).ok).toBe(false);
  });

  it.each([
    ["chat", "/v1/chat/completions"],
    ["embeddings", "/v1/embeddings"],
  ])("falls back to the built-in alias %s → %s, with or without a catalog", (name, path) => {
    expect(resolveService(name, noCatalog)).toMatchObject({ ok: true, service: { method: "POST", path, source: "alias" } });
    expect(resolveService(name, catalog)).toMatchObject({ ok: true, service: { path, source: "alias" } });
  });

  it("without a catalog, any other name is /v1/<name>", () => {
    expect(resolveService("alt-text", noCatalog)).toEqual({
      ok: true,
      service: { method: "POST", path: "/v1/alt-text", source: "default" },
      note: "the edge has no /.well-known/x402 (HTTP 404)",
    });
  });

  it("with a catalog, a name it does not list is refused, listing what it sells", () => {
    expect(resolveService("alt-text", catalog)).toEqual({
      ok: false,
      problem: 'the edge does not sell "alt-text"; its catalog lists: sentiment, pii-detect, lookup, broken (or pass a path like /v1/alt-text)',
    });
  });

  it.each(["../admin", "a b", "", "chat?x=1"])("refuses %j as a name", (name) => {
    expect(resolveService(name, noCatalog).ok).toBe(false);
  });
});

describe("fetchCatalog", () => {
  const fakeFetch = (respond: () => Response | Promise<Response>) => (async () => respond()) as unknown as typeof fetch;

  it("reads resources and ignores what it does not know", async () => {
    const body = { x402Version: 2, resources: [{ id: "sentiment", path: "/v1/sentiment", accepts: [{ scheme: "exact" }], extra: true }] };
    const result = await fetchCatalog("http://e", fakeFetch(() => Response.json(body)));
    expect(result).toMatchObject({ status: "ok", resources: [{ id: "sentiment", path: "/v1/sentiment" }] });
  });

  it("reads the bazaar-like shape too: items[] with resource URLs and metadata.id", async () => {
    const body = {
      x402Version: 2,
      items: [
        { resource: "https://edge.example/v1/sentiment", type: "http", method: "POST", accepts: [], metadata: { id: "sentiment", title: "Sentiment" } },
        { resource: "https://edge.example/v1/chat/completions", method: "POST", metadata: { id: "chat.completions" } },
      ],
    };
    const result = await fetchCatalog("http://e", fakeFetch(() => Response.json(body)));
    expect(result).toEqual({
      status: "ok",
      resources: [
        { id: "sentiment", method: "POST", resource: "https://edge.example/v1/sentiment" },
        { id: "chat.completions", method: "POST", resource: "https://edge.example/v1/chat/completions" },
      ],
    });
    expect(resolveService("sentiment", result)).toMatchObject({ ok: true, service: { method: "POST", path: "/v1/sentiment", source: "catalog" } });
    expect(resolveService("chat", result)).toMatchObject({ ok: true, service: { path: "/v1/chat/completions", source: "alias" } });
    expect(resolveService("chat.completions", result)).toMatchObject({ ok: true, service: { path: "/v1/chat/completions", source: "catalog" } });
  });

  it.each([
    ["a 404", () => Response.json({ error: { code: "not_found" } }, { status: 404 }), "the edge has no /.well-known/x402 (HTTP 404)"],
    ["not JSON", () => new Response("<html>"), "/.well-known/x402 is not JSON"],
    ["another shape", () => Response.json({ services: [] }), "/.well-known/x402 has no resources list this client understands"],
    ["a network error", () => Promise.reject(new TypeError("fetch failed")), "cannot fetch /.well-known/x402: fetch failed"],
  ])("treats %s as no catalog", async (_what, respond, why) => {
    expect(await fetchCatalog("http://e", fakeFetch(respond))).toEqual({ status: "absent", why });
  });
});
