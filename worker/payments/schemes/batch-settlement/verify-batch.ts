import { isAddressEqual, zeroAddress, type Address, type Hex } from "viem";
import { parseEvmAddress } from "../../../chain/evm-address.ts";
import { nobleRecoverer } from "../../../chain/signatures/noble-recoverer.ts";
import type { SignatureRecoverer } from "../../../chain/signatures/recoverer.ts";
import { digestOrNull, type TypedDataInput } from "../../../chain/signatures/typed-data-digest.ts";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { SchemeOffer, Verdict, VerifiedPayment } from "../../core/payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "../../core/reasons.ts";
import type { PaymentPayload, PaymentPayloadV2 } from "../../core/wire.ts";
import { BATCH, batchDomain, DEPOSIT_COLLECTOR_ADDRESS, MAX_WITHDRAW_DELAY, MIN_WITHDRAW_DELAY, receiveWithAuthorizationTypes, voucherTypes } from "./batch-constants.ts";
import type { BatchPayload, ChannelConfig, DepositPayload } from "./batch-payload.ts";
import { BatchReason } from "./batch-reasons.ts";
import { channelIdOf } from "./channel-id.ts";
import type { ChannelSettings } from "./channel-settings.ts";
import { depositNonce } from "./escrow-calls.ts";

/** The facilitator's margin: a deposit authorization must stay valid at least this long (s). */
const DEPOSIT_VALID_BEFORE_MARGIN_SECONDS = 6;
const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;

/** A batch-settlement payment that passed every local check. */
export interface BatchPayment extends VerifiedPayment {
  kind: BatchPayload["type"];
  channelId: Hex;
  config: ChannelConfig;
  /** The voucher this call signed: a cumulative ceiling for the channel. */
  voucher: { maxClaimable: string; signature: Hex };
  deposit: DepositPayload | null;
  /** A refund's requested amount (null: everything left). */
  refundAmount: string | null;
  /** The call's ceiling (the offer's amount): what a voucher adds to the channel's cumulative at most. */
  price: bigint;
  payload: PaymentPayloadV2<BatchPayload>;
}

