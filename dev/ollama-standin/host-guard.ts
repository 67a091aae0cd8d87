import { BlockList, isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";

// Ollama's DNS-rebinding guard (server/routes.go allowedHostsMiddleware): when it listens on loopback it
// answers 403 with an empty body to any request whose Host is not local. Tests use it to prove the
// runner never forwards a foreign Host header.

const LOCAL_RANGES = new BlockList();
LOCAL_RANGES.addSubnet("127.0.0.0", 8, "ipv4");
LOCAL_RANGES.addSubnet("10.0.0.0", 8, "ipv4");
LOCAL_RANGES.addSubnet("172.16.0.0", 12, "ipv4");
LOCAL_RANGES.addSubnet("192.168.0.0", 16, "ipv4");
LOCAL_RANGES.addAddress("0.0.0.0", "ipv4");
LOCAL_RANGES.addAddress("::1", "ipv6");
LOCAL_RANGES.addAddress("::", "ipv6");
LOCAL_RANGES.addSubnet("fc00::", 7, "ipv6");

const LOCAL_SUFFIXES = [".localhost", ".local", ".internal"];

/** Whether the guard applies: Ollama checks its own listen address. */
export function isLoopbackAddress(address: string): boolean {
  const ip = unmapIpv4(address);
  if (isIP(ip) === 4) return ip.startsWith("127.");
  return ip === "::1";
}

export function isAllowedHost(hostHeader: string | undefined): boolean {
  const host = splitHostPort(hostHeader ?? "");
  const ip = unmapIpv4(host);
  const family = isIP(ip);
  if (family !== 0) return LOCAL_RANGES.check(ip, family === 4 ? "ipv4" : "ipv6") || isOwnAddress(ip);
  const name = host.toLowerCase();
  if (name === "" || name === "localhost" || name === hostname().toLowerCase()) return true;
  return LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

// net.SplitHostPort, falling back to the whole header when it has no port (so "[::1]" stays bracketed,
// fails to parse as an IP and is refused, as in Ollama).
function splitHostPort(header: string): string {
  const bracketed = /^\[([^\]]*)\]:\d*$/.exec(header);
  if (bracketed) return bracketed[1] ?? "";
  const colon = header.lastIndexOf(":");
  if (colon >= 0 && header.indexOf(":") === colon) return header.slice(0, colon);
  return header;
}

function unmapIpv4(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

function isOwnAddress(ip: string): boolean {
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === ip));
}
