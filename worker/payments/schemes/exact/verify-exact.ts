import { authorizationTypes } from "@x402/evm";
import { isAddressEqual, type Address, type Hex } from "viem";
import { parseEvmAddress } from "../../../chain/evm-address.ts";
import { nobleRecoverer } from "../../../chain/signatures/noble-recoverer.ts";
import type { SignatureRecoverer } from "../../../chain/signatures/recoverer.ts";
import { digestOrNull } from "../../../chain/signatures/typed-data-digest.ts";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { SchemeOffer, Verdict, VerifiedPayment } from "../../core/payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "../../core/reasons.ts";
import type { PaymentPayload } from "../../core/wire.ts";
import { EXACT } from "./exact-offer.ts";
import type { Authorization, ExactEvmPayload } from "./exact-payload.ts";
import { ExactReason } from "./exact-reasons.ts";
import { exactReplayKey } from "./nonce-key.ts";
import { isEcdsaSignature } from "./transfer.ts";

/** Clients' clocks drift; a validity window this much longer than offered is still accepted. */
const WINDOW_SLACK_SECONDS = 60;

/** An exact payment that passed every local check: what settlement and the reservation need. */
export interface ExactPayment extends VerifiedPayment {
  authorization: Authorization;
  signature: Hex;
  /** validBefore in seconds. */
  validBefore: number;
  /** The payload exactly as the client sent it (a remote facilitator gets it as is). */
  payload: PaymentPayload<ExactEvmPayload>;
}

export type VerifyOutcome = Verdict<ExactPayment>;

