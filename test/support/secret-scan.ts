import { inspect } from "node:util";

/**
 * Finds a secret in text under the encodings a log line could carry it in: hex (any case, with or
 * without 0x, or as a Node Buffer's spaced hex), base64 and base64url at every byte alignment (so the
 * secret is found inside a longer encoded blob such as a PKCS#8 key, a JWK or a Basic credential, and
 * across PEM line breaks), a JSON byte array, and the text itself.
 */
export interface Secret {
  label: string;
  /** Raw secret bytes: a private key's 32 bytes, or a token's UTF-8. */
  bytes: Uint8Array;
}

export const secretFromHex = (label: string, hex: string): Secret => ({ label, bytes: new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex")) });
export const secretFromBase64Url = (label: string, text: string): Secret => ({ label, bytes: new Uint8Array(Buffer.from(text, "base64url")) });
export const secretFromText = (label: string, text: string): Secret => ({ label, bytes: new TextEncoder().encode(text) });

/** Substrings that can only come from the secret, each with the form of the text they are searched in. */
function needles(secret: Secret): Array<{ form: string; needle: string; where: "text" | "lower" | "compact" }> {
  const { bytes } = secret;
  const out: Array<{ form: string; needle: string; where: "text" | "lower" | "compact" }> = [];
  out.push({ form: "hex", needle: Buffer.from(bytes).toString("hex"), where: "lower" });
  out.push({ form: "spaced hex (Buffer)", needle: [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join(" "), where: "lower" });
  out.push({ form: "byte list", needle: [...bytes.subarray(0, 16)].join(","), where: "compact" });
  out.push({ form: "JSON of a Uint8Array", needle: [...bytes.subarray(0, 16)].map((b, i) => `"${i}":${b}`).join(","), where: "compact" });
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(bytes)]).toString("base64").replace(/=+$/, "");
    // Only the characters whose six bits all come from the secret: the same whatever surrounds it.
    const first = Math.ceil((8 * shift) / 6);
    const last = Math.floor((8 * (shift + bytes.length)) / 6);
    const core = encoded.slice(first, last);
    out.push({ form: `base64 (offset ${shift})`, needle: core, where: "compact" });
    out.push({ form: `base64url (offset ${shift})`, needle: core.replace(/\+/g, "-").replace(/\//g, "_"), where: "compact" });
  }
  const asText = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (/^[\x20-\x7e]+$/.test(asText)) out.push({ form: "text", needle: asText, where: "text" });
  return out;
}

export interface SecretSighting {
  secret: string;
  form: string;
  /** Where it was seen (a transcript's name), and the line around it with the secret masked. */
  source: string;
  context: string;
}

/** Every sighting of every secret in every source; empty when none leaked. */
export function findSecrets(sources: ReadonlyArray<{ name: string; text: string }>, secrets: readonly Secret[]): SecretSighting[] {
  const sightings: SecretSighting[] = [];
  for (const source of sources) {
    const views = { text: source.text, lower: source.text.toLowerCase(), compact: source.text.replace(/\s+/g, "") };
    for (const secret of secrets) {
      for (const { form, needle, where } of needles(secret)) {
        if (needle.length < 12) continue;
        const at = views[where].indexOf(where === "lower" ? needle.toLowerCase() : needle);
        if (at < 0) continue;
        const around = views[where].slice(Math.max(0, at - 60), at + needle.length + 60);
        sightings.push({ secret: secret.label, form, source: source.name, context: around.split(needle).join("<SECRET>") });
      }
    }
  }
  return sightings;
}

/** For the scanner's own control test: how a careless logger might print a value. */
export const carelessForms = (value: unknown): string[] => [
  ...(typeof value === "object" ? [] : [String(value)]),
  JSON.stringify(value),
  inspect(value),
  inspect({ error: "something failed", value }, { depth: 5 }),
];
