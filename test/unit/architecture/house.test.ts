import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The edge's layout as a rule the code is held to (ARCHITECTURE.md "Folders"): each folder may import
// only from its own layer and the ones below it, files import in no circle, and only the payment
// schemes know which schemes exist.

const ROOT = resolve(import.meta.dirname, "../../..");

/** Lowest first. A file belongs to the last (most specific) prefix it starts with. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ["protocol/"],
  ["worker/validation/", "worker/http/"],
  ["worker/chain/"],
  ["worker/config/"],
  ["worker/app-context.ts"],
  ["worker/payments/core/"],
  ["worker/payments/ledger/", "worker/payments/facilitator/", "worker/payments/stats/"],
  ["worker/payments/schemes/"],
  ["worker/payments/http/"],
  ["worker/offers/"],
  ["worker/tunnel/"],
  ["worker/jobs/"],
  ["worker/services/"],
  ["worker/mcp/"],
  ["worker/discovery/"],
  ["worker/operator/"],
  ["worker/app.ts", "worker/index.ts"],
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f).replaceAll("\\", "/"));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).replaceAll("\\", "/"),
  );
}

function layerOf(file: string): number {
  let found = -1;
  let longest = 0;
  LAYERS.forEach((prefixes, layer) => {
    for (const prefix of prefixes) if (file.startsWith(prefix) && prefix.length > longest) (found = layer), (longest = prefix.length);
  });
  return found;
}

const files = [...sources("worker"), ...sources("protocol")];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("the house", () => {
  it("puts every edge file in a layer", () => {
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it("has no upward import", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it("has no import circle", () => {
    const state = new Map<string, "open" | "done">();
    const circles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        circles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "open");
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it("keeps the exact scheme and EIP-3009 inside payments/schemes/", () => {
    // The ledger's v1→v2 migration names the scheme every v1 row was paid with: history, as data.
    const allowed = (f: string) => f.startsWith("worker/payments/schemes/") || f === "worker/payments/ledger/ledger-schema.ts";
    const named = files
      .filter((f) => f.startsWith("worker/") && !allowed(f))
      .filter((f) => /["'`]exact["'`]|transferWithAuthorization|authorizationTypes|eip3009ABI|verifyExactPayment|ExactReason/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(named).toEqual([]);
  });

  it("still sees the circle and the upward import it is meant to catch", () => {
    // The checks above pass on an empty graph too: make sure they read real imports.
    expect(graph.get("worker/payments/core/paid-call.ts")).toContain("worker/payments/core/terms.ts");
    expect(layerOf("worker/payments/core/paid-call.ts")).toBeLessThan(layerOf("worker/payments/schemes/registry.ts"));
  });
});
