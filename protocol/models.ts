/**
 * Ollama model names are `[host/][namespace/]model[:tag]`, matched case-insensitively,
 * with the tag defaulting to `latest`. Both sides compare names in this normal form.
 */
export function normalizeModelName(name: string): string {
  const lower = name.trim().toLowerCase();
  const lastSegment = lower.slice(lower.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? lower : `${lower}:latest`;
}

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/:]{0,199}$/;
