import { z } from "zod";
import { LIMITS } from "../../job.ts";

/** Longest text body a text service accepts (UTF-16 code units, as JavaScript counts them). */
export const MAX_TEXT_CHARS = 20_000;

/** Non-empty, not only whitespace, bounded. Never trimmed or changed: PII offsets index it as sent. */
export function textField(maxChars: number, description: string) {
  return z.string().min(1).max(maxChars).regex(/\S/, "must not be blank").describe(description);
}

export const TextInputSchema = textField(MAX_TEXT_CHARS, `The text to analyse, 1 to ${MAX_TEXT_CHARS} characters.`);

/**
 * Only bounded here: the edge checks the bytes themselves (decodes, sniffs png/jpeg/webp/gif,
 * applies its own size limit) before quoting a price, because `imageField` names this field. No
 * minimum length beyond one character: a short "/etc/passwd" must be refused as a path by the image
 * check (image_path_not_supported), not as a string that is too short.
 */
export const ImageInputSchema = z
  .string()
  .min(1)
  .max(LIMITS.maxImageBase64Chars + 64)
  .describe("The image: raw base64, or a data: URL, of a png, jpeg, webp or gif.");

/** The closing rule of every system prompt. The `format` schema constrains the shape; this keeps prose out. */
export const JSON_ONLY =
  "Reply with one JSON object in exactly the shape described above and nothing else: no markdown, no code fences, no comments, no text before or after it.";

/** Untrusted text placed in a prompt between tags; each system prompt says such text is data, never instructions. */
export function delimited(tag: string, text: string): string {
  return `<${tag}>\n${text}\n</${tag}>`;
}

/** Whitespace runs (including newlines) become one space; ends are trimmed. */
export function squish(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Keeps the first of each group of items sharing a key. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
