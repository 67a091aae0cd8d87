import { erc1271Verifier } from "../../chain/erc1271.ts";
import { isolateRecoverer } from "../../chain/signatures/isolate-recoverer.ts";
import type { EdgeConfig } from "../../config/edge-config.ts";
import type { PaymentScheme, SchemeRecovery } from "../core/payment-scheme.ts";
import { RemoteFacilitator } from "../facilitator/remote-facilitator.ts";
import { ledgerOf } from "../ledger/ledger-binding.ts";
import { EmbeddedExactSettlement } from "./exact/embedded-settlement.ts";
import { EXACT } from "./exact/exact-offer.ts";
import { ExactEvmScheme } from "./exact/exact-scheme.ts";
import { recoverExactTransfer } from "./exact/recovery.ts";
import { rpcChainClient, type ChainClient } from "../../chain/chain-client.ts";
import type { RelayerPort } from "../../chain/relayer/relayer-port.ts";
import { BATCH } from "./batch-settlement/batch-constants.ts";
import { BatchSettlementScheme } from "./batch-settlement/batch-scheme.ts";
import { channelSettingsFor } from "./batch-settlement/channel-settings.ts";

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
  /** Whether this edge can offer it (`why` not), and what is wrong with its own settings. */
  availability(config: EdgeConfig, env: Env): { offered: boolean; why?: string; problems: string[] };
  create(config: EdgeConfig, env: Env): PaymentScheme;
}

const chainClients = new Map<string, ChainClient>();
/** One JSON-RPC client per isolate and URL, made when first used (no I/O at construction). */
function chainClientFor(rpcUrl: string, chainId: number): ChainClient {
  let client = chainClients.get(rpcUrl);
  if (!client) chainClients.set(rpcUrl, (client = rpcChainClient(rpcUrl, chainId, { timeoutMs: 5_000, retryCount: 1 })));
  return client;
}

const SCHEMES: Readonly<Record<string, SchemeModule>> = {
  [EXACT]: {
    client: { import: 'import { registerExactEvmScheme } from "@x402/evm/exact/client";', register: "registerExactEvmScheme(client, { signer: privateKeyToAccount(process.env.PAYER_KEY) });" },
    recover: recoverExactTransfer,
    availability: () => ({ offered: true, problems: [] }),
    create: (config, env) =>
      new ExactEvmScheme({
        config: config.payment,
        ledger: ledgerOf(env),
        settlement:
          config.facilitator.kind === "embedded"
            ? new EmbeddedExactSettlement(env.RELAYER.getByName(config.payment.network))
            : new RemoteFacilitator({ url: config.facilitator.url }),
        ...(config.rpcUrl ? { isValidContractSignature: erc1271Verifier(config.rpcUrl) } : {}),
        recoverer: isolateRecoverer(),
      }),
  },
  [BATCH]: {
    client: {
      import: 'import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/client";',
      register: 'client.register("eip155:*", new BatchSettlementEvmScheme(toClientEvmSigner(privateKeyToAccount(process.env.PAYER_KEY), publicClient)));',
    },
    // A deposit or claim that landed unobserved leaves no ledger row to write: the channel's mirror is
    // read from the escrow again (its deposit was held; a claim is reconciled by channel-claims.ts).
    recover: () => null,
    availability: (config, env) => {
      const settings = channelSettingsFor(env);
      if (!settings.ok) return { offered: false, problems: settings.problems };
      if (!settings.settings) return { offered: false, why: "it needs the RECEIVER_AUTHORIZER_KEY secret", problems: [] };
      if (config.facilitator.kind !== "embedded") return { offered: false, why: "its deposits and claims are sent by the edge's own relayer (FACILITATOR=embedded)", problems: [] };
      return { offered: true, problems: [] };
    },
    create: (config, env) => {
      const settings = channelSettingsFor(env);
      if (!settings.ok || !settings.settings || config.facilitator.kind !== "embedded") throw new Error("batch-settlement is not available on this edge");
      return new BatchSettlementScheme({
        config: config.payment,
        settings: settings.settings,
        channels: env.PAYMENT_CHANNEL,
        relayer: env.RELAYER.getByName(config.payment.network),
        chain: chainClientFor(config.facilitator.rpcUrl, config.payment.chainId),
        ...(config.rpcUrl ? { isValidContractSignature: erc1271Verifier(config.rpcUrl) } : {}),
        recoverer: isolateRecoverer(),
      });
    },
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
export const DEFAULT_SCHEME_ORDER: readonly string[] = [BATCH, EXACT];

/** Names of the registered schemes (payloads.ts must have a payload schema for each). */
export const REGISTERED_SCHEMES: readonly string[] = Object.keys(SCHEMES);

/** The recovery of the scheme a journaled transaction's memo names, if it has one. */
export function recoveryFor(memo: unknown): SchemeRecovery | null {
  const name = typeof memo === "object" && memo !== null ? (memo as { scheme?: unknown }).scheme : undefined;
  return typeof name === "string" && Object.hasOwn(SCHEMES, name) ? SCHEMES[name]!.recover : null;
}

/**
 * What is wrong with the payment schemes' configuration: PAYMENT_SCHEMES (unknown or repeated names,
 * or one named explicitly that cannot be offered here) and each scheme's own settings. A scheme the
 * default order lists but this edge cannot offer is left out quietly (exact alone still works).
 */
export function schemeProblems(config: EdgeConfig, env: Env): string[] {
  const order = config.paymentSchemes ?? DEFAULT_SCHEME_ORDER;
  const problems = order.filter((name) => !Object.hasOwn(SCHEMES, name)).map((name) => `PAYMENT_SCHEMES: no scheme "${name.slice(0, 64)}" (known: ${Object.keys(SCHEMES).join(", ")})`);
  if (new Set(order).size !== order.length) problems.push("PAYMENT_SCHEMES: a scheme is listed twice");
  for (const name of order.filter((n) => Object.hasOwn(SCHEMES, n))) {
    const available = SCHEMES[name]!.availability(config, env);
    problems.push(...available.problems);
    if (!available.offered && available.why && config.paymentSchemes) problems.push(`PAYMENT_SCHEMES: ${name} cannot be offered: ${available.why}`);
  }
  if (offeredNames(config, env).length === 0) problems.push("PAYMENT_SCHEMES: no scheme can be offered");
  return problems;
}

function offeredNames(config: EdgeConfig, env: Env): string[] {
  return (config.paymentSchemes ?? DEFAULT_SCHEME_ORDER).filter((name) => Object.hasOwn(SCHEMES, name) && SCHEMES[name]!.availability(config, env).offered);
}

/** The schemes this edge offers, in order, built for one request (cheap: config and Durable Object stubs). */
export function paymentSchemesFor(config: EdgeConfig, env: Env): PaymentScheme[] {
  return offeredNames(config, env).map((name) => SCHEMES[name]!.create(config, env));
}
