import { z } from "zod";
import type { AnyServiceDefinition } from "../../protocol/catalog/service.ts";
import { ModelNameSchema } from "../../protocol/job.ts";
import { normalizeModelName } from "../../protocol/models.ts";

/** A catalog service as this edge sells it: its definition, and the operator's price and model. */
export interface ServiceOffer {
  definition: AnyServiceDefinition;
  price: bigint;
  model: string;
}

const OverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  price: z.string().regex(/^(0|[1-9][0-9]{0,30})$/, "must be an integer amount in USDC base units, e.g. \"10000\" for $0.01").optional(),
  model: ModelNameSchema.optional(),
});

/**
 * SERVICES — the operator's per-service settings: `{ "<id>": { enabled?, price?, model? } }`.
 * In wrangler.toml it is a table (`[vars.SERVICES]`); from an env file it arrives as a JSON string.
 * Services not named keep their catalog defaults and are on.
 */
export function parseServicesConfig(raw: unknown, catalog: readonly AnyServiceDefinition[]): { ok: true; offers: ServiceOffer[] } | { ok: false; problems: string[] } {
  let value: unknown = raw ?? {};
  if (typeof value === "string") {
    try {
      value = value.trim() === "" ? {} : JSON.parse(value);
    } catch {
      return { ok: false, problems: ["SERVICES: not valid JSON"] };
    }
  }
  const known = new Set(catalog.map((s) => s.id));
  // Keys are checked on the value as given: a record's output cannot carry an own "__proto__" key
  // (assigning it sets the prototype instead), so that typo would otherwise vanish without a word.
  const unknownIds = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value).filter((id) => !known.has(id)) : [];
  const problems = unknownIds.map((id) => `SERVICES.${id}: no such service (known: ${[...known].join(", ")})`);
  const parsed = z.record(z.string(), OverrideSchema).safeParse(value);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `SERVICES.${i.path.join(".")}: ${i.message}`));
  if (problems.length || !parsed.success) return { ok: false, problems };
  const offers = catalog
    .filter((definition) => parsed.data[definition.id]?.enabled !== false)
    .map((definition) => {
      const override = parsed.data[definition.id];
      return {
        definition,
        price: override?.price !== undefined ? BigInt(override.price) : definition.defaultPrice,
        model: normalizeModelName(override?.model ?? definition.defaultModel),
      };
    });
  return { ok: true, offers };
}
