import { normalizeModelName } from "../../protocol/models.ts";

export type OllamaCheck =
  | { reachable: false; error: string }
  | { reachable: true; missing: string[] };

/** Is Ollama up at `host`, and which of the `wanted` models has it not pulled? */
export async function checkOllama(host: string, wanted: readonly string[]): Promise<OllamaCheck> {
  try {
    const response = await fetch(new URL("/api/tags", host), { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return { reachable: false, error: `HTTP ${response.status}` };
    const body = (await response.json()) as { models?: Array<{ name?: string }> };
    const installed = new Set((body.models ?? []).map((m) => normalizeModelName(m.name ?? "")));
    return { reachable: true, missing: wanted.filter((m) => !installed.has(normalizeModelName(m))) };
  } catch (error) {
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  }
}
