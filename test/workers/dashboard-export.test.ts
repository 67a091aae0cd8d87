import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

// The dashboard's CSV export pages through the admin CSV (1,000 rows a page) for ranges longer than one page.
const TOKEN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
const ORIGIN = "https://edge.test";
const ROWS = 1_500;

it(`exports ${ROWS} ledger rows as one CSV: one header, every row once, none outside the range`, async () => {
  const ledger = env.PAYMENT_LEDGER.getByName("ledger");
  for (let i = 0; i < ROWS; i++) {
    await ledger.record({
      scheme: "batch-settlement",
      replayKey: `export-${i}`,
      network: "eip155:31337",
      payer: "0x00000000000000000000000000000000000000aa",
      payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      authorized: "100",
      charged: "100",
      service: "sentiment",
      settlementRef: `0xchannel@${i}`,
      txHash: null,
      x402Version: 2,
      model: null,
      runnerId: null,
      promptTokens: null,
      completionTokens: null,
    });
  }
  const signIn = await exports.default.fetch(new Request(`${ORIGIN}/dashboard/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": "198.51.100.20" },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  }));
  const cookie = signIn.headers.get("Set-Cookie")!.split(";")[0]!;
  const today = new Date().toISOString().slice(0, 10);
  const csv = await exports.default.fetch(new Request(`${ORIGIN}/dashboard/payments.csv?from=${today}&to=${today}`, { headers: { Cookie: cookie } }));
  expect(csv.status).toBe(200);
  expect(csv.headers.get("Content-Disposition")).toBe(`attachment; filename="edge402-payments-${today}-to-${today}.csv"`);
  expect(csv.headers.get("X-Complete")).toBe("true");
  const [header, ...rows] = (await csv.text()).trim().split("\n");
  expect(header!.startsWith("id,settled_at,")).toBe(true);
  expect(rows).toHaveLength(ROWS);
  expect(new Set(rows.map((r) => r.split(",")[0])).size).toBe(ROWS);

  // A range that ended before these payments holds none of them.
  const empty = await exports.default.fetch(new Request(`${ORIGIN}/dashboard/payments.csv?from=2020-01-01&to=2020-01-31`, { headers: { Cookie: cookie } }));
  expect((await empty.text()).trim().split("\n")).toEqual([header]);
  expect((await exports.default.fetch(new Request(`${ORIGIN}/dashboard/payments.csv?from=yesterday`, { headers: { Cookie: cookie } }))).status).toBe(400);
});
