import { createServer, type Server } from "node:http";
import { x402Client } from "@x402/core/client";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { freePort } from "../../dev/free-port.ts";
import { ADMIN_TOKEN, startLocalStack, type LocalStack } from "../../dev/local-stack.ts";

// A web page on another origin pays for a call (Debian's Chromium through playwright-core, the real
// stack): the page's own script gets the 402, reads PAYMENT-REQUIRED, has the payment signed (by the
// official @x402 client in the test process, handed to the page as window.signPayment: a wallet
// would do this part), sends it and reads the receipt. The browser enforces CORS, so every header
// read below is one the edge exposed to that origin. The edge lists that origin alone in
// CORS_ORIGINS: a page on a third origin cannot even read the 402, and no page can read /admin.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The page's script: what a browser x402 client does, with fetch and nothing else. */
const PAGE_SCRIPT = `
window.payForSentiment = async (edge, text, paymentHeader) => {
  const request = (headers) => fetch(edge + "/v1/sentiment", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ text }) });
  const quote = await request({});
  const required = quote.headers.get("PAYMENT-REQUIRED");
  if (quote.status !== 402 || !required) return { quoteStatus: quote.status, required };
  const payment = await window.signPayment(required);
  const paid = await request({ [paymentHeader]: payment });
  return {
    quoteStatus: quote.status,
    required,
    status: paid.status,
    receipt: paid.headers.get("PAYMENT-RESPONSE"),
    receiptV1: paid.headers.get("X-PAYMENT-RESPONSE"),
    result: await paid.json(),
  };
};
window.tryRead = async (url, headers) => {
  try {
    const response = await fetch(url, { headers });
    return { read: true, status: response.status, body: await response.text() };
  } catch (error) {
    return { read: false, error: String(error) };
  }
};
`;
const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>a shop</title><script src="/pay.js"></script></head><body>a page on another origin</body></html>`;

interface PageResult {
  quoteStatus: number;
  required: string | null;
  status?: number;
  receipt?: string | null;
  receiptV1?: string | null;
  result?: { label?: string };
}

let stack: LocalStack;
let browser: Browser;
const sites: Server[] = [];
let siteOrigin: string;
let otherOrigin: string;
let page: Page;
const consoleErrors: string[] = [];
const payer = () => stack.chain.accounts.payers[0];
const balance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer().address);

/** A tiny web server for the page, on a port of its own: another origin than the edge's. */
async function startSite(): Promise<string> {
  const port = await freePort();
  const site = createServer((request, response) => {
    if (request.url === "/pay.js") response.writeHead(200, { "content-type": "text/javascript" }).end(PAGE_SCRIPT);
    else response.writeHead(200, { "content-type": "text/html" }).end(PAGE_HTML);
  });
  await new Promise<void>((resolve) => site.listen(port, "127.0.0.1", resolve));
  sites.push(site);
  return `http://127.0.0.1:${port}`;
}

type PayForSentiment = (edge: string, text: string, header: string) => Promise<PageResult>;
const payFrom = (on: Page, paymentHeader: string) =>
  on.evaluate(([edge, header]) => (globalThis as unknown as { payForSentiment: PayForSentiment }).payForSentiment(edge, "what a lovely shop", header), [stack.edge.url, paymentHeader] as const);

beforeAll(async () => {
  [siteOrigin, otherOrigin] = await Promise.all([startSite(), startSite()]);
  stack = await startLocalStack({ runners: 1, edgeEnv: { CORS_ORIGINS: siteOrigin } });
  expect(new URL(siteOrigin).origin).not.toBe(new URL(stack.edge.url).origin);

  // The wallet: the official x402 client, allowed the local chain's USDC up to a cent's call.
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: payer() });
  client.setSpendControls({ allowedAssets: [{ network: stack.network as `${string}:${string}`, asset: stack.usdc, maxAmountPerPayment: "100000" }] });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.exposeFunction("signPayment", async (header: string) => encodePaymentSignatureHeader(await client.createPaymentPayload(decodePaymentRequiredHeader(header))));
  await page.goto(siteOrigin);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(sites.map((site) => new Promise((resolve) => site.close(resolve))));
  await stack?.stop();
});

describe("a page on another origin", () => {
  it.each([
    ["PAYMENT-SIGNATURE", "receipt"],
    ["X-PAYMENT", "receiptV1"],
  ] as const)("pays a call with %s: reads the 402's terms, sends the payment, reads the receipt; the payer's balance moves by the price", async (paymentHeader, receiptField) => {
    const before = await balance();
    const outcome = await payFrom(page, paymentHeader);

    expect(outcome.quoteStatus).toBe(402);
    const price = decodePaymentRequiredHeader(outcome.required!).accepts.find((a) => a.scheme === "exact")!.amount;
    expect(outcome.status).toBe(200);
    expect(outcome.result?.label).toBeTruthy();
    const receiptHeader = outcome[receiptField];
    expect(receiptHeader).toBeTruthy();
    const receipt = decodePaymentResponseHeader(receiptHeader!);
    expect(receipt).toMatchObject({ success: true, payer: payer().address, network: stack.network });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(before - (await balance())).toBe(BigInt(price));
  });

  it("on an origin CORS_ORIGINS does not list, cannot even read the 402, and pays nothing", async () => {
    const other = await browser.newPage();
    await other.exposeFunction("signPayment", () => {
      throw new Error("a page that cannot read the 402 has nothing to sign");
    });
    await other.goto(otherOrigin);
    const before = await balance();
    await expect(payFrom(other, "PAYMENT-SIGNATURE")).rejects.toThrow(/Failed to fetch/);
    expect(await balance()).toBe(before);
    await other.close();
  });

  it("cannot read /admin, even with the token: the edge sends it no CORS headers, so the browser withholds the answer", async () => {
    type Read = { read: boolean; status?: number; error?: string };
    const tryRead = (url: string, headers: Record<string, string>) => page.evaluate(([u, h]) => (globalThis as unknown as { tryRead: (u: string, h: object) => Promise<Read> }).tryRead(u, h), [url, headers] as const);
    for (const [path, headers] of [
      ["/admin/payments", {}],
      ["/admin/payments", { Authorization: `Bearer ${ADMIN_TOKEN}` }],
      ["/metrics", {}],
      ["/dashboard/data", {}],
    ] as const) {
      const outcome = await tryRead(`${stack.edge.url}${path}`, headers);
      expect(outcome, path).toMatchObject({ read: false });
      expect(outcome.error).toMatch(/Failed to fetch/);
    }
    // What the browser saw: no Access-Control-Allow-Origin on the operator's answers.
    const direct = await fetch(`${stack.edge.url}/admin/payments`, { headers: { Origin: siteOrigin, Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(direct.status).toBe(200);
    expect(direct.headers.get("Access-Control-Allow-Origin")).toBeNull();
    // The discovery documents the same page can read.
    const openapi = await tryRead(`${stack.edge.url}/openapi.json`, {});
    expect(openapi).toMatchObject({ read: true, status: 200 });
  });

  it("logged no CORS error for the paid calls (only the /admin reads were blocked)", () => {
    const blocked = consoleErrors.filter((e) => /CORS|Access-Control/i.test(e));
    expect(blocked.every((e) => /\/admin\/|\/metrics|\/dashboard\//.test(e))).toBe(true);
    expect(blocked.length).toBeGreaterThan(0); // the browser did report the blocked reads: the check looks at real messages
  });
});
