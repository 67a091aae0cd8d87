import { z } from "zod";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { MAX_WITHDRAW_DELAY, MIN_WITHDRAW_DELAY } from "./batch-constants.ts";

/** What the batch-settlement scheme is configured with, beyond the edge's payment config. */
export interface ChannelSettings {
  /** Signs claims and refunds (a secret); its address is `extra.receiverAuthorizer`. */
  receiverAuthorizerKey: Hex;
  receiverAuthorizer: Address;
  withdrawDelaySeconds: number;
  /** The least a new deposit should be (the 402's `extra.minDeposit`, at least the call's price). */
  minDeposit: bigint;
  /** A channel whose unclaimed value reaches this is claimed. */
  claimThreshold: bigint;
  /** Unclaimed value is claimed at least this often. */
  claimMaxAgeSeconds: number;
  /** How often the claim job looks at the chain for timed withdrawals. */
  watchSeconds: number;
}

const BaseUnits = z.string().regex(/^[1-9][0-9]{0,30}$/, "must be a positive integer amount in base units").transform((s) => BigInt(s));
const Seconds = (min: number, max: number) => z.string().regex(/^[0-9]+$/, "must be a whole number of seconds").transform(Number).pipe(z.number().int().min(min).max(max));

const ChannelEnvSchema = z.object({
  RECEIVER_AUTHORIZER_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key").optional(),
  CHANNEL_WITHDRAW_DELAY_SECONDS: Seconds(MIN_WITHDRAW_DELAY, MAX_WITHDRAW_DELAY).default(900),
  CHANNEL_MIN_DEPOSIT: BaseUnits.default(1_000_000n),
  CHANNEL_CLAIM_THRESHOLD: BaseUnits.default(1_000_000n),
  CHANNEL_CLAIM_MAX_AGE_SECONDS: Seconds(10, 7 * 24 * 3600).default(3600),
  CHANNEL_WATCH_SECONDS: Seconds(1, 300).default(30),
});

export type ChannelSettingsResult =
  | { ok: true; settings: ChannelSettings | null }
  | { ok: false; problems: string[] };

const cache = new WeakMap<object, ChannelSettingsResult>();

/**
 * Parsed once per isolate. `settings: null` when no RECEIVER_AUTHORIZER_KEY is set: the scheme is
 * then not offered (exact still is). The claim job must be able to act well inside the withdrawal
 * delay, so the watch interval is bounded by it.
 */
export function channelSettingsFor(env: object): ChannelSettingsResult {
  let result = cache.get(env);
  if (!result) {
    result = parseChannelSettings(env as Record<string, unknown>);
    cache.set(env, result);
  }
  return result;
}

export function parseChannelSettings(env: Record<string, unknown>): ChannelSettingsResult {
  const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === "string" && v.trim() === "" ? undefined : v]));
  const parsed = ChannelEnvSchema.safeParse(values);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  const e = parsed.data;
  if (!e.RECEIVER_AUTHORIZER_KEY) return { ok: true, settings: null };
  if (e.CHANNEL_WATCH_SECONDS * 3 > e.CHANNEL_WITHDRAW_DELAY_SECONDS) {
    return { ok: false, problems: ["CHANNEL_WATCH_SECONDS: must be at most a third of CHANNEL_WITHDRAW_DELAY_SECONDS (a withdrawal must be seen in time to claim before it completes)"] };
  }
  const key = e.RECEIVER_AUTHORIZER_KEY as Hex;
  return {
    ok: true,
    settings: {
      receiverAuthorizerKey: key,
      receiverAuthorizer: privateKeyToAccount(key).address,
      withdrawDelaySeconds: e.CHANNEL_WITHDRAW_DELAY_SECONDS,
      minDeposit: e.CHANNEL_MIN_DEPOSIT,
      claimThreshold: e.CHANNEL_CLAIM_THRESHOLD,
      claimMaxAgeSeconds: e.CHANNEL_CLAIM_MAX_AGE_SECONDS,
      watchSeconds: e.CHANNEL_WATCH_SECONDS,
    },
  };
}
