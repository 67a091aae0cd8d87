import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transferEvents } from "../../dev/chain/usdc.ts";
import { ADMIN_TOKEN, startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { MAX_FAILED_ATTEMPTS } from "../../worker/operator/access/attempt-limit.ts";
import { DashboardData } from "../../worker/operator/dashboard/data-schema.ts";
import { channelClient, escrowChannel } from "../support/channels.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";

// The operator console in a real browser (Debian's Chromium, driven by playwright-core) on the real
// stack, after real paid calls (by transfer and by channel) and a failed one: the figures on the page are the ledger's and the
// chain's, it updates itself, and the session is what the issue asks (cookie flags, sign-out, no
// data without it, wrong tokens refused and limited). Screenshot: .tmp/test-artifacts/dashboard.png
// (DASHBOARD_SCREENSHOT=docs also writes docs/dashboard.png, the README's).
const ROOT = resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, ".tmp", "test-artifacts");

let stack: LocalStack;
let browser: Browser;
let pay: ReturnType<typeof officialV2Fetch>;

const sentiment = (text: string) => pay(`${stack.edge.url}/v1/sentiment`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
const dollars = (baseUnits: bigint) => `$${(Number(baseUnits) / 1e6).toFixed(2)}`; // sentiment costs whole cents
interface Ledger {
  payments: Array<{ id: number; scheme: string; txHash: string | null; charged: string }>;
  totals: { count: number; amount: string };
}
const ledger = async () => (await (await stack.admin("/admin/payments?limit=1000")).json()) as Ledger;

async function signIn(context: BrowserContext, token = ADMIN_TOKEN): Promise<{ page: Page; status: number | undefined }> {
  const page = await context.newPage();
  await page.goto(`${stack.edge.url}/dashboard`);
  await page.fill("#token", token);
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/dashboard/sign-in")), page.click("form[action='/dashboard/sign-in'] button")]);
  await page.waitForLoadState();
  return { page, status: response.status() };
}

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  pay = officialV2Fetch(stack.chain.accounts.payers[0], { network: stack.network, asset: stack.usdc });
  for (const text of ["great", "awful", "fine"]) expect((await sentiment(text)).status).toBe(200);
  // Two more by channel (the official batch-settlement client): a deposit, then a voucher.
  const channel = channelClient(stack, stack.chain.accounts.payers[1]);
  for (const text of ["by channel", "by voucher"]) {
    const response = await channel.pay(`${stack.edge.url}/v1/sentiment`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    expect(response.status).toBe(200);
  }
  // A job that fails at the model: refused with its reason, nothing charged.
  stack.standin.injectFailure({ mode: "http_500" });
  const failed = await sentiment("this one fails");
  expect(failed.status).toBe(502);
  expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("ollama_error");
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("without a session", () => {
  it("shows only the sign-in form, and no data", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.edge.url}/dashboard`);
    expect(await page.locator("#token").getAttribute("type")).toBe("password");
    expect(await page.locator("[data-figure]").count()).toBe(0);
    expect((await page.request.get(`${stack.edge.url}/dashboard/data`)).status()).toBe(401);
    expect((await page.request.get(`${stack.edge.url}/dashboard/payments.csv`)).status()).toBe(401);
    await context.close();
  });

  it("refuses a wrong token: the form again with its error, and no cookie", async () => {
    const context = await browser.newContext();
    const { page, status } = await signIn(context, "this-is-not-the-admin-token");
    expect(status).toBe(401);
    expect(await page.locator("[data-sign-in-error]").textContent()).toContain("not this edge's admin token");
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

describe("signed in", () => {
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    const signedIn = await signIn(context);
    expect(signedIn.status).toBe(303);
    page = signedIn.page;
    // From here on the page is the dashboard: it must log no error while it loads and updates.
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.reload();
    await page.waitForSelector("body[data-loaded]", { timeout: 20_000 });
  });
  afterAll(async () => context?.close());

  it("holds the session in a cookie that is HttpOnly, SameSite=Strict, limited to /dashboard, expiring (not Secure: loopback http)", async () => {
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ name: "edge402_dashboard", path: "/dashboard", httpOnly: true, sameSite: "Strict", secure: false });
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(7 * 3_600_000);
    expect(cookie!.expires * 1000 - Date.now()).toBeLessThanOrEqual(8 * 3_600_000);
    expect(cookie!.value).not.toContain(ADMIN_TOKEN);
    // The page's scripts cannot read it.
    expect(await page.evaluate("document.cookie")).toBe("");
  });

  it("shows the ledger's revenue, paid calls and payments, and the chain's transfers", async () => {
    const book = await ledger();
    expect(book.totals.count).toBe(5);
    const total = dollars(BigInt(book.totals.amount));
    for (const window of ["today", "7d", "30d"]) {
      expect(await page.locator(`[data-figure="revenue-${window}"]`).textContent()).toBe(total);
      expect(await page.locator(`[data-figure="revenue-${window}-calls"]`).textContent()).toBe("5 paid calls");
    }
    expect(await page.locator('[data-figure="calls-paid"]').textContent()).toBe("5");
    for (const p of book.payments) expect(await page.locator(`[data-charged="${p.id}"]`).textContent()).toBe(dollars(BigInt(p.charged)));
    expect(await page.locator("#revenue-by-service tbody").textContent()).toContain("sentiment");
    const schemes = await page.locator("#revenue-by-scheme tbody tr td:first-child").allTextContents();
    expect(schemes.sort()).toEqual(["batch-settlement", "exact"]);
    expect(await page.locator("#revenue-chart canvas").count()).toBeGreaterThan(0);
    // The token is in no page and no answer the page reads.
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    expect(await (await page.request.get(`${stack.edge.url}/dashboard/data`)).text()).not.toContain(ADMIN_TOKEN);

    // The chain: every exact payment is a USDC transfer to payTo, one to one; the channel's first call
    // is its deposit's transaction, the second a voucher with none.
    const onChain = await transferEvents(stack.chain.rpcUrl, stack.usdc, { to: stack.payTo });
    const byTransfer = book.payments.filter((p) => p.scheme === "exact");
    expect(onChain.reduce((a, t) => a + t.value, 0n)).toBe(byTransfer.reduce((a, p) => a + BigInt(p.charged), 0n));
    expect(new Set(onChain.map((t) => t.txHash))).toEqual(new Set(byTransfer.map((p) => p.txHash)));
    const shownTx = await page.locator("#payment-table [data-tx]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-tx")));
    expect(new Set(shownTx)).toEqual(new Set(book.payments.flatMap((p) => (p.txHash ? [p.txHash] : []))));
    expect(shownTx).toHaveLength(4);
  });

  it("shows the channel: its deposit as the escrow holds it, and what it was charged as unclaimed", async () => {
    const data = DashboardData.parse(await (await page.request.get(`${stack.edge.url}/dashboard/data`)).json());
    const [channel] = data.channels!.owing;
    expect(data.channels!.owing).toHaveLength(1);
    const charged = (await ledger()).payments.filter((p) => p.scheme === "batch-settlement").reduce((a, p) => a + BigInt(p.charged), 0n);
    const escrow = await escrowChannel(stack, channel!.channelId as `0x${string}`);
    expect(escrow.totalClaimed).toBe(0n);
    expect(BigInt(channel!.deposit!)).toBe(escrow.balance);
    expect(BigInt(channel!.unclaimed)).toBe(charged);
    expect(await page.locator('[data-figure="channels-owing"]').textContent()).toBe("1");
    expect(await page.locator('[data-figure="channels-unclaimed"]').textContent()).toBe(dollars(charged));
    expect(await page.locator(`[data-unclaimed="${channel!.channelId}"]`).textContent()).toBe(dollars(charged));
  });

  it("lists the failed call as not charged, by its reason, linked to what it means", async () => {
    const row = page.locator("#uncharged tbody tr", { has: page.locator('[data-reason="ollama_error"]') });
    expect(await row.locator("td").allTextContents()).toEqual(["ollama_error", "job_failed", "1"]);
    await row.locator('a[data-reason="ollama_error"]').click();
    await page.waitForURL(/\/dashboard\/reasons\?code=ollama_error/);
    expect(await page.locator("[data-reason-meaning]").textContent()).toContain("Ollama answered with an error");
    await page.goBack();
    await page.waitForSelector("body[data-loaded]");
  });

  it("lists the runner with its models, slots, queue and jobs served", async () => {
    const runners = (await (await stack.admin("/admin/runners")).json()) as { runners: Array<{ runnerId: string; models: Array<{ capacity: number }> }> };
    const [runner] = runners.runners;
    const slots = runner!.models.reduce((n, m) => n + m.capacity, 0);
    expect(await page.locator(`[data-slots="${runner!.runnerId}"]`).textContent()).toBe(`0 / ${slots}`);
    expect(await page.locator("#runner-table").textContent()).toContain("qwen2.5:7b");
    // The five paid jobs; the failed one is no job served.
    expect(await page.locator(`[data-jobs-served="${runner!.runnerId}"]`).textContent()).toBe("5");
    expect(await page.locator(`[data-queued="${runner!.runnerId}"]`).textContent()).toBe("0");
  });

  it("shows the relayer's gas as the chain has it: balance, and what its settlements cost", async () => {
    const data = DashboardData.parse(await (await page.request.get(`${stack.edge.url}/dashboard/data`)).json());
    const relayer = data.settlement.relayer as `0x${string}`;
    const { createPublicClient, http } = await import("viem");
    const chain = createPublicClient({ transport: http(stack.chain.rpcUrl) });
    expect(BigInt(data.settlement.balanceWei!)).toBe(await chain.getBalance({ address: relayer }));
    // Every transaction behind a payment (the transfers, the channel's deposit) was sent by the relayer: their fees are the gas it spent.
    const hashes = (await ledger()).payments.flatMap((p) => (p.txHash ? [p.txHash as `0x${string}`] : []));
    const receipts = await Promise.all(hashes.map((hash) => chain.getTransactionReceipt({ hash })));
    expect(receipts.every((r) => r.from.toLowerCase() === relayer.toLowerCase())).toBe(true);
    expect(BigInt(data.settlement.gasSpentWei!)).toBe(receipts.reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n));
    expect(data.settlement.pendingTransactions).toBe(0);
    expect(data.settlement.stuckTransactions).toBe(0);
    expect(data.settlement.level).toBe("ok");
    expect(await page.locator('[data-figure="gas-level"]').textContent()).toBe("ok");
  });

  it("updates itself while open: a new paid call appears without a reload", async () => {
    expect((await sentiment("one more")).status).toBe(200);
    const book = await ledger();
    await expect.poll(() => page.locator('[data-figure="revenue-today"]').textContent(), { timeout: 30_000, interval: 500 }).toBe(dollars(BigInt(book.totals.amount)));
    expect(await page.locator("#payment-table [data-tx]").count()).toBe(5);
  });

  it("exports the ledger as CSV for a range, through the session", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("form.export button")]);
    const text = await (await import("node:fs/promises")).readFile((await download.path())!, "utf8");
    const [header, ...rows] = text.trim().split("\n");
    expect(header!.split(",").slice(0, 3)).toEqual(["id", "settled_at", "network"]);
    expect(rows).toHaveLength((await ledger()).totals.count);
  });

  it("logged no console error, and leaves a screenshot", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    if (process.env.DASHBOARD_SCREENSHOT === "docs") await page.screenshot({ path: join(ROOT, "docs", "dashboard.png"), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("signs out: back to the form, and the old cookie gets no data", async () => {
    const [cookie] = await context.cookies();
    await Promise.all([page.waitForURL(`${stack.edge.url}/dashboard`), page.click("form[action='/dashboard/sign-out'] button")]);
    expect(await page.locator("#token").count()).toBe(1);
    const replay = await fetch(`${stack.edge.url}/dashboard/data`, { headers: { Cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(replay.status).toBe(401);
  });
});

describe("wrong tokens from one address", () => {
  it(`are refused with 429 after ${MAX_FAILED_ATTEMPTS}, the right token too, and the token appears in no log`, async () => {
    const context = await browser.newContext();
    const statuses: Array<number | undefined> = [];
    for (let i = 0; i <= MAX_FAILED_ATTEMPTS; i++) statuses.push((await signIn(context, `wrong-token-${i}`)).status);
    expect(statuses).toEqual([...Array<number>(MAX_FAILED_ATTEMPTS).fill(401), 429]);
    const locked = await signIn(context, ADMIN_TOKEN);
    expect(locked.status).toBe(429);
    expect(await locked.page.locator("[data-sign-in-error]").textContent()).toMatch(/Too many wrong tokens .* Try again in \d+ minutes?\./);
    expect(await context.cookies()).toEqual([]);
    await context.close();
    expect(stack.edge.process.output()).not.toContain(ADMIN_TOKEN);
  });
});
