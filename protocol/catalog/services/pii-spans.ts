/**
 * Turns the entities a model claims to have found into spans that really index the text.
 * Offsets are JavaScript string indices (UTF-16 code units): `text.slice(start, end) === entity.text`.
 *
 * Models copy entity text well and count characters badly, so the text is trusted and the offsets
 * are only a hint:
 *  1. an entity whose offsets already slice out its text (at word boundaries) is kept as is;
 *  2. otherwise its text is looked up (exactly, then ignoring case and whitespace differences) and
 *     the free occurrence nearest the claimed start is taken; text found nowhere is dropped;
 *  3. every further occurrence of a found entity's exact text is reported too (each once), so a name
 *     or address repeated in the text is never left unredacted;
 *  4. `extra` spans (e.g. a regex's e-mail matches) join in;
 *  5. overlaps are resolved in favour of the longer span (then the one found first), and the result
 *     is sorted by start.
 * Only spans at word boundaries count, claimed or looked up: "Ann" is not a name inside "Annual", and
 * "Jose" is not one inside "José" written with a combining accent.
 */

export interface Span<T extends string = string> {
  type: T;
  text: string;
  start: number;
  end: number;
}

export function resolveSpans<T extends string>(text: string, claimed: readonly Span<T>[], extra: readonly Span<T>[] = []): Span<T>[] {
  const found: Span<T>[] = [];
  const taken = new Set<string>();
  const add = (span: Span<T>) => {
    const key = `${span.start}:${span.end}`;
    if (taken.has(key)) return false;
    taken.add(key);
    found.push(span);
    return true;
  };

  const unplaced: Span<T>[] = [];
  for (const entity of claimed) {
    const exact =
      entity.text.length > 0 &&
      entity.text.trim() === entity.text &&
      text.slice(entity.start, entity.end) === entity.text &&
      atWordBoundaries(text, entity.start, entity.end);
    if (exact) add(entity);
    else unplaced.push(entity);
  }
  for (const entity of unplaced) {
    const needle = entity.text.trim();
    if (needle.length === 0) continue;
    let occurrences = exactOccurrences(text, needle);
    if (occurrences.length === 0) occurrences = looseOccurrences(text, needle);
    const nearest = occurrences
      .filter(([start, end]) => !taken.has(`${start}:${end}`))
      .sort(([a], [b]) => Math.abs(a - entity.start) - Math.abs(b - entity.start) || a - b)[0];
    if (nearest) add({ type: entity.type, text: text.slice(nearest[0], nearest[1]), start: nearest[0], end: nearest[1] });
  }
  const expanded = new Set<string>();
  for (const span of [...found]) {
    if (expanded.has(span.text)) continue;
    expanded.add(span.text);
    for (const [start, end] of exactOccurrences(text, span.text)) add({ type: span.type, text: span.text, start, end });
  }
  for (const span of extra) add(span);

  return withoutOverlaps(found, text.length);
}

/** Longest first (ties: the one found first), each kept only if it overlaps none kept; sorted by start. */
function withoutOverlaps<T extends string>(spans: readonly Span<T>[], textLength: number): Span<T>[] {
  const covered = new Uint8Array(textLength);
  const kept: Span<T>[] = [];
  const byLength = spans.map((span, order) => ({ span, order })).sort((a, b) => b.span.end - b.span.start - (a.span.end - a.span.start) || a.order - b.order);
  for (const { span } of byLength) {
    if (covered.subarray(span.start, span.end).some((c) => c === 1)) continue;
    covered.fill(1, span.start, span.end);
    kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}

type Range = [start: number, end: number];

function exactOccurrences(text: string, needle: string): Range[] {
  const ranges: Range[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
    if (atWordBoundaries(text, i, i + needle.length)) ranges.push([i, i + needle.length]);
  }
  return ranges;
}

/** Case-insensitive, and any run of whitespace in the needle matches any run in the text. */
function looseOccurrences(text: string, needle: string): Range[] {
  const source = needle
    .split(/\s+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+");
  const ranges: Range[] = [];
  for (const match of text.matchAll(new RegExp(source, "gi"))) {
    const end = match.index + match[0].length;
    if (atWordBoundaries(text, match.index, end)) ranges.push([match.index, end]);
  }
  return ranges;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}_]/u;

/** A span starting (ending) with a word character must not continue a word before (after) it. */
function atWordBoundaries(text: string, start: number, end: number): boolean {
  const joins = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && WORD_CHAR.test(a) && WORD_CHAR.test(b);
  return !joins(text[start - 1], text[start]) && !joins(text[end - 1], text[end]);
}

/** Replaces each span with `[TYPE]`; spans must be sorted by start and must not overlap. */
export function redact(text: string, spans: readonly Span[]): string {
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += `${text.slice(at, span.start)}[${span.type.toUpperCase()}]`;
    at = span.end;
  }
  return out + text.slice(at);
}
