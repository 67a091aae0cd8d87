import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePaymentRequiredHeader, encodePaymentResponseHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { beforeAll, describe, expect, it } from "vitest";
import { runPay, type PayIo } from "../../../scripts/pay/run.ts";

// The CLI in-process against a fake edge (only the network edge is faked; the x402 client is real).
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil account 1, public
const ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PAY_TO = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const TX = `0x${"ab".repeat(32)}`;

const required = (amount: string, network = "eip155:31337", error = "Payment required"): PaymentRequired => ({
  x402Version: 2,
  error,
  resource: { url: "http://edge.test/v1/chat/completions" },
  accepts: [{ scheme: "exact", network: network as `${string}:${string}`, asset: ASSET, amount, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } }],
});

interface Seen {
  method: string;
  url: string;
  body: string;
  payment: string | null;
}

/** A fake edge: 404 for the catalog, 402 for unpaid calls, `paid()` for paid ones. */
function fakeEdge(options: { amount?: string; network?: string; paid?: (payment: string) => Response; unpaid?: () => Response; catalog?: unknown } = {}) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const request = new Request(input, init);
    const body = await request.text();
    seen.push({ method: request.method, url: request.url, body, payment: request.headers.get("PAYMENT-SIGNATURE") });
    if (request.url.endsWith("/.well-known/x402")) {
      return options.catalog ? Response.json(options.catalog) : Response.json({ error: { code: "not_found" } }, { status: 404 });
    }
    const payment = request.headers.get("PAYMENT-SIGNATURE");
    if (!payment) {
      if (options.unpaid) return options.unpaid();
      return new Response(JSON.stringify({ message: "pay" }), {
        status: 402,
        headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(required(options.amount ?? "1005", options.network)), "content-type": "application/json" },
      });
    }
    if (options.paid) return options.paid(payment);
    return Response.json(
      { choices: [{ message: { content: "Paris." } }] },
      { headers: { "PAYMENT-RESPONSE": encodePaymentResponseHeader({ success: true, transaction: TX, network: "eip155:31337", payer: "0x" }) } },
    );
  }) as typeof fetch;
  return { fetch: fetchImpl, seen };
}

let dir: string;
let stackFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pay-run-"));
  stackFile = join(dir, "stack.json");
  await writeFile(stackFile, JSON.stringify({ edgeUrl: "http://edge.test", network: "eip155:31337", payerKey: KEY, payerKeyNote: "a public anvil key" }));
});

async function run(argv: string[], edge: ReturnType<typeof fakeEdge>, env: Record<string, string> = {}, file = stackFile) {
  let stdout = "";
  let stderr = "";
  const io: PayIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, stackFile: file, fetch: edge.fetch };
  const code = await runPay(argv, io);
  return { code, stdout, stderr };
}

const CHAT = JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "capital of France?" }] });

