import type { EdgeConfig } from "../../config/edge-config.ts";
import { EmbeddedFacilitator } from "./embedded-facilitator.ts";
import type { Facilitator } from "./facilitator.ts";
import { RemoteFacilitator } from "./remote-facilitator.ts";

export function createFacilitator(config: EdgeConfig, env: Env): Facilitator {
  return config.facilitator.kind === "embedded"
    ? new EmbeddedFacilitator(env.RELAYER, config.payment.network, config.payment.asset)
    : new RemoteFacilitator({ url: config.facilitator.url });
}
