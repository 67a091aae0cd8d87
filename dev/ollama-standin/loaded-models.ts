import type { InstalledModel } from "./model-catalog.ts";

const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
// Go's maximum duration (about 292 years): what a negative keep_alive means.
const FOREVER_MS = 9_223_372_036_854;
// Ollama's served context when nothing sets num_ctx on a machine with < 24 GiB of VRAM.
const DEFAULT_NUM_CTX = 4096;

export interface LoadedModel {
  model: InstalledModel;
  expiresAtMs: number;
  contextLength: number;
  /** Requests using the model now; it cannot expire while this is above 0. */
  inUse: number;
}

/** What /api/ps lists: models stay loaded for keep_alive after their last request finishes. */
export class LoadedModels {
  readonly #loaded = new Map<string, LoadedModel>();

  /** A request starts using the model (loading it if needed). */
  begin(model: InstalledModel, numCtx: number | undefined): void {
    const entry = this.#loaded.get(model.key);
    const contextLength = servedContext(model, numCtx);
    if (entry) {
      entry.inUse++;
      entry.contextLength = contextLength;
      return;
    }
    this.#loaded.set(model.key, { model, expiresAtMs: Date.now() + DEFAULT_KEEP_ALIVE_MS, contextLength, inUse: 1 });
  }

  /** A request finished; keep_alive counts from now, and 0 unloads the model at once. */
  end(model: InstalledModel, keepAliveMs: number | undefined): void {
    const entry = this.#loaded.get(model.key);
    if (!entry) return;
    entry.inUse = Math.max(0, entry.inUse - 1);
    const keepAlive = keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (keepAlive === 0 && entry.inUse === 0) {
      this.#loaded.delete(model.key);
      return;
    }
    entry.expiresAtMs = Date.now() + Math.min(keepAlive, FOREVER_MS);
  }

  /** A load request (empty prompt): loaded with keep_alive counting from now. */
  load(model: InstalledModel, numCtx: number | undefined, keepAliveMs: number | undefined): void {
    this.begin(model, numCtx);
    this.end(model, keepAliveMs);
  }

  unload(model: InstalledModel): void {
    const entry = this.#loaded.get(model.key);
    if (entry && entry.inUse === 0) this.#loaded.delete(model.key);
    else if (entry) entry.expiresAtMs = Date.now();
  }

  /** Loaded models, longest time left first, as /api/ps sorts them. */
  list(): LoadedModel[] {
    const now = Date.now();
    for (const [key, entry] of this.#loaded) {
      if (entry.inUse === 0 && entry.expiresAtMs <= now) this.#loaded.delete(key);
    }
    return [...this.#loaded.values()].sort((a, b) => b.expiresAtMs - a.expiresAtMs);
  }
}

function servedContext(model: InstalledModel, numCtx: number | undefined): number {
  let context = numCtx !== undefined && numCtx > 0 ? numCtx : DEFAULT_NUM_CTX;
  // Multimodal models get at least 2048 (sched.go getRunner); nothing exceeds the trained context.
  if (model.capabilities.includes("vision")) context = Math.max(context, 2048);
  return Math.max(4, Math.min(context, model.contextLength));
}
