import type { SettleResponse, SupportedResponse } from "@x402/core/types";
import { z } from "zod";
import { PaymentReason } from "../reasons.ts";
import type { Facilitator, SettleOutcome, SettleRequest } from "./facilitator.ts";

const SettleResponseSchema = z.object({
  success: z.boolean(),
  errorReason: z.string().optional(),
  errorMessage: z.string().optional(),
  payer: z.string().optional(),
  transaction: z.string().optional(),
  network: z.string().optional(),
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
 * A client of the x402 facilitator HTTP API (`POST /settle`, `POST /verify`, `GET /supported`).
 * Nothing is fetched until a payment needs it: no start-up call that a Worker request could hang on.
 */
export class RemoteFacilitator implements Facilitator {
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

  async settle(request: SettleRequest): Promise<SettleOutcome> {
    const body = {
      x402Version: request.paymentPayload.x402Version,
      paymentPayload: request.paymentPayload,
      paymentRequirements: request.paymentRequirements,
    };
    let response: Response;
    try {
      response = await this.post("/settle", body, this.settleTimeoutMs);
    } catch (error) {
      // The facilitator may have broadcast the transfer before we stopped listening.
      return unknown(`facilitator did not answer /settle: ${describe(error)}`);
    }
    const parsed = SettleResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) return unknown(`facilitator answered /settle with HTTP ${response.status} and no SettleResponse`);
    const settle = parsed.data;
    const transaction = settle.transaction && TX_HASH.test(settle.transaction) ? (settle.transaction as `0x${string}`) : null;
    if (settle.success && transaction) {
      return { success: true, transaction, payer: request.payment.payer };
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

function unknown(message: string): SettleOutcome {
  return { success: false, reason: PaymentReason.unexpectedSettleError, message, outcomeUnknown: true, transaction: null };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === "TimeoutError" ? "timed out" : error.message;
  return String(error);
}

export type { SettleResponse };
