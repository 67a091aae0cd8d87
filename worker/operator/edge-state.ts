import type { EdgeConfig } from "../config/edge-config.ts";
import type { RelayerStatus } from "../chain/relayer/relayer-object.ts";
import { RemoteFacilitator } from "../payments/facilitator/remote-facilitator.ts";
import type { RunnerStatus } from "../tunnel/runner-pool.ts";
import { poolOf } from "../tunnel/pool-binding.ts";

/**
 * What the edge has gas for: one settlement (an EIP-3009 transfer by a plain signature uses a fixed
 * 150k gas; a channel claim about as much) at the fee per gas now. Below one: out of gas; below
 * LOW_GAS_SETTLEMENTS of them: low — time to top up before settlements start failing.
 */
export const GAS_PER_SETTLEMENT = 150_000n;
export const LOW_GAS_SETTLEMENTS = 100n;

export type GasLevel = "ok" | "low" | "empty";

export interface ChainState {
  network: string;
  kind: "embedded" | "remote";
  /** The edge can settle now: the RPC answered and the relayer can pay for a settlement (embedded), or the facilitator answered (remote). */
  ok: boolean;
  /** Why not, as a code (never a node's or facilitator's message: they can carry URLs with keys). */
  problem: "rpc_unreachable" | "relayer_out_of_gas" | "relayer_unavailable" | "facilitator_unreachable" | null;
  relayer: (Omit<RelayerStatus, "error"> & { level: GasLevel | null }) | null;
}

export interface ChannelState {
  owing: number;
  /** Charged but not yet claimed on chain, base units of the edge's asset. */
  unclaimed: string;
}

/** The live state behind /health and /metrics, read from where it lives (the RunnerPool, the Relayer, ChannelClaims). */
export interface EdgeState {
  runners: RunnerStatus[];
  chain: ChainState;
  channels: ChannelState | null;
}

export async function readEdgeState(env: Env, config: EdgeConfig): Promise<EdgeState> {
  const [runners, chain, channels] = await Promise.all([poolOf(env).status(), chainState(env, config), channelState(env, config)]);
  return { runners, chain, channels };
}

export function gasLevel(balanceWei: bigint, maxFeePerGasWei: bigint): GasLevel {
  const one = GAS_PER_SETTLEMENT * maxFeePerGasWei;
  if (balanceWei < one) return "empty";
  return balanceWei < one * LOW_GAS_SETTLEMENTS ? "low" : "ok";
}

async function chainState(env: Env, config: EdgeConfig): Promise<ChainState> {
  const { network } = config.payment;
  if (config.facilitator.kind === "remote") {
    const ok = await new RemoteFacilitator({ url: config.facilitator.url }).supported().then(() => true, () => false);
    return { network, kind: "remote", ok, problem: ok ? null : "facilitator_unreachable", relayer: null };
  }
  let status: RelayerStatus;
  try {
    status = await env.RELAYER.getByName(network).status();
  } catch {
    return { network, kind: "embedded", ok: false, problem: "relayer_unavailable", relayer: null };
  }
  // The node's error text stays out: it can carry the RPC URL, and /health is public.
  const { error: _message, ...relayer } = status;
  if (status.balanceWei === null || status.maxFeePerGasWei === null) {
    return { network, kind: "embedded", ok: false, problem: status.address === null ? "relayer_unavailable" : "rpc_unreachable", relayer: { ...relayer, level: null } };
  }
  const level = gasLevel(BigInt(status.balanceWei), BigInt(status.maxFeePerGasWei));
  return { network, kind: "embedded", ok: level !== "empty", problem: level === "empty" ? "relayer_out_of_gas" : null, relayer: { ...relayer, level } };
}

async function channelState(env: Env, config: EdgeConfig): Promise<ChannelState | null> {
  if (!env.CHANNEL_CLAIMS) return null;
  try {
    const owing = await env.CHANNEL_CLAIMS.getByName(config.payment.network).list();
    return { owing: owing.length, unclaimed: owing.reduce((sum, n) => sum + BigInt(n.unclaimed), 0n).toString() };
  } catch {
    return null;
  }
}
