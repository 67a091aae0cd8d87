import { erc1271Verifier } from "../../chain/erc1271.ts";
import type { EdgeConfig } from "../../config/edge-config.ts";
import type { PaymentScheme, SchemeRecovery } from "../core/payment-scheme.ts";
import { RemoteFacilitator } from "../facilitator/remote-facilitator.ts";
import { ledgerOf } from "../ledger/ledger-binding.ts";
import { EmbeddedExactSettlement } from "./exact/embedded-settlement.ts";
import { EXACT } from "./exact/exact-offer.ts";
import { ExactEvmScheme } from "./exact/exact-scheme.ts";
import { recoverExactTransfer } from "./exact/recovery.ts";

/**
 * The one place that knows which payment schemes exist. A scheme plugs in here with its recovery
 * (run by the relayer's sweep), its client snippet and how to build it for a request from the
 * edge's config and bindings — and in payloads.ts with its payload schema (checked when a payment
 * is decoded). The core sees only PaymentScheme.
 */
interface SchemeModule {
  /** How a buyer's code registers the official client for this scheme (for the index page's example). */
  client: ClientSnippet;
  recover: SchemeRecovery;
  create(config: EdgeConfig, env: Env): PaymentScheme;
}

const SCHEMES: Readonly<Record<string, SchemeModule>> = {
  [EXACT]: {
    client: { import: 'import { registerExactEvmScheme } from "@x402/evm/exact/client";', register: "registerExactEvmScheme(client, { signer: privateKeyToAccount(process.env.PAYER_KEY) });" },
    recover: recoverExactTransfer,
    create: (config, env) =>
      new ExactEvmScheme({
        config: config.payment,
        ledger: ledgerOf(env),
        settlement:
          config.facilitator.kind === "embedded"
            ? new EmbeddedExactSettlement(env.RELAYER.getByName(config.payment.network))
            : new RemoteFacilitator({ url: config.facilitator.url }),
        ...(config.rpcUrl ? { isValidContractSignature: erc1271Verifier(config.rpcUrl) } : {}),
      }),
  },
};

export interface ClientSnippet {
  import: string;
  register: string;
}

/** The official client's registration lines for each named scheme that has them, in order. */
export function clientSnippets(names: readonly string[]): ClientSnippet[] {
  return names.flatMap((name) => (Object.hasOwn(SCHEMES, name) ? [SCHEMES[name]!.client] : []));
}

/** The order a 402 lists the schemes in when PAYMENT_SCHEMES does not say. */
export const DEFAULT_SCHEME_ORDER: readonly string[] = [EXACT];

/** Names of the registered schemes (payloads.ts must have a payload schema for each). */
export const REGISTERED_SCHEMES: readonly string[] = Object.keys(SCHEMES);

/** The recovery of the scheme a journaled transaction's memo names, if it has one. */
export function recoveryFor(memo: unknown): SchemeRecovery | null {
  const name = typeof memo === "object" && memo !== null ? (memo as { scheme?: unknown }).scheme : undefined;
  return typeof name === "string" && Object.hasOwn(SCHEMES, name) ? SCHEMES[name]!.recover : null;
}

/** What is wrong with the configured scheme order (PAYMENT_SCHEMES); empty when nothing is. */
export function schemeOrderProblems(config: EdgeConfig): string[] {
  const order = config.paymentSchemes ?? DEFAULT_SCHEME_ORDER;
  const problems = order.filter((name) => !Object.hasOwn(SCHEMES, name)).map((name) => `PAYMENT_SCHEMES: no scheme "${name.slice(0, 64)}" (known: ${Object.keys(SCHEMES).join(", ")})`);
  if (new Set(order).size !== order.length) problems.push("PAYMENT_SCHEMES: a scheme is listed twice");
  if (order.length === 0) problems.push("PAYMENT_SCHEMES: lists no scheme");
  return problems;
}

/** The schemes this edge offers, in order, built for one request (cheap: config and Durable Object stubs). */
export function paymentSchemesFor(config: EdgeConfig, env: Env): PaymentScheme[] {
  return (config.paymentSchemes ?? DEFAULT_SCHEME_ORDER).flatMap((name) => (Object.hasOwn(SCHEMES, name) ? [SCHEMES[name]!.create(config, env)] : []));
}
