import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";

// /mcp inside workerd itself (the paid flows run end to end in test/e2e/mcp.test.ts): the SDK server
// must run under workerd's rules (no `new Function`, web-standard streams).
const rpc = (method: string, params: unknown, id = 1) =>
  exports.default.fetch("http://edge.test/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });

interface RpcResult<T> {
  result?: T;
  error?: { code: number; message: string };
}

describe("/mcp in workerd", () => {
  it("initializes as a tools-only server that announces how payment works", async () => {
    const response = await rpc("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull(); // stateless
    const body = (await response.json()) as RpcResult<{ capabilities: Record<string, unknown>; instructions: string; serverInfo: { name: string } }>;
    expect(body.result?.serverInfo.name).toBe("edge402");
    expect(Object.keys(body.result?.capabilities ?? {})).toEqual(["tools"]);
    expect(body.result?.instructions).toContain('_meta["x402/payment"]');
  });

  it("lists one tool per catalog service", async () => {
    const body = (await (await rpc("tools/list", {})).json()) as RpcResult<{ tools: Array<{ name: string; inputSchema: { type: string } }> }>;
    expect(body.result?.tools.map((t) => t.name).sort()).toEqual(SEED_SERVICES.map((s) => s.id).sort());
  });

  it("answers an unpaid call with PaymentRequired, validated arguments first", async () => {
    type Call = RpcResult<{ isError?: boolean; structuredContent?: { x402Version?: number; error?: unknown } }>;
    const unpaid = (await (await rpc("tools/call", { name: "sentiment", arguments: { text: "good" } })).json()) as Call;
    expect(unpaid.result).toMatchObject({ isError: true, structuredContent: { x402Version: 2, error: "payment_required" } });
    const bad = (await (await rpc("tools/call", { name: "sentiment", arguments: { text: 42 } })).json()) as Call;
    expect(bad.result).toMatchObject({ isError: true, structuredContent: { error: { code: "invalid_request", status: 400 } } });
  });

  it("refuses malformed JSON-RPC and GET without crashing", async () => {
    const garbage = await exports.default.fetch("http://edge.test/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{not json",
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as RpcResult<unknown>).error?.code).toBe(-32700);
    const get = await exports.default.fetch("http://edge.test/mcp");
    expect(get.status).toBe(405);
  });

  it("is named on the index page", async () => {
    const html = await (await exports.default.fetch("http://edge.test/", { headers: { Accept: "text/html" } })).text();
    expect(html).toContain("http://edge.test/mcp");
  });
});