describe("edge402-pay against a fake edge", () => {
  it("--dry-run shows the quote in USDC and signs nothing", async () => {
    const edge = fakeEdge();
    const result = await run(["chat", CHAT, "--dry-run"], edge);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("service   chat → POST http://edge.test/v1/chat/completions (built-in alias)");
    expect(result.stdout).toContain("price     0.001005 USDC (1005 base units) for POST /v1/chat/completions");
    expect(result.stdout).toContain(`payTo     ${PAY_TO}`);
    expect(result.stdout).toContain("network   eip155:31337");
    expect(result.stdout).toContain(`asset     ${ASSET} (USD Coin v2)`);
    expect(result.stdout).toContain("dry run   nothing was signed or paid");
    expect(edge.seen.map((s) => [s.method, s.url, s.payment])).toEqual([
      ["GET", "http://edge.test/.well-known/x402", null],
      ["POST", "http://edge.test/v1/chat/completions", null],
    ]);
    expect(JSON.parse(edge.seen[1]!.body)).toEqual(JSON.parse(CHAT));
  });

  it("pays exactly the quote it showed: one unpaid and one paid request, then result, tx and receipt", async () => {
    const edge = fakeEdge();
    const result = await run(["/v1/chat/completions", CHAT], edge);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(edge.seen.map((s) => s.payment === null)).toEqual([true, false]);
    const payload = decodePaymentSignatureHeader(edge.seen[1]!.payment!);
    expect(payload.accepted).toMatchObject({ amount: "1005", payTo: PAY_TO, asset: ASSET, network: "eip155:31337" });
    expect(edge.seen[1]!.body).toBe(edge.seen[0]!.body);
    expect(result.stdout).toContain('"content": "Paris."');
    expect(result.stdout).toContain("payer     0x70997970C51812dc3A010C7d01b50e0d17dc79C8 (the local demo key from stack.json — a public anvil key)");
    expect(result.stdout).toContain(`paid      0.001005 USDC to ${PAY_TO} on eip155:31337`);
    expect(result.stdout).toContain(`tx        ${TX}`);
    expect(result.stdout).toContain("balance   not read: no RPC known (set RPC_URL)");
  });

  it("adds stream: true for --stream and prints chat deltas as text", async () => {
    const sse = ['{"choices":[{"delta":{"role":"assistant"}}]}', '{"choices":[{"delta":{"content":"Par"}}]}', '{"choices":[{"delta":{"content":"is."}}]}', "[DONE]"]
      .map((d) => `data: ${d}\n\n`)
      .join("");
    const edge = fakeEdge({
      paid: () =>
        new Response(sse, {
          headers: { "content-type": "text/event-stream", "PAYMENT-RESPONSE": encodePaymentResponseHeader({ success: true, transaction: TX, network: "eip155:31337" }) },
        }),
    });
    const result = await run(["chat", CHAT, "--stream"], edge, { PAYER_KEY: KEY });
    expect(result.code).toBe(0);
    expect(JSON.parse(edge.seen[1]!.body)).toMatchObject({ stream: true });
    expect(result.stdout).toContain("\nParis.\n");
    expect(result.stdout).toContain("(PAYER_KEY)");
  });

  it("refuses a quote above --max-price before signing", async () => {
    const edge = fakeEdge();
    const result = await run(["chat", CHAT, "--max-price", "0.001"], edge);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("edge402-pay: refusing to pay: the quote 0.001005 USDC is above --max-price 0.001 USDC; nothing was signed\n");
    expect(edge.seen.filter((s) => s.payment !== null)).toEqual([]);
  });

  it("pays a quote equal to --max-price", async () => {
    const result = await run(["chat", CHAT, "--max-price", "0.001005"], fakeEdge());
    expect(result.code).toBe(0);
  });

  it("reports the 402 reason when the edge refuses the payment", async () => {
    const edge = fakeEdge({
      paid: () =>
        new Response(JSON.stringify({ message: "the payer's balance is too low" }), {
          status: 402,
          headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(required("1005", "eip155:31337", "invalid_exact_evm_insufficient_balance")) },
        }),
    });
    const result = await run(["chat", CHAT], edge);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("edge402-pay: the edge refused the payment: invalid_exact_evm_insufficient_balance (the payer's balance is too low)\n");
  });

  it("reports an HTTP error's code and message in one line", async () => {
    const edge = fakeEdge({
      unpaid: () => Response.json({ error: { message: "messages: expected array", type: "invalid_request_error", code: "invalid_request" } }, { status: 400 }),
    });
    const result = await run(["chat", "{}"], edge);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("edge402-pay: the edge refused the request: HTTP 400 invalid_request: messages: expected array\n");
  });

  it("reports a paid call that fails, with Retry-After", async () => {
    const edge = fakeEdge({ paid: () => Response.json({ error: { code: "no_runner", message: "no runner offers qwen2.5:7b" } }, { status: 503, headers: { "Retry-After": "5" } }) });
    const result = await run(["chat", CHAT], edge);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("edge402-pay: the paid call failed: HTTP 503 no_runner: no runner offers qwen2.5:7b (retry after 5 s)\n");
  });

  it("says when the edge cannot be reached", async () => {
    const down = { fetch: (async () => Promise.reject(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }))) as typeof fetch, seen: [] };
    const result = await run(["chat", CHAT], down);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("edge402-pay: cannot reach the edge at http://edge.test (ECONNREFUSED); is `npm start` still running?\n");
  });

  it("will not pay with the local demo key on another network", async () => {
    const edge = fakeEdge({ network: "eip155:8453" });
    const result = await run(["chat", CHAT], edge);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the local demo key from stack.json only pays on the local chain (eip155:31337), but this edge asks for eip155:8453; set PAYER_KEY");
    expect(edge.seen.filter((s) => s.payment !== null)).toEqual([]);
  });

  it("reads the body from @file and lists usage problems with exit code 2", async () => {
    const bodyFile = join(dir, "body.json");
    await writeFile(bodyFile, CHAT);
    expect((await run(["chat", `@${bodyFile}`, "--dry-run"], fakeEdge())).code).toBe(0);
    const result = await run(["chat", `@${join(dir, "missing.json")}`, "--max-price", "abc"], fakeEdge());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        "edge402-pay: 2 problems:",
        '  - --max-price: "abc" is not a decimal amount like 0.01',
        `  - body file ${join(dir, "missing.json")} does not exist`,
        "Run `edge402-pay --help` for usage.",
        "",
      ].join("\n"),
    );
    expect((await run(["chat", "[1]", "--stream"], fakeEdge())).stderr).toContain('--stream needs a JSON object body');
  });

  it("finds a service in the edge's catalog; a GET service gets the body's fields as a query", async () => {
    const catalog = { resources: [{ id: "sentiment", method: "POST", path: "/v1/sentiment" }, { id: "lookup", method: "GET", url: "https://public.example/v1/lookup" }] };
    const post = fakeEdge({ catalog });
    const result = await run(["sentiment", '{"text":"great"}', "--dry-run"], post);
    expect(result.stdout).toContain("service   sentiment → POST http://edge.test/v1/sentiment (from the edge's catalog)");
    const get = fakeEdge({ catalog });
    await run(["lookup", '{"q":"a b","n":2}', "--dry-run"], get);
    expect(get.seen[1]).toMatchObject({ method: "GET", url: "http://edge.test/v1/lookup?q=a+b&n=2", body: "" });
    const unknown = await run(["alt-text", "{}", "--dry-run"], fakeEdge({ catalog }));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('edge402-pay: the edge does not sell "alt-text"; its catalog lists: sentiment, lookup (or pass a path like /v1/alt-text)\n');
  });

  it("--help prints usage and exits 0", async () => {
    const result = await run(["--help"], fakeEdge());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("npm run pay -- <service> <json | @file | @-> [options]");
  });
});
