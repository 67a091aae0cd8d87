import type { ScriptedReply } from "./types.ts";

interface Entry {
  reply: ScriptedReply;
  modelKey: string | undefined;
  remaining: number;
}

/** Scripted replies; the first one registered that matches (and has uses left) answers. */
export class ScriptBook {
  readonly #entries: Entry[] = [];
  readonly #keyOf: (model: string) => string;

  constructor(keyOf: (model: string) => string) {
    this.#keyOf = keyOf;
  }

  add(reply: ScriptedReply): void {
    const times = reply.times ?? Infinity;
    if (!(times > 0)) throw new TypeError(`script times must be > 0, got ${times}`);
    this.#entries.push({ reply, modelKey: reply.model === undefined ? undefined : this.#keyOf(reply.model), remaining: times });
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** The content for this request, or undefined when no script applies. */
  take(modelKey: string, text: string, request: unknown): string | undefined {
    const index = this.#entries.findIndex((entry) => appliesTo(entry, modelKey, text));
    const entry = this.#entries[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    const { content } = entry.reply;
    return typeof content === "function" ? content(request) : content;
  }
}

function appliesTo(entry: Entry, modelKey: string, text: string): boolean {
  if (entry.modelKey !== undefined && entry.modelKey !== modelKey) return false;
  const { match } = entry.reply;
  if (match === undefined) return true;
  if (typeof match === "string") return text.includes(match);
  match.lastIndex = 0; // a /g or /y pattern would otherwise remember the previous test
  return match.test(text);
}
