import type { Context } from "hono";
import { ledgerOf, type AppEnv } from "../app-context.ts";
import type { StartJobOptions } from "../jobs/start-job.ts";
import { erc1271Verifier } from "../payments/contract-signature.ts";
import { createFacilitator } from "../payments/facilitator/create-facilitator.ts";
import { handlePaidCall, handleUnpaidCall, type HttpPaidCall } from "../payments/http-paid-call.ts";
import type { PaidCall } from "../payments/paid-call.ts";

/** What the payment core needs from the request's environment, whatever the transport or service. */
export type PaymentBindings = Pick<PaidCall<unknown>, "config" | "ledger" | "facilitator" | "waitUntil" | "isValidContractSignature">;

export function paymentBindings(c: Context<AppEnv>): PaymentBindings {
  const config = c.var.config;
  return {
    config,
    ledger: ledgerOf(c.env),
    facilitator: createFacilitator(config, c.env),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    ...(config.rpcUrl ? { isValidContractSignature: erc1271Verifier(config.rpcUrl) } : {}),
  };
}

/**
 * Runs a service's HTTP call through the payment core (or, for the /__bench copies, without payment).
 * The service supplies what it sells: its ledger label, price, resource description and job.
 */
export function servePaidCall(c: Context<AppEnv>, call: Omit<HttpPaidCall, keyof PaymentBindings | "request">, { paid }: { paid: boolean }): Promise<Response> {
  const full: HttpPaidCall = { ...call, ...paymentBindings(c), request: c.req.raw };
  return paid ? handlePaidCall(full) : handleUnpaidCall(full);
}

/**
 * Job options for a paid call: cancelled when the client goes away, the payment proves unsettleable,
 * or (`also`) the transport's own cancellation fires.
 */
export function jobOptions(c: Context<AppEnv>, { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal }, also: AbortSignal[] = []): StartJobOptions {
  return { timeoutMs, signal: AbortSignal.any([c.req.raw.signal, signal, ...also]), waitUntil: (p) => c.executionCtx.waitUntil(p) };
}
