import type { AnyServiceDefinition } from "./service.ts";
import { altTextService } from "./services/alt-text.ts";
import { documentIntelService } from "./services/document-intel.ts";
import { invoiceExtractService } from "./services/invoice-extract.ts";
import { piiDetectService } from "./services/pii-detect.ts";
import { screenshotDataService } from "./services/screenshot-data.ts";
import { sentimentService } from "./services/sentiment.ts";

/** The six services of the seed product, in the order discovery documents list them. */
export const SEED_SERVICES: readonly AnyServiceDefinition[] = Object.freeze([
  sentimentService,
  piiDetectService,
  altTextService,
  screenshotDataService,
  invoiceExtractService,
  documentIntelService,
]);

const BY_ID: ReadonlyMap<string, AnyServiceDefinition> = new Map(SEED_SERVICES.map((service) => [service.id, service]));

/** The seed service with this id ("pii-detect"), or undefined. */
export function serviceById(id: string): AnyServiceDefinition | undefined {
  return BY_ID.get(id);
}
