import { authorizationTypes } from "@x402/evm";
import { hashTypedData, isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from "viem";
import type { PaymentConfig } from "../config/edge-config.ts";
import { parseEvmAddress } from "./evm-address.ts";
import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import type { PaymentTerms } from "./requirements.ts";
import type { Authorization, PaymentPayloadV1, PaymentPayloadV2 } from "./wire.ts";

/** Clients' clocks drift; a validity window this much longer than offered is still accepted. */
const WINDOW_SLACK_SECONDS = 60;

/** A payment that passed every local check: what settlement and the nonce reservation need. */
export interface VerifiedPayment {
  x402Version: 1 | 2;
  payer: Address;
  authorization: Authorization;
  signature: Hex;
  /** validBefore as a number of seconds, for reservation expiry. */
  validBefore: number;
}

export type VerifyOutcome = { ok: true; payment: VerifiedPayment } | { ok: false; refusal: PaymentRefusal };

export interface VerifyContext {
  config: PaymentConfig;
  terms: PaymentTerms;
  nowSeconds: number;
  /**
   * ERC-1271 check for contract wallets (signatures that are not a plain ECDSA signature of `from`).
   * Absent when the edge has no RPC URL: then only EOA signatures can pay.
   */
  isValidContractSignature?: (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;
}

/**
 * Local verification of an exact/EIP-3009 payment: everything that can be checked without a chain
 * round trip, in the order the x402 reference checks it, each failure with its own reason.
 * Balance and nonce freshness are left to settlement (a failing transfer is never sent: the relayer
 * estimates gas first), so a paid call costs no RPC before the job starts.
 */
export async function verifyExactPayment(payload: PaymentPayloadV1 | PaymentPayloadV2, ctx: VerifyContext): Promise<VerifyOutcome> {
  const refuse = (reason: PaymentRefusal["reason"], message: string): VerifyOutcome => ({ ok: false, refusal: { reason, message } });
  const { config, terms } = ctx;
  const price = terms.price;

  if (payload.x402Version === 2) {
    const accepted = payload.accepted;
    if (accepted.scheme !== "exact") return refuse(PaymentReason.unsupportedScheme, `scheme "${accepted.scheme}" is not offered; use "exact"`);
    if (accepted.network !== config.network) return refuse(PaymentReason.invalidNetwork, `network ${accepted.network} is not offered; use ${config.network}`);
    const asset = addressMismatch(accepted.asset, config.asset);
    if (asset) return refuse(PaymentReason.assetMismatch, `asset ${asset}`);
    const payTo = addressMismatch(accepted.payTo, config.payTo);
    if (payTo) return refuse(PaymentReason.recipientMismatch, `payTo ${payTo}`);
    if (accepted.amount !== price.toString()) return refuse(PaymentReason.valueMismatch, `accepted amount ${accepted.amount} does not match the price ${price}`);
    if (accepted.maxTimeoutSeconds !== config.maxTimeoutSeconds || accepted.extra?.name !== config.assetName || accepted.extra?.version !== config.assetVersion) {
      return refuse(PaymentReason.requirementsMismatch, "accepted requirements differ from the ones offered");
    }
  } else {
    if (payload.scheme !== "exact") return refuse(PaymentReason.unsupportedScheme, `scheme "${payload.scheme}" is not offered; use "exact"`);
    if (config.v1NetworkName === null || payload.network !== config.v1NetworkName) {
      return refuse(PaymentReason.invalidNetwork, config.v1NetworkName ? `network ${payload.network} is not offered; use ${config.v1NetworkName}` : `x402 v1 cannot pay on ${config.network}; use x402 v2`);
    }
  }

  const { authorization } = payload.payload;
  const signature = payload.payload.signature as Hex;
  // from/to arrive canonical (wire.ts AddressText), as EIP-712 hashing and the relayer need them.
  if (addressMismatch(authorization.to, config.payTo)) return refuse(PaymentReason.recipientMismatch, `authorization pays ${authorization.to}, not ${config.payTo}`);
  if (BigInt(authorization.value) !== price) {
    return refuse(payload.x402Version === 2 ? PaymentReason.valueMismatch : PaymentReason.valueMismatchV1, `authorization value ${authorization.value} does not match the price ${price}`);
  }
  const validAfter = BigInt(authorization.validAfter);
  const validBefore = BigInt(authorization.validBefore);
  const now = BigInt(ctx.nowSeconds);
  if (validAfter > now) return refuse(PaymentReason.validAfter, `authorization is not valid until ${validAfter}`);
  if (validBefore < now + BigInt(config.validBeforeBufferSeconds)) {
    return refuse(PaymentReason.validBefore, `authorization expires at ${validBefore}; it must stay valid at least ${config.validBeforeBufferSeconds}s`);
  }
  if (validBefore > now + BigInt(config.maxTimeoutSeconds + WINDOW_SLACK_SECONDS)) {
    return refuse(PaymentReason.windowTooLong, `authorization is valid until ${validBefore}, longer than the ${config.maxTimeoutSeconds}s offered`);
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
  let signedByPayer = false;
  if (signature.length === 132) {
    try {
      signedByPayer = isAddressEqual(await recoverTypedDataAddress({ ...typedData, signature }), authorization.from);
    } catch {
      signedByPayer = false;
    }
  }
  if (!signedByPayer && ctx.isValidContractSignature) {
    signedByPayer = await ctx.isValidContractSignature(authorization.from, hashTypedData(typedData), signature).catch(() => false);
  }
  if (!signedByPayer) return refuse(PaymentReason.invalidSignature, `signature does not recover to ${authorization.from}`);

  return {
    ok: true,
    payment: {
      x402Version: payload.x402Version,
      payer: authorization.from,
      authorization,
      signature,
      validBefore: Number(validBefore),
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
