import type { Context } from "hono";
import { ledgerOf, type AppEnv } from "../app-context.ts";
import type { StartJobOptions } from "../jobs/start-job.ts";
import { erc1271Verifier } from "../payments/contract-signature.ts";
import { createFacilitator } from "../payments/facilitator/create-facilitator.ts";
import { handlePaidCall, handleUnpaidCall, type PaidCall } from "../payments/paid-call.ts";

/** What every paid route gives the payment core, whatever it sells. */
type RequestBound = "request" | "config" | "ledger" | "facilitator" | "waitUntil" | "isValidContractSignature";

/**
 * Runs a service's call through the payment core (or, for the /__bench copies, without payment).
 * The service supplies what it sells: its ledger label, price, resource description and job.
 */
export function servePaidCall(c: Context<AppEnv>, call: Omit<PaidCall, RequestBound>, { paid }: { paid: boolean }): Promise<Response> {
  const config = c.var.config;
  const full: PaidCall = {
    ...call,
    request: c.req.raw,
    config,
    ledger: ledgerOf(c.env),
    facilitator: createFacilitator(config, c.env),
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    ...(config.rpcUrl ? { isValidContractSignature: erc1271Verifier(config.rpcUrl) } : {}),
  };
  return paid ? handlePaidCall(full) : handleUnpaidCall(full);
}

/** Job options for a paid call: cancelled when the client goes away or the payment proves unsettleable. */
export function jobOptions(c: Context<AppEnv>, { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal }): StartJobOptions {
  return { timeoutMs, signal: AbortSignal.any([c.req.raw.signal, signal]), waitUntil: (p) => c.executionCtx.waitUntil(p) };
}
