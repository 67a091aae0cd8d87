import type { PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { SchemeOffer } from "../../core/payment-scheme.ts";
import type { PaidResource } from "../../core/terms.ts";

export const EXACT = "exact";

/** The exact scheme's `accepts` entry: the price as an exact amount, the token's EIP-712 domain in `extra`. */
export function exactOffer(config: PaymentConfig, price: bigint, resource: PaidResource): SchemeOffer {
  const extra = { name: config.assetName, version: config.assetVersion };
  return {
    v2: {
      scheme: EXACT,
      network: config.network,
      amount: price.toString(),
      asset: config.asset,
      payTo: config.payTo,
      maxTimeoutSeconds: config.maxTimeoutSeconds,
      extra,
    },
    v1:
      config.v1NetworkName === null
        ? null
        : {
            scheme: EXACT,
            network: config.v1NetworkName as PaymentRequirementsV1["network"],
            maxAmountRequired: price.toString(),
            resource: resource.url,
            description: resource.description,
            mimeType: resource.mimeType,
            outputSchema: resource.outputSchema ?? {},
            payTo: config.payTo,
            maxTimeoutSeconds: config.maxTimeoutSeconds,
            asset: config.asset,
            extra,
          },
  };
}
