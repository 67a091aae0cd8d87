/** True for http(s) URLs whose host is this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The load driver sends paid calls only to this machine; anything else is a programming error. */
export function assertLoopbackUrl(value: string, what: string): void {
  if (!isLoopbackUrl(value)) throw new Error(`${what} must be a loopback URL (127.0.0.1, ::1, localhost), got ${value}`);
}
