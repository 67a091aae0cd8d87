/**
 * Whether a parsed JSON value nests deeper than `max` arrays/objects. Iterative, so it answers for
 * any depth: the values it guards are the ones that overflow recursive code (JSON.stringify,
 * structured clone for Durable Object RPC) at a depth of a few thousand, far inside any size limit.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
