import { createServer, type Server } from "node:http";
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { drive } from "../../../scripts/load/driver.ts";
import type { SignedPayment } from "../../../scripts/load/payments.ts";

// The driver against a tiny loopback server that answers like the edge's refusal paths.
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(503, { "content-type": "application/json", "Retry-After": "5" });
      response.end(JSON.stringify({ error: { code: "runner_busy", message: "every runner is at capacity; nothing was charged" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1/sentiment`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const payments = (n: number): SignedPayment[] =>
  Array.from({ length: n }, (_, i) => ({ header: "e30=", payer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", nonce: `0x${i.toString(16).padStart(64, "0")}` as Hex }));

describe("load driver", () => {
  it("leaves no listener on the run's abort signal per call and warns of none while C are in flight (was: one per call, MaxListenersExceededWarning past 1500 in a 10,000-call run)", async () => {
    const run = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const { results } = await drive({ url, body: "{}", payments: payments(200), concurrency: 16, signal: run.signal });
    expect(results).toHaveLength(200);
    expect(getEventListeners(run.signal, "abort")).toHaveLength(0);
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
  });

  it("records each refusal with its status, the edge's code and Retry-After", async () => {
    const { results } = await drive({ url, body: "{}", payments: payments(3), concurrency: 2, signal: new AbortController().signal });
    expect(results.map((r) => [r.status, r.reason, r.retryAfter, r.txHash])).toEqual(Array.from({ length: 3 }, () => [503, "runner_busy", "5", null]));
  });

  it("refuses to send anywhere but this machine", async () => {
    await expect(drive({ url: "http://example.com/v1/sentiment", body: "{}", payments: payments(1), concurrency: 1, signal: new AbortController().signal })).rejects.toThrow(/loopback/);
  });
});
