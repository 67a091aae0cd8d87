import { readFile } from "node:fs/promises";

/** Where a body argument's text comes from: `@path` reads a file, `@-` standard input. */
export interface BodySources {
  readFile: (path: string) => Promise<string>;
  readStdin: () => Promise<string>;
}

export const defaultBodySources: BodySources = {
  readFile: (path) => readFile(path, "utf8"),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString("utf8");
  },
};

export type LoadedBody = { ok: true; json: unknown } | { ok: false; problem: string };

/** Inline JSON, `@file.json` or `@-`; the text must be JSON (the edge's services all take JSON). */
export async function loadBody(arg: string, sources: BodySources = defaultBodySources): Promise<LoadedBody> {
  let text = arg;
  let where = "the request body";
  if (arg.startsWith("@")) {
    const path = arg.slice(1);
    where = path === "-" ? "standard input" : path;
    try {
      text = path === "-" ? await sources.readStdin() : await sources.readFile(path);
    } catch (error) {
      const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
      return { ok: false, problem: `body file ${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${error instanceof Error ? error.message : String(error)})`}` };
    }
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `${where} is not valid JSON (${reason})${arg.startsWith("@") ? "" : "; quote it for the shell, or pass @file.json"}` };
  }
}

/**
 * `--stream` asks for server-sent events (`"stream": true`); everything else is sent as given — a chat
 * body without `model` stays without one, the edge decides.
 */
export function prepareBody(json: unknown, options: { stream: boolean }): unknown {
  if (options.stream && typeof json === "object" && json !== null && !Array.isArray(json)) return { ...json, stream: true };
  return json;
}
