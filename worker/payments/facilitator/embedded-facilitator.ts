import type { Address } from "viem";
import type { Facilitator, PreflightOutcome, SettleOutcome, SettleRequest } from "./facilitator.ts";
import type { Relayer } from "./relayer.ts";

/** Settles on chain through this edge's own Relayer Durable Object (one per network). */
export class EmbeddedFacilitator implements Facilitator {
  constructor(
    private readonly relayers: DurableObjectNamespace<Relayer>,
    private readonly network: string,
    private readonly asset: Address,
  ) {}

  async preflight(request: SettleRequest): Promise<PreflightOutcome> {
    const outcome = await this.relayer().preflight(this.relayRequest(request));
    // Bigints do not cross Durable Object RPC as such in every runtime version: balance is text there.
    return outcome.ok ? { ok: true, balance: outcome.balance === null ? null : BigInt(outcome.balance) } : outcome;
  }

  settle(request: SettleRequest): Promise<SettleOutcome> {
    return this.relayer().settle(this.relayRequest(request));
  }

  private relayer() {
    return this.relayers.getByName(this.network);
  }

  private relayRequest(request: SettleRequest) {
    return { asset: this.asset, authorization: request.payment.authorization, signature: request.payment.signature };
  }
}
