import { MODEL_NAME_PATTERN, normalizeModelName } from "../../protocol/models.ts";

/** Per-model jobs at once. The protocol's ModelOffer allows 1..64. */
export const MAX_CAPACITY = 64;

export interface ConcurrencySpec {
  /** For models without an entry of their own. */
  readonly default: number;
  /** Keyed by normalized model name. */
  readonly perModel: Readonly<Record<string, number>>;
}

export const DEFAULT_CONCURRENCY: ConcurrencySpec = { default: 1, perModel: {} };

export type SettingResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function capacityFor(spec: ConcurrencySpec, model: string): number {
  return spec.perModel[normalizeModelName(model)] ?? spec.default;
}

/**
 * `qwen2.5:7b=2,all-minilm=4`; a bare number or `*=n` sets the default for every other model.
 * A config file may give the same as an object `{"qwen2.5:7b": 2, "*": 1}` or a number.
 */
export function parseConcurrency(input: unknown): SettingResult<ConcurrencySpec> {
  let entries: Array<[string, unknown]>;
  if (typeof input === "number") entries = [["*", input]];
  else if (typeof input === "string") {
    entries = input
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .map((part): [string, unknown] => {
        const eq = part.lastIndexOf("=");
        return eq < 0 ? ["*", part] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
      });
  } else if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    entries = Object.entries(input);
  } else {
    return { ok: false, errors: ['expected "model=n,model=n", a number, or an object of model → number'] };
  }

  const errors: string[] = [];
  let fallback = DEFAULT_CONCURRENCY.default;
  const perModel: Record<string, number> = {};
  for (const [name, rawValue] of entries) {
    const value = typeof rawValue === "string" && /^\d+$/.test(rawValue) ? Number(rawValue) : rawValue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY) {
      errors.push(`${name === "*" ? "default" : quoted(name, false)}: ${quoted(rawValue)} is not a whole number from 1 to ${MAX_CAPACITY}`);
      continue;
    }
    if (name === "*") fallback = value;
    else if (!MODEL_NAME_PATTERN.test(name)) errors.push(`${quoted(name)} is not an Ollama model name`);
    else perModel[normalizeModelName(name)] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { default: fallback, perModel } };
}

/** Comma list or array of model names, normalized; empty or `*` means "everything Ollama has" (null). */
export function parseModelList(input: unknown): SettingResult<readonly string[] | null> {
  let names: unknown[];
  if (typeof input === "string") names = input.split(",").map((part) => part.trim()).filter((part) => part !== "");
  else if (Array.isArray(input)) names = input;
  else return { ok: false, errors: ['expected a comma-separated list like "qwen2.5:7b,all-minilm" or an array'] };

  if (names.length === 0 || (names.length === 1 && names[0] === "*")) return { ok: true, value: null };
  const errors: string[] = [];
  const models = new Set<string>();
  for (const name of names) {
    if (typeof name !== "string" || !MODEL_NAME_PATTERN.test(name.trim())) errors.push(`${quoted(name)} is not an Ollama model name`);
    else models.add(normalizeModelName(name));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: [...models] };
}

/** Longer values are cut: a problem quotes what was wrong, it does not echo a whole file back. */
const MAX_QUOTED_CHARS = 80;

/**
 * A setting's value for a problem message. Never String() an array or object: nested thousands deep
 * (a JSON config file can be), joining it overflows the stack and the operator gets a crash instead.
 */
function quoted(value: unknown, quotes = true): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  const text = String(value);
  const cut = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  return typeof value === "string" && quotes ? `"${cut}"` : cut;
}
