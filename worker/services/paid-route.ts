import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import type { StartJobOptions } from "../jobs/start-job.ts";
import type { PaidCall } from "../payments/core/paid-call.ts";
import { handlePaidCall, handleUnpaidCall, type HttpPaidCall } from "../payments/http/http-paid-call.ts";
import { ledgerOf } from "../payments/ledger/ledger-binding.ts";
import { paymentSchemesFor } from "../payments/schemes/registry.ts";
import { callStatsFor } from "../payments/stats/stats-binding.ts";

/** What the payment core needs from the request's environment, whatever the transport or service. */
export type PaymentBindings = Pick<PaidCall<unknown>, "schemes" | "book" | "stats" | "jobTimeoutMs" | "waitUntil">;

export function paymentBindings(c: Context<AppEnv>): PaymentBindings {
  const config = c.var.config;
  return {
    schemes: paymentSchemesFor(config, c.env),
    book: ledgerOf(c.env),
    stats: callStatsFor(c.env),
    jobTimeoutMs: config.jobTimeoutMs,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
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
