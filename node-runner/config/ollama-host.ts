/**
 * Reads OLLAMA_HOST the way the Ollama CLI does, so the runner can share the operator's existing
 * environment: `127.0.0.1:11434`, `localhost`, `:11434`, `0.0.0.0`, `http://box:11434/prefix` all work.
 * Scheme defaults to http and port to 11434 (80/443 when a scheme is written, as Ollama does).
 */

export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

export type OllamaHostResult = { ok: true; url: string } | { ok: false; error: string };

export function normalizeOllamaHost(input: string): OllamaHostResult {
  const text = input.trim();
  if (text === "") return { ok: true, url: DEFAULT_OLLAMA_HOST };

  let scheme = "http";
  let rest = text;
  let defaultPort = "11434";
  const schemeEnd = text.indexOf("://");
  if (schemeEnd >= 0) {
    scheme = text.slice(0, schemeEnd).toLowerCase();
    rest = text.slice(schemeEnd + 3);
    if (scheme !== "http" && scheme !== "https") return { ok: false, error: `scheme ${scheme}:// is not supported (use http:// or https://)` };
    defaultPort = scheme === "https" ? "443" : "80";
  }

  const slash = rest.indexOf("/");
  const hostPort = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash).replace(/\/+$/, "") : "";
  const split = splitHostPort(hostPort);
  if (!split.ok) return split;
  let host = split.host;
  const port = split.port ?? defaultPort;

  // OLLAMA_HOST=0.0.0.0 is how operators make the *server* listen on every interface; as an address
  // to connect to it means "this machine", and so does an empty host (":11434").
  if (host === "" || host === "0.0.0.0" || host === "::" || host === "[::]") host = "127.0.0.1";

  const portNumber = Number(port);
  if (!/^\d+$/.test(port) || portNumber < 1 || portNumber > 65535) return { ok: false, error: `port "${port}" is not a port number` };

  const candidate = `${scheme}://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${portNumber}${path}`;
  try {
    const url = new URL(candidate);
    if (url.username || url.password || url.search || url.hash) return { ok: false, error: "must not contain credentials, a query or a fragment" };
  } catch {
    return { ok: false, error: `"${text}" is not a host (expected e.g. 127.0.0.1:11434 or http://localhost:11434)` };
  }
  return { ok: true, url: candidate };
}

type HostPort = { ok: true; host: string; port: string | null } | { ok: false; error: string };

function splitHostPort(value: string): HostPort {
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close < 0) return { ok: false, error: `"${value}" has an unclosed [` };
    const after = value.slice(close + 1);
    if (after === "") return { ok: true, host: value.slice(0, close + 1), port: null };
    if (!after.startsWith(":")) return { ok: false, error: `"${value}" is not host:port` };
    return { ok: true, host: value.slice(0, close + 1), port: after.slice(1) };
  }
  const colons = value.split(":").length - 1;
  if (colons === 0) return { ok: true, host: value, port: null };
  // A bare IPv6 address has several colons and no port.
  if (colons > 1) return { ok: true, host: value, port: null };
  const at = value.lastIndexOf(":");
  return { ok: true, host: value.slice(0, at), port: value.slice(at + 1) };
}
