import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CONFIG_FIELDS, loadRunnerConfig, type ConfigField, type ConfigLoadResult } from "../../../node-runner/config.ts";
import { resolveValues, type Resolved, type Values } from "../../../node-runner/config/config-schema.ts";
import { writeNewRunnerKey } from "../../../node-runner/key-file.ts";
import { deepJsonText, hostileJson, hostileText, invalidUintText } from "../../support/hostile-arbitraries.ts";

// node-runner's settings from flags, env and a JSON file, generated: loading never throws (a throw is
// a stack trace instead of the list of problems the operator needs) and every problem names its
// field. resolveValues is pure and fast (a few hundred runs); the file properties write a temp file
// per run and get fewer.

const FIELDS = Object.keys(CONFIG_FIELDS) as ConfigField[];
const ctx = { home: "/home/op", cwd: "/srv", hostname: "mini.local" };
const BASE: Values = { edgeUrl: "https://edge.example.com" };

let dir: string;
let keyFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hostile-runner-config-"));
  keyFile = join(dir, "key.json");
  await writeNewRunnerKey(keyFile);
});

function resolveSafely(values: Values): Resolved {
  let resolved: Resolved | undefined;
  expect(() => (resolved = resolveValues(values, {}, ctx))).not.toThrow();
  return resolved!;
}

/** Each problem starts with the field (or, for the file itself, "config file"); messages stay readable. */
function expectNamed(problems: readonly string[], extra: readonly string[] = []) {
  for (const problem of problems) {
    expect([...FIELDS, ...extra].some((f) => problem.startsWith(f)), problem).toBe(true);
    expect(problem.length, problem.slice(0, 200)).toBeLessThanOrEqual(2_000);
  }
}

const fieldValue = fc.oneof(hostileText(), invalidUintText, hostileJson);
/** Deep values are drawn as text and parsed in the property: fast-check's own printing of a 20k-deep counterexample would overflow. */
const deepField = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIELDS), deepJsonText(1_000, 25_000), fc.boolean()) },
);

describe("runner config, generated", () => {
  it("never throws and names the field in every problem, whatever values the file, env or flags give", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 3 }), deepField, (changed, deep) => {
        // A deep value alone, or as the value of a key inside an object (concurrency's form).
        if (deep) changed[deep[0]] = deep[2] ? JSON.parse(deep[1]) : { "qwen2.5:7b": JSON.parse(deep[1]) };
        const resolved = resolveSafely({ ...BASE, ...changed });
        if (!resolved.config) expect(resolved.problems.length).toBeGreaterThan(0);
        expectNamed(resolved.problems);
      }),
      // Each resolve builds the zod schema afresh (~3 ms): 120 runs, a quarter of them deep.
      { numRuns: 120 },
    );
  });

  it("never throws on any config file content, and names the file or the field in every problem", async () => {
    const content = fc.oneof(
      hostileJson.map((j) => JSON.stringify(j) ?? ""),
      fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 3 }).map((o) => JSON.stringify(o)),
      fc.tuple(fc.constantFrom(...FIELDS), deepJsonText(1_000, 20_000)).map(([field, deep]) => `{"${field}":${deep}}`),
      hostileText(200),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1")),
    );
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        const path = join(dir, "config.json");
        await writeFile(path, text);
        // A throw here fails the property: loading must answer with problems, never an exception.
        const result: ConfigLoadResult = await loadRunnerConfig({ configFile: path, env: { EDGE_URL: "https://edge.example.com", RUNNER_KEY_FILE: keyFile }, home: dir, cwd: dir, hostname: "h" });
        if (!result.ok) expectNamed(result.problems, ["config file"]);
      }),
      // Each run writes and reads a file; the value-level property above covers the breadth.
      { numRuns: 60 },
    );
  });
});

describe("runner config, regressions found by the properties above", () => {
  const deep = () => JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`) as unknown;

  it("models nested 20,000 arrays deep (from a config file) is a problem naming models, not a stack overflow", () => {
    expect(resolveSafely({ ...BASE, models: deep() }).problems).toEqual([expect.stringMatching(/^models: an array is not an Ollama model name/)]);
  });

  it("a concurrency value nested 20,000 arrays deep is a problem naming concurrency, not a stack overflow", () => {
    expect(resolveSafely({ ...BASE, concurrency: { "qwen2.5:7b": deep() } }).problems).toEqual([expect.stringMatching(/^concurrency: qwen2\.5:7b: an array is not a whole number/)]);
  });

  it("a 1 MB model name is quoted in 80 characters, not echoed whole", () => {
    const [problem] = resolveSafely({ ...BASE, models: `${"x".repeat(1_000_000)}!` }).problems;
    expect(problem!.length).toBeLessThan(200);
  });
});