export interface BatchVerifyContext {
  payment: PaymentConfig;
  settings: ChannelSettings;
  offer: SchemeOffer;
  nowMs: number;
  minValidityMs: number;
  isValidContractSignature?: (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;
  /** Who signed a digest (the Worker's is libsecp256k1 in wasm); default noble. */
  recoverer?: SignatureRecoverer;
}

/**
 * Local verification of a batch-settlement payload (spec "Server: Request Processing", the checks
 * the official facilitator's validateChannelConfig and voucher verification make), with no RPC:
 * the requirements echoed, the channel config bound to its id and to this edge's terms, the voucher's
 * EIP-712 signature by the payer's authorizer, and for a deposit its ERC-3009 authorization to the
 * collector. The channel's numbers (cumulative, balance) are checked by its Durable Object.
 */
export async function verifyBatchPayment(payload: PaymentPayload, ctx: BatchVerifyContext): Promise<Verdict<BatchPayment>> {
  const refuse = (reason: string, message: string): Verdict<BatchPayment> => ({ ok: false, refusal: { reason, message } });
  if (payload.x402Version !== 2) return refuse(PaymentReason.invalidVersion, `${BATCH} is paid with x402 v2`);
  const mismatch = requirementsMismatch(payload.accepted, ctx.offer);
  if (mismatch) return refuse(PaymentReason.requirementsMismatch, `accepted requirements differ from the ones offered (${mismatch})`);
  const body = payload.payload as BatchPayload;
  const { channelConfig: config, voucher } = body;
  const { payment, settings } = ctx;

  if (!CHANNEL_ID.test(voucher.channelId)) return refuse(BatchReason.channelIdInvalid, "voucher.channelId must be 32 bytes of hex");
  const channelId = channelIdOf(config, payment.chainId);
  if (voucher.channelId.toLowerCase() !== channelId) return refuse(BatchReason.channelIdMismatch, `voucher.channelId is not the id of channelConfig on ${payment.network} (${channelId})`);
  const configProblem = configRefusal(config, payment, settings);
  if (configProblem) return { ok: false, refusal: configProblem };

  const signature = voucher.signature as Hex;
  const voucherDigest = { domain: batchDomain(payment.chainId), types: voucherTypes, primaryType: "Voucher" as const, message: { channelId, maxClaimableAmount: BigInt(voucher.maxClaimableAmount) } };
  const signer = isAddressEqual(config.payerAuthorizer, zeroAddress) ? null : config.payerAuthorizer;
  if (!(await signedBy(voucherDigest, signature, signer, config.payer, ctx))) {
    return refuse(BatchReason.voucherSignature, `the voucher is not signed by ${signer ?? `the payer ${config.payer} (ERC-1271)`}`);
  }

  let deposit: DepositPayload | null = null;
  let settleBy: number | null = null;
  if (body.type === "deposit") {
    deposit = body;
    const auth = body.deposit.authorization.erc3009Authorization;
    const nowSeconds = Math.floor(ctx.nowMs / 1000);
    const amount = BigInt(body.deposit.amount);
    if (amount === 0n) return refuse(BatchReason.insufficientBalance, "a deposit must be more than 0");
    if (BigInt(auth.validAfter) > BigInt(nowSeconds)) return refuse(BatchReason.validAfter, `the deposit authorization is not valid until ${auth.validAfter}`);
    if (BigInt(auth.validBefore) < BigInt(nowSeconds + DEPOSIT_VALID_BEFORE_MARGIN_SECONDS)) return refuse(BatchReason.validBefore, `the deposit authorization expired at ${auth.validBefore}`);
    const authorization = {
      domain: { name: payment.assetName, version: payment.assetVersion, chainId: payment.chainId, verifyingContract: payment.asset },
      types: receiveWithAuthorizationTypes,
      primaryType: "ReceiveWithAuthorization" as const,
      message: { from: config.payer, to: DEPOSIT_COLLECTOR_ADDRESS, value: amount, validAfter: BigInt(auth.validAfter), validBefore: BigInt(auth.validBefore), nonce: depositNonce(channelId, auth.salt as Hex) },
    };
    if (!(await signedBy(authorization, auth.signature as Hex, config.payer, config.payer, ctx))) {
      return refuse(BatchReason.receiveAuthorizationSignature, `the deposit authorization is not the payer's ReceiveWithAuthorization to the collector ${DEPOSIT_COLLECTOR_ADDRESS}`);
    }
    // The deposit lands when the job has worked: the authorization must outlive the job and its settlement.
    settleBy = Number(auth.validBefore) * 1000;
    if (settleBy - ctx.nowMs < ctx.minValidityMs) {
      return refuse(BatchReason.validBefore, `the deposit authorization expires too soon to run the job and deposit; sign one valid for at least ${Math.ceil(ctx.minValidityMs / 1000)}s`);
    }
  }
  if (body.type === "refund" && body.amount !== undefined && BigInt(body.amount) === 0n) return refuse(BatchReason.refundAmountInvalid, "a refund amount must be more than 0");

  const price = BigInt(ctx.offer.v2.amount);
  return {
    ok: true,
    payment: {
      x402Version: 2,
      payer: config.payer,
      maxAmount: body.type === "refund" ? 0n : price,
      // The channel object refuses replays; this names the one call in the ledger.
      replayKey: `${channelId}:${voucher.maxClaimableAmount}:${crypto.randomUUID()}`,
      settleBy,
      kind: body.type,
      channelId,
      config,
      voucher: { maxClaimable: voucher.maxClaimableAmount, signature },
      deposit,
      refundAmount: body.type === "refund" ? (body.amount ?? null) : null,
      price,
      payload: payload as PaymentPayloadV2<BatchPayload>,
    },
  };
}

/** The config must be one this edge can claim from: its receiver, its authorizer, its token and delay. */
function configRefusal(config: ChannelConfig, payment: PaymentConfig, settings: ChannelSettings): PaymentRefusal | null {
  if (isAddressEqual(config.payer, zeroAddress)) return { reason: BatchReason.channelIdInvalid, message: "channelConfig.payer must not be the zero address" };
  if (!isAddressEqual(config.receiver, payment.payTo)) return { reason: BatchReason.receiverMismatch, message: `channelConfig.receiver must be ${payment.payTo}` };
  if (!isAddressEqual(config.receiverAuthorizer, settings.receiverAuthorizer)) return { reason: BatchReason.receiverAuthorizerMismatch, message: `channelConfig.receiverAuthorizer must be ${settings.receiverAuthorizer}` };
  if (!isAddressEqual(config.token, payment.asset)) return { reason: BatchReason.tokenMismatch, message: `channelConfig.token must be ${payment.asset}` };
  if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) return { reason: BatchReason.withdrawDelayOutOfRange, message: `channelConfig.withdrawDelay must be ${MIN_WITHDRAW_DELAY}–${MAX_WITHDRAW_DELAY} s` };
  if (config.withdrawDelay !== settings.withdrawDelaySeconds) return { reason: BatchReason.withdrawDelayMismatch, message: `channelConfig.withdrawDelay must be ${settings.withdrawDelaySeconds}` };
  return null;
}

/** What the client must echo: every field of the offer, and every key of its `extra` with the same value. */
function requirementsMismatch(accepted: PaymentPayloadV2["accepted"], offer: SchemeOffer): string | null {
  const offered = offer.v2;
  if (accepted.scheme !== offered.scheme || accepted.network !== offered.network) return "scheme or network";
  if (accepted.amount !== offered.amount) return `amount ${accepted.amount.slice(0, 80)} is not ${offered.amount}`;
  if (!sameAddress(accepted.asset, offered.asset)) return "asset";
  if (!sameAddress(accepted.payTo, offered.payTo)) return "payTo";
  if (accepted.maxTimeoutSeconds !== offered.maxTimeoutSeconds) return "maxTimeoutSeconds";
  for (const [key, value] of Object.entries(offered.extra ?? {})) {
    const echoed = accepted.extra?.[key];
    const same = typeof value === "string" && typeof echoed === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? sameAddress(echoed, value) : echoed === value;
    if (!same) return `extra.${key}`;
  }
  return null;
}

function sameAddress(text: string, expected: string): boolean {
  const parsed = parseEvmAddress(text);
  return parsed.ok && parsed.address.toLowerCase() === expected.toLowerCase();
}

/** ECDSA by `signer` when there is one (no RPC); otherwise ERC-1271 by the contract wallet `wallet`. */
async function signedBy(typedData: TypedDataInput, signature: Hex, signer: Address | null, wallet: Address, ctx: BatchVerifyContext): Promise<boolean> {
  const digest = digestOrNull(typedData);
  if (digest === null) return false;
  if (signature.length === 132 && signer) {
    // null: not an ECDSA signature of anyone — maybe a contract wallet's
    const recovered = await (ctx.recoverer ?? nobleRecoverer).recoverAddress(digest, signature);
    if (recovered !== null && isAddressEqual(recovered, signer)) return true;
  }
  if (signer && !isAddressEqual(signer, wallet)) return false;
  return ctx.isValidContractSignature ? ctx.isValidContractSignature(wallet, digest, signature).catch(() => false) : false;
}
