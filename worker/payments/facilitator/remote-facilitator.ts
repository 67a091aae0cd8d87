import type { SupportedResponse } from "@x402/core/types";
import { z } from "zod";
import { PaymentReason } from "../core/reasons.ts";
import type { FacilitatorRequest, PreflightOutcome, SettleOutcome } from "./facilitator-outcomes.ts";

const SettleResponseSchema = z.object({
  success: z.boolean(),
  errorReason: z.string().optional(),
  errorMessage: z.string().optional(),
  payer: z.string().optional(),
  transaction: z.string().optional(),
  network: z.string().optional(),
});

const VerifyResponseSchema = z.object({
  isValid: z.boolean(),
  invalidReason: z.string().optional(),
  invalidMessage: z.string().optional(),
});

const SupportedResponseSchema = z.object({
  kinds: z.array(z.object({ x402Version: z.number(), scheme: z.string(), network: z.string() }).passthrough()),
});

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export interface RemoteFacilitatorOptions {
  url: string;
  /** Settlement waits for a block; Base confirms in ~2 s, so 30 s means the facilitator is in trouble. */
  settleTimeoutMs?: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A client of the x402 facilitator HTTP API (`POST /settle`, `POST /verify`, `GET /supported`), for
 * any scheme the facilitator supports: the payload and requirements go over as the client sent them.
 * Nothing is fetched until a payment needs it: no start-up call that a Worker request could hang on.
 */
export class RemoteFacilitator {
  private readonly url: string;
  private readonly settleTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RemoteFacilitatorOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** `POST /verify`: the facilitator simulates the transfer. Only an explicit isValid:false is definitive. */
  async preflight(request: FacilitatorRequest): Promise<PreflightOutcome> {
    let response: Response;
    try {
      response = await this.post("/verify", facilitatorBody(request), this.requestTimeoutMs);
    } catch (error) {
      return { ok: false, reason: PaymentReason.unexpectedSettleError, message: `facilitator did not answer /verify: ${describe(error)}`, definitive: false };
    }
    const parsed = VerifyResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) {
      return { ok: false, reason: PaymentReason.unexpectedSettleError, message: `facilitator answered /verify with HTTP ${response.status} and no VerifyResponse`, definitive: false };
    }
    if (parsed.data.isValid) return { ok: true, balance: null };
    const reason = parsed.data.invalidReason ?? "invalid_payment";
    return { ok: false, reason, message: parsed.data.invalidMessage ?? reason, definitive: true };
  }

  async settle(request: FacilitatorRequest): Promise<SettleOutcome> {
    let response: Response;
    try {
      response = await this.post("/settle", facilitatorBody(request), this.settleTimeoutMs);
    } catch (error) {
      // The facilitator may have broadcast the transfer before we stopped listening.
      return unknown(`facilitator did not answer /settle: ${describe(error)}`);
    }
    const parsed = SettleResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) return unknown(`facilitator answered /settle with HTTP ${response.status} and no SettleResponse`);
    const settle = parsed.data;
    const transaction = settle.transaction && TX_HASH.test(settle.transaction) ? (settle.transaction as `0x${string}`) : null;
    if (settle.success && transaction) {
      return { success: true, transaction, payer: request.payer };
    }
    const reason = settle.errorReason ?? PaymentReason.unexpectedSettleError;
    return {
      success: false,
      reason,
      message: settle.errorMessage ?? reason,
      outcomeUnknown: reason === PaymentReason.settlementPending || (settle.success && !transaction),
      transaction,
    };
  }

  async supported(): Promise<SupportedResponse> {
    const response = await this.request(`${this.url}/supported`, { method: "GET" }, this.requestTimeoutMs);
    if (!response.ok) throw new Error(`facilitator /supported answered HTTP ${response.status}`);
    return SupportedResponseSchema.parse(await response.json()) as SupportedResponse;
  }

  private post(path: string, body: unknown, timeoutMs: number): Promise<Response> {
    return this.request(
      `${this.url}${path}`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      timeoutMs,
    );
  }

  private request(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    return this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }
}

/** The body both /verify and /settle take. */
function facilitatorBody(request: FacilitatorRequest) {
  return {
    x402Version: request.paymentPayload.x402Version,
    paymentPayload: request.paymentPayload,
    paymentRequirements: request.paymentRequirements,
  };
}

function unknown(message: string): SettleOutcome {
  return { success: false, reason: PaymentReason.unexpectedSettleError, message, outcomeUnknown: true, transaction: null };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === "TimeoutError" ? "timed out" : error.message;
  return String(error);
}
