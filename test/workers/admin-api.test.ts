import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const TOKEN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
const get = (path: string, headers: Record<string, string> = {}) => exports.default.fetch(`http://edge.test${path}`, { headers });

describe("admin API", () => {
  it.each([
    ["no token", {}],
    ["a wrong token", { Authorization: "Bearer nope" }],
    ["a token with one character changed", { Authorization: `Bearer ${TOKEN.slice(0, -1)}X` }],
    ["the token as a basic credential", { Authorization: `Basic ${TOKEN}` }],
  ])("refuses %s with 401", async (_name, headers) => {
    const response = await get("/admin/payments", headers);
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("lists payments as JSON and as CSV", async () => {
    await env.PAYMENT_LEDGER.getByName("ledger").record({
      scheme: "exact",
      replayKey: "admin-test",
      network: "eip155:31337",
      payer: "0x00000000000000000000000000000000000000aa",
      payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      authorized: "1234",
      charged: "1234",
      service: "chat.completions",
      settlementRef: "0x" + "ab".repeat(32),
      txHash: "0x" + "ab".repeat(32),
      x402Version: 2,
      model: "=cmd()",
      runnerId: null,
      promptTokens: 1,
      completionTokens: 2,
    });
    const json = (await (await get("/admin/payments", { Authorization: `Bearer ${TOKEN}` })).json()) as { payments: Array<{ amount: string }>; totals: { amount: string } };
    expect(json.payments[0]?.amount).toBe("1234");
    expect(json.totals.amount).toBe("1234");

    const csv = await get("/admin/payments?format=csv", { Authorization: `Bearer ${TOKEN}` });
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect(csv.headers.get("X-Total-Amount")).toBe("1234");
    const [header, row] = (await csv.text()).trim().split("\n");
    expect(header).toBe("id,settled_at,network,payer,pay_to,asset,amount,service,tx_hash,x402_version,model,runner_id,prompt_tokens,completion_tokens,scheme,authorized,charged,settlement_ref");
    expect(row).toContain(",1234,chat.completions,");
    expect(row).toContain(",'=cmd(),"); // a spreadsheet formula is neutralised
  });

  it("refuses bad query parameters with 400", async () => {
    expect((await get("/admin/payments?limit=0", { Authorization: `Bearer ${TOKEN}` })).status).toBe(400);
    expect((await get("/admin/payments?payer=bob", { Authorization: `Bearer ${TOKEN}` })).status).toBe(400);
  });
});

describe("admin facilitator", () => {
  it("names the embedded relayer (never its key)", async () => {
    const response = await get("/admin/facilitator", { Authorization: `Bearer ${TOKEN}` });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: "embedded", network: "eip155:31337", relayer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" });
    expect(JSON.stringify(body)).not.toContain("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  });
});
