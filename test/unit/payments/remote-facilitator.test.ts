import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RemoteFacilitator } from "../../../worker/payments/facilitator/remote-facilitator.ts";
import type { FacilitatorRequest } from "../../../worker/payments/facilitator/facilitator-outcomes.ts";
import { verifyExactPayment } from "../../../worker/payments/schemes/exact/verify-exact.ts";
import type { ExactPaymentPayloadV2 as PaymentPayloadV2 } from "../../../worker/payments/schemes/exact/exact-payload.ts";
import { paymentV2 } from "../../../dev/x402-payments.ts";
import { paymentConfig, payer, terms } from "./fixtures.ts";

// A scripted x402 facilitator over real HTTP: each test says how it answers.
type Handler = (path: string, body: unknown, res: ServerResponse) => void;
let handler: Handler;
const seen: Array<{ path: string; body: unknown }> = [];
const server = createServer((req: IncomingMessage, res) => {
  let raw = "";
  req.on("data", (c) => (raw += c));
  req.on("end", () => {
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    seen.push({ path: req.url ?? "", body });
    handler(req.url ?? "", body, res);
  });
});
let url: string;
let request: FacilitatorRequest;
const TX = `0x${"ab".repeat(32)}`;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const payload = (await paymentV2({ x402Version: 2, resource: { url: "u" }, accepts: [terms.v2] }, paymentConfig.chainId, payer)) as PaymentPayloadV2;
  const verified = await verifyExactPayment(payload, { config: paymentConfig, offer: terms, nowSeconds: Math.floor(Date.now() / 1000) });
  if (!verified.ok) throw new Error(verified.refusal.message);
  request = { payer: verified.payment.payer, paymentPayload: payload, paymentRequirements: terms.v2 };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (seen.length = 0));

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

describe("RemoteFacilitator", () => {
  it("sends the x402 facilitator body to /settle and returns the transaction", async () => {
    handler = (_p, _b, res) => json(res, 200, { success: true, transaction: TX, network: "eip155:84532", payer: payer.address });
    expect(await new RemoteFacilitator({ url }).settle(request)).toEqual({ success: true, transaction: TX, payer: payer.address });
    expect(seen).toEqual([{ path: "/settle", body: { x402Version: 2, paymentPayload: request.paymentPayload, paymentRequirements: terms.v2 } }]);
  });

  it("passes a facilitator's refusal through with its reason (nothing moved: the nonce may be released)", async () => {
    handler = (_p, _b, res) => json(res, 200, { success: false, errorReason: "invalid_exact_evm_insufficient_balance", errorMessage: "poor", transaction: "", network: "eip155:84532" });
    expect(await new RemoteFacilitator({ url }).settle(request)).toEqual({ success: false, reason: "invalid_exact_evm_insufficient_balance", message: "poor", outcomeUnknown: false, transaction: null });
  });

  it("treats settlement_pending as an unknown outcome (the transfer may still land)", async () => {
    handler = (_p, _b, res) => json(res, 200, { success: false, errorReason: "settlement_pending", transaction: TX, network: "eip155:84532" });
    expect(await new RemoteFacilitator({ url }).settle(request)).toMatchObject({ success: false, outcomeUnknown: true, transaction: TX });
  });

  it("treats a facilitator that does not answer in time as an unknown outcome", async () => {
    handler = () => {}; // never answers
    const outcome = await new RemoteFacilitator({ url, settleTimeoutMs: 200 }).settle(request);
    expect(outcome).toMatchObject({ success: false, reason: "unexpected_settle_error", outcomeUnknown: true });
    expect(!outcome.success && outcome.message).toContain("timed out");
  });

  it("treats a garbage answer as an unknown outcome, never as success", async () => {
    handler = (_p, _b, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    };
    expect(await new RemoteFacilitator({ url }).settle(request)).toMatchObject({ success: false, outcomeUnknown: true });
  });

  it("does not call the facilitator when it is constructed (no eager /supported)", () => {
    new RemoteFacilitator({ url });
    expect(seen).toEqual([]);
  });

  it("preflights with /verify: isValid:false is a definitive refusal, an outage is not", async () => {
    handler = (_p, _b, res) => json(res, 200, { isValid: false, invalidReason: "invalid_exact_evm_nonce_already_used" });
    expect(await new RemoteFacilitator({ url }).preflight(request)).toEqual({ ok: false, reason: "invalid_exact_evm_nonce_already_used", message: "invalid_exact_evm_nonce_already_used", definitive: true });
    expect(seen[0]?.path).toBe("/verify");
    handler = (_p, _b, res) => json(res, 200, { isValid: true, payer: payer.address });
    expect(await new RemoteFacilitator({ url }).preflight(request)).toEqual({ ok: true, balance: null });
    handler = () => {};
    expect(await new RemoteFacilitator({ url, requestTimeoutMs: 200 }).preflight(request)).toMatchObject({ ok: false, definitive: false });
  });

  it("reads /supported when asked", async () => {
    handler = (_p, _b, res) => json(res, 200, { kinds: [{ x402Version: 2, scheme: "exact", network: "eip155:84532" }], extensions: [], signers: {} });
    expect((await new RemoteFacilitator({ url }).supported()).kinds).toEqual([{ x402Version: 2, scheme: "exact", network: "eip155:84532" }]);
  });
});
