// Ollama model references: [host/][namespace/]model[:tag], defaults registry.ollama.ai/library/…:latest
// (types/model/name.go). Installed models are matched case-insensitively.

export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

const DEFAULT_HOST = "registry.ollama.ai";
const DEFAULT_NAMESPACE = "library";
const DEFAULT_TAG = "latest";

type PartKind = "host" | "namespace" | "model" | "tag";
const MAX_LENGTH: Record<PartKind, number> = { host: 350, namespace: 80, model: 80, tag: 80 };

/** Parses like model.ParseName and returns null where Ollama's Name.IsValid() would be false. */
export function parseModelName(raw: string): ModelName | null {
  let rest = raw;
  let tag = "";
  // "/" cannot appear in a tag, so a ":" after the last "/" starts the tag.
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) {
    const at = rest.lastIndexOf(":");
    tag = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (tag === "") return null;
  }
  const [beforeModel, model] = cutLast(rest, "/");
  const [beforeNamespace, namespace] = beforeModel === undefined ? [undefined, DEFAULT_NAMESPACE] : cutLast(beforeModel, "/");
  const host = beforeModel === undefined ? DEFAULT_HOST : (beforeNamespace ?? DEFAULT_HOST).replace(/^[a-z]+:\/\//i, "");
  const name: ModelName = { host, namespace, model, tag: tag || DEFAULT_TAG };
  const valid =
    isValidPart("host", name.host) &&
    isValidPart("namespace", name.namespace) &&
    isValidPart("model", name.model) &&
    isValidPart("tag", name.tag);
  return valid ? name : null;
}

/** "registry.ollama.ai/library/smollm2:135m": the form capability errors print. */
export function qualifiedName(name: ModelName): string {
  return `${name.host}/${name.namespace}/${name.model}:${name.tag}`;
}

/** "smollm2:135m": what `ollama list` shows (DisplayShortest). */
export function shortestName(name: ModelName): string {
  if (name.host.toLowerCase() !== DEFAULT_HOST) return qualifiedName(name);
  if (name.namespace.toLowerCase() !== DEFAULT_NAMESPACE) return `${name.namespace}/${name.model}:${name.tag}`;
  return `${name.model}:${name.tag}`;
}

/** The key installed models are found by. */
export function nameKey(name: ModelName): string {
  return qualifiedName(name).toLowerCase();
}

// [before, after] around the last separator; before is undefined when there is none.
function cutLast(text: string, separator: string): [string | undefined, string] {
  const at = text.lastIndexOf(separator);
  return at < 0 ? [undefined, text] : [text.slice(0, at), text.slice(at + separator.length)];
}

function isValidPart(kind: PartKind, part: string): boolean {
  if (part.length === 0 || part.length > MAX_LENGTH[kind]) return false;
  for (let i = 0; i < part.length; i++) {
    const c = part[i] ?? "";
    if (i === 0 || !"_-.:".includes(c)) {
      if (!/[A-Za-z0-9_]/.test(c)) return false;
      continue;
    }
    if (c === "." && kind === "namespace") return false;
    if (c === ":" && kind !== "host") return false;
  }
  return true;
}
