import { inspectImageInput, type ImageLimits } from "../../../protocol/image-input.ts";
import type { ServiceOffer } from "../../config/services-config.ts";
import { describeIssues, type InputIssue } from "../../validation/input-issues.ts";

/** A catalog call's input, checked before any price is asked: the same rules over HTTP and MCP. */
export type CatalogInput =
  | { ok: true; input: Record<string, unknown>; image: string | null }
  | { ok: false; status: 400 | 413 | 415; code: string; message: string; issues?: InputIssue[] };

/** Validates a service's input with its zod schema, then its image (size, type, dimensions) if it takes one. */
export function prepareCatalogInput(offer: ServiceOffer, raw: unknown, { imageLimits, inputName }: { imageLimits: ImageLimits; inputName: string }): CatalogInput {
  const { definition } = offer;
  const parsed = definition.input.safeParse(raw);
  if (!parsed.success) return { ok: false, status: 400, code: "invalid_request", ...describeIssues(parsed.error, inputName) };
  const input = parsed.data as Record<string, unknown>;
  if (!definition.imageField) return { ok: true, input, image: null };
  const inspected = inspectImageInput(String(input[definition.imageField]), imageLimits);
  if (!inspected.ok) return { ok: false, status: inspected.status, code: inspected.code, message: `${definition.imageField}: ${inspected.message}` };
  return { ok: true, input, image: inspected.base64 };
}
