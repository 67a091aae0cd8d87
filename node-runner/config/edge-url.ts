/**
 * The operator gives the edge's public URL (what agents call, usually https://…); the runner dials
 * the tunnel endpoint on the same host over WebSocket. Accepting both forms saves a round of
 * "why does wss:// not work" while keeping one fixed path the edge routes on.
 */

export const TUNNEL_PATH = "/tunnel";

export type EdgeUrlResult =
  | { ok: true; tunnelUrl: string; warning: string | null }
  | { ok: false; error: string };

const SCHEMES: Readonly<Record<string, "ws:" | "wss:">> = {
  "http:": "ws:",
  "ws:": "ws:",
  "https:": "wss:",
  "wss:": "wss:",
};

export function tunnelUrlFromEdgeUrl(input: string): EdgeUrlResult {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a URL (expected e.g. https://edge.example.com)` };
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) return { ok: false, error: `scheme ${url.protocol} is not supported (use https://, http://, wss:// or ws://)` };
  if (url.username || url.password) return { ok: false, error: "must not contain a user name or password" };
  if (url.search || url.hash) return { ok: false, error: "must not contain a query or fragment" };
  if (url.pathname !== "/" && url.pathname !== TUNNEL_PATH) {
    return { ok: false, error: `must be the edge's origin (e.g. https://edge.example.com), not a path like ${url.pathname}` };
  }
  const tunnelUrl = `${scheme}//${url.host}${TUNNEL_PATH}`;
  // The handshake is signed either way, but job frames carry prompts and images.
  const warning =
    scheme === "ws:" && !isLoopback(url.hostname)
      ? `edgeUrl ${text} is unencrypted: prompts and outputs would cross the network in clear text; use https://`
      : null;
  return { ok: true, tunnelUrl, warning };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
