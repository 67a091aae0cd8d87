import { z } from "zod";

const Ipv4 = z.ipv4();
const Ipv6 = z.ipv6();

/**
 * The address failed sign-ins are counted against: Cloudflare's `CF-Connecting-IP` (set by the edge,
 * not the client, in production). An IPv6 client is counted by its /64, the block one subscriber
 * gets, or it could rotate through 2^64 addresses. Without the header (tests inside workerd) every
 * request shares one bucket, "unknown".
 */
export function clientAddressKey(request: Request): string {
  const raw = request.headers.get("CF-Connecting-IP")?.trim() ?? "";
  if (Ipv4.safeParse(raw).success) return raw;
  if (Ipv6.safeParse(raw).success) return `${ipv6Prefix64(raw)}::/64`;
  return "unknown";
}

function ipv6Prefix64(address: string): string {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups of the low 64 bits, dropped anyway.
  const text = address.toLowerCase().replace(/\d+\.\d+\.\d+\.\d+$/, "0:0");
  const [head = "", tail] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail === undefined ? null : tail ? tail.split(":") : [];
  const groups = tailGroups === null ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(":");
}
