import type { Address } from "viem";
import type { Facilitator, SettleOutcome, SettleRequest } from "./facilitator.ts";
import type { Relayer } from "./relayer.ts";

/** Settles on chain through this edge's own Relayer Durable Object (one per network). */
export class EmbeddedFacilitator implements Facilitator {
  constructor(
    private readonly relayers: DurableObjectNamespace<Relayer>,
    private readonly network: string,
    private readonly asset: Address,
  ) {}

  settle(request: SettleRequest): Promise<SettleOutcome> {
    return this.relayers.getByName(this.network).settle({
      asset: this.asset,
      authorization: request.payment.authorization,
      signature: request.payment.signature,
    });
  }
}