export interface ExactVerifyContext {
  config: PaymentConfig;
  offer: SchemeOffer;
  nowSeconds: number;
  /** The same instant in ms, for the validity the job needs (default: nowSeconds). */
  nowMs?: number;
  /** The authorization must stay valid at least this long (ms) for the job and its settlement. */
  minValidityMs?: number;
  /**
   * ERC-1271 check for contract wallets (signatures that are not a plain ECDSA signature of `from`).
   * Absent when the edge has no RPC URL: then only EOA signatures can pay.
   */
  isValidContractSignature?: (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;
  /** Who signed a digest (the Worker's is libsecp256k1 in wasm); default noble. */
  recoverer?: SignatureRecoverer;
}

/**
 * Local verification of an exact/EIP-3009 payment: everything that can be checked without a chain
 * round trip, in the order the x402 reference checks it, each failure with its own reason.
 * Balance and nonce freshness are left to the preflight (a failing transfer is never sent: the
 * relayer estimates gas first), so a paid call costs no RPC before the job starts.
 */
export async function verifyExactPayment(payload: PaymentPayload<ExactEvmPayload>, ctx: ExactVerifyContext): Promise<Verdict<ExactPayment>> {
  const refuse = (reason: PaymentRefusal["reason"], message: string): Verdict<ExactPayment> => ({ ok: false, refusal: { reason, message } });
  const { config, offer } = ctx;
  const price = BigInt(offer.v2.amount);

  if (payload.x402Version === 2) {
    const accepted = payload.accepted;
    if (accepted.scheme !== EXACT) return refuse(PaymentReason.unsupportedScheme, `scheme "${accepted.scheme}" is not offered; use "${EXACT}"`);
    if (accepted.network !== config.network) return refuse(PaymentReason.invalidNetwork, `network ${accepted.network} is not offered; use ${config.network}`);
    const asset = addressMismatch(accepted.asset, config.asset);
    if (asset) return refuse(ExactReason.assetMismatch, `asset ${asset}`);
    const payTo = addressMismatch(accepted.payTo, config.payTo);
    if (payTo) return refuse(ExactReason.recipientMismatch, `payTo ${payTo}`);
    if (accepted.amount !== price.toString()) return refuse(ExactReason.valueMismatch, `accepted amount ${accepted.amount} does not match the price ${price}`);
    if (accepted.maxTimeoutSeconds !== config.maxTimeoutSeconds || accepted.extra?.name !== config.assetName || accepted.extra?.version !== config.assetVersion) {
      return refuse(PaymentReason.requirementsMismatch, "accepted requirements differ from the ones offered");
    }
  } else {
    if (payload.scheme !== EXACT) return refuse(PaymentReason.unsupportedScheme, `scheme "${payload.scheme}" is not offered; use "${EXACT}"`);
    if (config.v1NetworkName === null || payload.network !== config.v1NetworkName) {
      return refuse(PaymentReason.invalidNetwork, config.v1NetworkName ? `network ${payload.network} is not offered; use ${config.v1NetworkName}` : `x402 v1 cannot pay on ${config.network}; use x402 v2`);
    }
  }

  const { authorization } = payload.payload;
  const signature = payload.payload.signature as Hex;
  // from/to arrive canonical (wire.ts AddressText), as EIP-712 hashing and the relayer need them.
  if (addressMismatch(authorization.to, config.payTo)) return refuse(ExactReason.recipientMismatch, `authorization pays ${authorization.to}, not ${config.payTo}`);
  if (BigInt(authorization.value) !== price) {
    return refuse(payload.x402Version === 2 ? ExactReason.valueMismatch : ExactReason.valueMismatchV1, `authorization value ${authorization.value} does not match the price ${price}`);
  }
  const validAfter = BigInt(authorization.validAfter);
  const validBefore = BigInt(authorization.validBefore);
  const now = BigInt(ctx.nowSeconds);
  if (validAfter > now) return refuse(ExactReason.validAfter, `authorization is not valid until ${validAfter}`);
  if (validBefore < now + BigInt(config.minValiditySeconds)) {
    return refuse(ExactReason.validBefore, `authorization expires at ${validBefore}; it must stay valid at least ${config.minValiditySeconds}s`);
  }
  if (validBefore > now + BigInt(config.maxTimeoutSeconds + WINDOW_SLACK_SECONDS)) {
    return refuse(ExactReason.windowTooLong, `authorization is valid until ${validBefore}, longer than the ${config.maxTimeoutSeconds}s offered`);
  }

  const typedData = {
    domain: { name: config.assetName, version: config.assetVersion, chainId: config.chainId, verifyingContract: config.asset },
    types: authorizationTypes,
    primaryType: "TransferWithAuthorization" as const,
    message: {
      from: authorization.from,
      to: authorization.to,
      value: BigInt(authorization.value),
      validAfter,
      validBefore,
      nonce: authorization.nonce as Hex,
    },
  };
  // One digest for both the ECDSA recovery and, failing that, the contract wallet's ERC-1271 check.
  // A message viem will not hash (decoding makes this unreachable) is no one's signature.
  const digest = digestOrNull(typedData);
  let signedByPayer = false;
  if (digest === null) return refuse(ExactReason.invalidSignature, "the authorization cannot be hashed as EIP-712 typed data");
  if (isEcdsaSignature(signature)) {
    const recovered = await (ctx.recoverer ?? nobleRecoverer).recoverAddress(digest, signature);
    signedByPayer = recovered !== null && isAddressEqual(recovered, authorization.from);
  }
  if (!signedByPayer && ctx.isValidContractSignature) {
    signedByPayer = await ctx.isValidContractSignature(authorization.from, digest, signature).catch(() => false);
  }
  if (!signedByPayer) return refuse(ExactReason.invalidSignature, `signature does not recover to ${authorization.from}`);

  // The job and its settlement must both fit before the authorization expires.
  const minValidityMs = ctx.minValidityMs ?? 0;
  if (Number(validBefore) * 1000 - (ctx.nowMs ?? ctx.nowSeconds * 1000) < minValidityMs) {
    return refuse(ExactReason.validBefore, `authorization expires too soon to run the job and settle; sign one valid for at least ${Math.ceil(minValidityMs / 1000)}s`);
  }

  return {
    ok: true,
    payment: {
      x402Version: payload.x402Version,
      payer: authorization.from,
      maxAmount: price,
      replayKey: exactReplayKey({ chainId: config.chainId, asset: config.asset, payer: authorization.from, nonce: authorization.nonce }),
      settleBy: Number(validBefore) * 1000,
      authorization,
      signature,
      validBefore: Number(validBefore),
      payload,
    },
  };
}

/**
 * Null when `text` is `expected` in any casing EIP-55 allows; otherwise why not. A mixed-case
 * address with a wrong checksum is never "the same" address: it is a corrupted one.
 */
function addressMismatch(text: string, expected: Address): string | null {
  const parsed = parseEvmAddress(text);
  if (!parsed.ok) return `${text.slice(0, 64)} is not an address: ${parsed.message}`;
  return parsed.address.toLowerCase() === expected.toLowerCase() ? null : `${parsed.address} does not match ${expected}`;
}
