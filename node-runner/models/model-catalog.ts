import { z } from "zod";
import { MODEL_NAME_PATTERN, normalizeModelName } from "../../protocol/models.ts";
import { ModelOfferSchema, type ModelOffer } from "../../protocol/tunnel-messages.ts";
import type { Clock, Timer } from "../clock.ts";
import { capacityFor, type ConcurrencySpec } from "../config/model-settings.ts";
import { describeError } from "../errors.ts";
import type { Logger } from "../log.ts";

/**
 * What the runner offers: Ollama's installed models (GET /api/tags), narrowed to the operator's
 * allowed list, each with its capacity. Polled, because models get pulled and removed while the
 * runner is up; when Ollama is down the runner offers nothing rather than jobs that would all fail.
 */
export interface ModelCatalogOptions {
  /** Fetches GET /api/tags and returns the parsed JSON (ollama-js `list()`). */
  listModels: () => Promise<unknown>;
  allowed: readonly string[] | null;
  concurrency: ConcurrencySpec;
  pollMs: number;
  ollamaHost: string;
  clock: Clock;
  logger: Logger;
  /** Called after a refresh changed the offers. */
  onChange: (offers: readonly ModelOffer[]) => void;
}

export interface ModelCatalog {
  offers(): readonly ModelOffer[];
  capacityOf(model: string): number | null;
  /** Fetch now (joins a fetch already under way). */
  refresh(): Promise<void>;
  startPolling(): void;
  stopPolling(): void;
}

const optionalText = z.string().optional().catch(undefined);
const TagsSchema = z.object({
  models: z.array(
    z.looseObject({
      name: z.string(),
      capabilities: z.array(z.string()).optional().catch(undefined),
      details: z
        .looseObject({ family: optionalText, parameter_size: optionalText, quantization_level: optionalText })
        .nullish()
        .catch(undefined),
    }),
  ),
});

export function createModelCatalog(options: ModelCatalogOptions): ModelCatalog {
  const { logger, clock } = options;
  const allowed = options.allowed ? new Set(options.allowed) : null;
  let current: readonly ModelOffer[] = [];
  let byName = new Map<string, ModelOffer>();
  let ollamaUp: boolean | null = null;
  let inFlight: Promise<void> | null = null;
  let timer: Timer | null = null;
  let polling = false;
  const warnedMissing = new Set<string>();

  function toOffers(raw: unknown): ModelOffer[] | null {
    const parsed = TagsSchema.safeParse(raw);
    if (!parsed.success) return null;
    const offers = new Map<string, ModelOffer>();
    for (const model of parsed.data.models) {
      if (!MODEL_NAME_PATTERN.test(model.name)) continue;
      const name = normalizeModelName(model.name);
      if (allowed && !allowed.has(name)) continue;
      const capabilities = model.capabilities?.filter((c) => c.length <= 32).slice(0, 16);
      const candidate: ModelOffer = {
        name,
        capacity: capacityFor(options.concurrency, name),
        ...(capabilities && capabilities.length > 0 && { capabilities }),
        ...(model.details?.family && { family: model.details.family }),
        ...(model.details?.parameter_size && { parameterSize: model.details.parameter_size }),
        ...(model.details?.quantization_level && { quantization: model.details.quantization_level }),
      };
      // Odd metadata must not cost the model its place: fall back to the required fields.
      const checked = ModelOfferSchema.safeParse(candidate);
      offers.set(name, checked.success ? checked.data : { name, capacity: candidate.capacity });
    }
    return [...offers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  function warnAboutMissing(offers: readonly ModelOffer[]): void {
    if (!allowed) return;
    const present = new Set(offers.map((offer) => offer.name));
    for (const name of allowed) {
      if (present.has(name)) warnedMissing.delete(name);
      else if (!warnedMissing.has(name)) {
        warnedMissing.add(name);
        logger.warn("allowed model is not installed in Ollama", { model: name, hint: `ollama pull ${name}` });
      }
    }
  }

  function apply(next: readonly ModelOffer[]): void {
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    const before = new Set(current.map((offer) => offer.name));
    const after = new Set(next.map((offer) => offer.name));
    current = next;
    byName = new Map(next.map((offer) => [offer.name, offer]));
    logger.info("models changed", {
      models: next.map((offer) => offer.name),
      added: [...after].filter((name) => !before.has(name)),
      removed: [...before].filter((name) => !after.has(name)),
    });
    options.onChange(next);
  }

  async function fetchOnce(): Promise<void> {
    let raw: unknown;
    try {
      raw = await options.listModels();
    } catch (error) {
      if (ollamaUp !== false) {
        // Logged once per outage, not on every poll.
        logger.warn("Ollama is unreachable; offering no models until it is back", {
          ollama: options.ollamaHost,
          error: describeError(error),
        });
      }
      ollamaUp = false;
      apply([]);
      return;
    }
    const offers = toOffers(raw);
    if (!offers) {
      if (ollamaUp !== false) logger.warn("Ollama's model list has an unexpected shape; offering no models", { ollama: options.ollamaHost });
      ollamaUp = false;
      apply([]);
      return;
    }
    if (ollamaUp === false) logger.info("Ollama is reachable again", { ollama: options.ollamaHost });
    ollamaUp = true;
    warnAboutMissing(offers);
    apply(offers);
  }

  function schedule(): void {
    if (!polling) return;
    timer = clock.setTimeout(() => {
      timer = null;
      void refresh().finally(schedule);
    }, options.pollMs);
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    offers: () => current,
    capacityOf: (model) => byName.get(normalizeModelName(model))?.capacity ?? null,
    refresh,
    startPolling() {
      if (polling) return;
      polling = true;
      schedule();
    },
    stopPolling() {
      polling = false;
      timer?.cancel();
      timer = null;
    },
  };
}
