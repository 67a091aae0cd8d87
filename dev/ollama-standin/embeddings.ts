import { fnv1a } from "./tokenizer.ts";

// Deterministic vectors: the same model and text always give the same embedding, different texts
// give different ones. Models emit float32, so values are rounded to float32 like Ollama's.

/** The model's raw output, as /api/embeddings (legacy) returns it: not normalised. */
export function rawEmbedding(modelKey: string, text: string, length: number): number[] {
  const next = mulberry32(fnv1a(`${modelKey}\u0000${text}`));
  return Array.from({ length }, () => Math.fround((next() * 2 - 1) * 0.75));
}

/** L2 normalisation as Ollama's server does it (routes.go normalize). */
export function normalize(vector: ReadonlyArray<number>): number[] {
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  const scale = 1 / Math.max(norm, 1e-12);
  return vector.map((v) => Math.fround(v * scale));
}

/** The float32 as Go's JSON encoder prints it: the shortest decimal that reads back to the same float32. */
export function float32ForJson(value: number): number {
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
