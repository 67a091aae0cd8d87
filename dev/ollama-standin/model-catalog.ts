import { createHash } from "node:crypto";
import { KNOWN_BLOBS } from "./default-models.ts";
import { nameKey, parseModelName, qualifiedName, shortestName, type ModelName } from "./model-name.ts";
import type { StandinCapability, StandinModel } from "./types.ts";

/** A model as the stand-in serves it: the test's description plus what Ollama derives from the blob. */
export interface InstalledModel {
  name: ModelName;
  /** "qwen2.5:7b", "all-minilm:latest" */
  displayName: string;
  /** "registry.ollama.ai/library/qwen2.5:7b" */
  qualifiedName: string;
  key: string;
  capabilities: StandinCapability[];
  family: string;
  parameterSize: string;
  quantization: string;
  embeddingLength: number;
  contextLength: number;
  parameterCount: number;
  digest: string;
  sizeBytes: number;
  modifiedAtMs: number;
}

export type ModelLookup =
  | { kind: "found"; model: InstalledModel }
  | { kind: "missing"; name: ModelName }
  | { kind: "invalid" };

export class ModelCatalog {
  readonly #byKey = new Map<string, InstalledModel>();

  constructor(models: ReadonlyArray<StandinModel>) {
    // Newest first, as /api/tags sorts: each later model "was pulled" an hour before the previous one.
    const newest = Date.UTC(2025, 10, 20, 18, 15, 31);
    models.forEach((spec, index) => {
      const model = install(spec, newest - index * 3_600_000);
      this.#byKey.set(model.key, model);
    });
  }

  list(): InstalledModel[] {
    return [...this.#byKey.values()];
  }

  lookup(raw: string): ModelLookup {
    const name = parseModelName(raw);
    if (name === null) return { kind: "invalid" };
    const model = this.#byKey.get(nameKey(name));
    return model ? { kind: "found", model } : { kind: "missing", name };
  }

  /** The key a failure plan or script names, so "Qwen2.5:7B" and "qwen2.5:7b" agree. */
  keyOf(raw: string): string {
    const name = parseModelName(raw);
    return name ? nameKey(name) : raw.toLowerCase();
  }
}

function install(spec: StandinModel, modifiedAtMs: number): InstalledModel {
  const name = parseModelName(spec.name);
  if (name === null) throw new TypeError(`invalid model name ${JSON.stringify(spec.name)}`);
  const displayName = shortestName(name);
  const embedding = spec.capabilities.includes("embedding");
  const parameterSize = spec.parameterSize ?? "1B";
  const quantization = spec.quantization ?? (embedding ? "F16" : "Q4_K_M");
  const known = KNOWN_BLOBS[displayName];
  const parameterCount = parseParameterSize(parameterSize);
  const hash = createHash("sha256").update(displayName).digest("hex");
  return {
    name,
    displayName,
    qualifiedName: qualifiedName(name),
    key: nameKey(name),
    capabilities: [...spec.capabilities],
    family: spec.family ?? (embedding ? "bert" : "llama"),
    parameterSize,
    quantization,
    embeddingLength: spec.embeddingLength ?? (embedding ? 768 : 2048),
    contextLength: spec.contextLength ?? (embedding ? 512 : 32768),
    parameterCount,
    digest: known ? known.idPrefix + hash.slice(known.idPrefix.length) : hash,
    sizeBytes: known?.sizeBytes ?? Math.round((parameterCount * (BITS_PER_WEIGHT[quantization.toUpperCase()] ?? 5)) / 8),
    modifiedAtMs,
  };
}

const BITS_PER_WEIGHT: Readonly<Record<string, number>> = { F32: 32, F16: 16, BF16: 16, Q8_0: 8.5, Q6_K: 6.6, Q5_K_M: 5.7, Q4_K_M: 4.9, Q4_0: 4.5 };

function parseParameterSize(parameterSize: string): number {
  const match = /^([\d.]+)\s*([KMB])$/i.exec(parameterSize);
  const scale: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };
  return match ? Math.round(Number(match[1]) * (scale[(match[2] ?? "B").toUpperCase()] ?? 1e9)) : 1e9;
}
