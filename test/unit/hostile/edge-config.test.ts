import fc from "fast-check";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../../protocol/catalog/catalog.ts";
import { LIMITS } from "../../../protocol/job.ts";
import { parseEdgeConfig, type ConfigResult } from "../../../worker/config/edge-config.ts";
import { ADDRESS_CASINGS, anyAddress, badChecksum, deepJsonText, hostileJson, hostileText, invalidUintText, malformedAddress, numberWhereTextBelongs, recase } from "../../support/hostile-arbitraries.ts";

// The edge's env (wrangler vars and secrets), generated: the loader never throws (a throw would be
// a 500 on every request instead of the "misconfigured" page and a log naming the problem), every
// problem names the variable it is about, and whatever it accepts is exact (addresses canonical,
// chain ids and amounts not rounded). Parsing an env takes well under a millisecond: 100-200 runs.

const VALID = {
  NETWORK: "eip155:31337",
  PAY_TO: "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
  USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  FACILITATOR: "embedded",
  RPC_URL: "http://127.0.0.1:8545",
  RELAYER_KEY: `0x${"ab".repeat(32)}`,
};
const VARIABLES = [
  ...Object.keys(VALID),
  "USDC_NAME", "USDC_VERSION", "FACILITATOR_URL", "ADMIN_TOKEN", "MAX_TIMEOUT_SECONDS", "VALID_BEFORE_BUFFER_SECONDS", "JOB_TIMEOUT_MS",
  "CHAT_MODELS", "CHAT_BASE_PRICE", "CHAT_PRICE_PER_MTOK", "CHAT_DEFAULT_MAX_TOKENS", "EMBED_MODELS", "EMBED_BASE_PRICE", "EMBED_PRICE_PER_MTOK",
  "SERVICES", "MAX_IMAGE_BYTES", "BENCH_ROUTES",
];
const AMOUNTS = ["CHAT_BASE_PRICE", "CHAT_PRICE_PER_MTOK", "EMBED_BASE_PRICE", "EMBED_PRICE_PER_MTOK"] as const;
const WHOLE_NUMBERS = ["MAX_TIMEOUT_SECONDS", "VALID_BEFORE_BUFFER_SECONDS", "JOB_TIMEOUT_MS", "CHAT_DEFAULT_MAX_TOKENS", "MAX_IMAGE_BYTES"] as const;

function parseSafely(env: Record<string, unknown>): ConfigResult {
  let result: ConfigResult | undefined;
  expect(() => (result = parseEdgeConfig(env))).not.toThrow();
  return result!;
}

/** Every problem starts with the variable it is about (`SERVICES.<id>` for a service's setting). */
function expectProblemsNamed(result: ConfigResult, variables: readonly string[] = VARIABLES) {
  if (result.ok) return;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const problem of result.problems) expect(variables.some((v) => problem.startsWith(`${v}:`) || problem.startsWith(`${v}.`)), problem).toBe(true);
}

/** What an accepted config must be, whatever it was given. */
function expectExact(result: ConfigResult) {
  if (!result.ok) return;
  const { payment } = result.config;
  expect(getAddress(payment.payTo)).toBe(payment.payTo);
  expect(getAddress(payment.asset)).toBe(payment.asset);
  expect(Number.isSafeInteger(payment.chainId)).toBe(true);
  expect(payment.network).toBe(`eip155:${payment.chainId}`);
  // An image the edge accepts must fit the job a runner accepts, or it is refused after the 402.
  expect(Math.ceil((result.config.imageLimits.maxBytes * 4) / 3)).toBeLessThanOrEqual(LIMITS.maxImageBase64Chars);
}

const hostileValue = fc.oneof(hostileText(), invalidUintText, hostileJson, numberWhereTextBelongs.map(String), anyAddress.map((a) => a.toLowerCase()));

describe("edge config, generated", () => {
  it("never throws, names the variable in every problem, and accepts only exact values", () => {
    const changes = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...VARIABLES) }, { weight: 1, arbitrary: hostileText(16) }), hostileValue, { maxKeys: 4 });
    fc.assert(
      fc.property(changes, (changed) => {
        const result = parseSafely({ ...VALID, ...changed });
        expectProblemsNamed(result, [...VARIABLES, "env"]);
        expectExact(result);
      }),
      { numRuns: 200 },
    );
  });

  it("accepts PAY_TO and USDC_ADDRESS in any EIP-55 casing as the checksummed address", () => {
    fc.assert(
      fc.property(fc.constantFrom("PAY_TO" as const, "USDC_ADDRESS" as const), anyAddress, fc.constantFrom(...ADDRESS_CASINGS), (variable, address, casing) => {
        const result = parseSafely({ ...VALID, [variable]: recase(address, casing) });
        if (!result.ok) throw new Error(result.problems.join("\n"));
        expect(variable === "PAY_TO" ? result.config.payment.payTo : result.config.payment.asset).toBe(address);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a corrupted EIP-55 checksum or a malformed address in PAY_TO and USDC_ADDRESS, naming the variable", () => {
    const corrupted = fc.tuple(anyAddress, fc.nat()).map(([a, pick]) => badChecksum(a, pick)).filter((a): a is string => a !== null);
    fc.assert(
      fc.property(fc.constantFrom("PAY_TO", "USDC_ADDRESS"), fc.oneof(corrupted, malformedAddress.filter((a) => a.trim() !== "")), (variable, bad) => {
        const result = parseSafely({ ...VALID, [variable]: bad });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("accepts NETWORK eip155:<n> only when n is a chain id it can hold exactly", () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 64n }), fc.bigInt({ min: 2n ** 53n - 8n, max: 2n ** 53n + 8n })), (n) => {
        const result = parseSafely({ ...VALID, NETWORK: `eip155:${n}`, USDC_ADDRESS: VALID.USDC_ADDRESS });
        expectProblemsNamed(result);
        if (result.ok) expect(BigInt(result.config.payment.chainId)).toBe(n);
        else expect(n > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses every amount or whole number that is not canonical decimal text, naming the variable", () => {
    fc.assert(
      fc.property(fc.constantFrom(...AMOUNTS, ...WHOLE_NUMBERS), invalidUintText.filter((t) => t.trim() !== ""), (variable, text) => {
        const result = parseSafely({ ...VALID, [variable]: text });
        // Leading zeros are harmless in a whole number ("0300" is 300): the one form allowed there.
        if ((WHOLE_NUMBERS as readonly string[]).includes(variable) && /^0[0-9]+$/.test(text)) return;
        expect(result.ok).toBe(false);
        expectProblemsNamed(result, [variable]);
      }),
      { numRuns: 200 },
    );
  });

  it("accepts MAX_IMAGE_BYTES only up to what one job frame can carry", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 * 1024 * 1024 }), (bytes) => {
        const result = parseSafely({ ...VALID, MAX_IMAGE_BYTES: String(bytes) });
        expectProblemsNamed(result, ["MAX_IMAGE_BYTES"]);
        expectExact(result);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a facilitator or RPC URL that is not http(s), naming the variable", () => {
    const notHttp = fc.oneof(
      fc.constantFrom("javascript:alert(1)", "file:///etc/passwd", "ftp://example.com", "data:text/plain,hi", "ws://127.0.0.1:8545", "mailto:a@b.c"),
      hostileText(40).filter((t) => t.trim() !== ""),
    );
    fc.assert(
      fc.property(fc.constantFrom("FACILITATOR_URL", "RPC_URL"), notHttp, (variable, url) => {
        const env = variable === "RPC_URL" ? { ...VALID, RPC_URL: url } : { ...VALID, FACILITATOR: "remote", FACILITATOR_URL: url };
        const result = parseSafely(env);
        expect(result.ok).toBe(false);
        expectProblemsNamed(result, [variable, "RELAYER_KEY"]);
      }),
      { numRuns: 100 },
    );
  });
});

describe("SERVICES, generated", () => {
  const ids = SEED_SERVICES.map((s) => s.id);
  const override = fc.record({ enabled: fc.boolean(), price: fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String) }, { requiredKeys: [] });
  const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.oneof(hostileText(16), fc.constantFrom("__proto__", "constructor", "toString")) });

  it("reports every key that names no service, __proto__ and friends included, whether SERVICES is JSON text or a table", () => {
    fc.assert(
      fc.property(fc.dictionary(key, override, { maxKeys: 4 }), fc.boolean(), (services, asText) => {
        // JSON text is how an env file delivers it (and how a __proto__ key survives as an own key).
        const text = JSON.stringify(services);
        const result = parseSafely({ ...VALID, SERVICES: asText ? text : JSON.parse(text) });
        expectProblemsNamed(result);
        const unknown = Object.keys(JSON.parse(text) as object).filter((k) => !ids.includes(k));
        if (unknown.length === 0) {
          expect(result.ok).toBe(true);
          return;
        }
        expect(result.ok).toBe(false);
        for (const k of unknown) expect(!result.ok && result.problems.some((p) => p.startsWith(`SERVICES.${k}:`)), k).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on hostile or deeply nested SERVICES", () => {
    const services = fc.oneof(hostileJson, hostileJson.map((j) => JSON.stringify(j) ?? ""), deepJsonText(1_000, 50_000), hostileText());
    fc.assert(
      fc.property(services, (value) => expectProblemsNamed(parseSafely({ ...VALID, SERVICES: value }))),
      { numRuns: 200 },
    );
  });
});

describe("edge config, regressions found by the properties above", () => {
  it("a SERVICES key __proto__ is reported as no such service, not silently dropped", () => {
    const result = parseSafely({ ...VALID, SERVICES: '{"__proto__": {"enabled": false}}' });
    expect(!result.ok && result.problems).toEqual([expect.stringMatching(/^SERVICES\.__proto__: no such service/)]);
  });

  it("NETWORK eip155:9999999999999999 (past 2^53) is refused, not rounded to chain 10000000000000000", () => {
    const result = parseSafely({ ...VALID, NETWORK: "eip155:9999999999999999" });
    expect(!result.ok && result.problems.join("\n")).toMatch(/^NETWORK:/);
  });

  it("a PAY_TO with a corrupted EIP-55 checksum (a typo) is refused, not silently re-checksummed", () => {
    const result = parseSafely({ ...VALID, PAY_TO: badChecksum(VALID.PAY_TO, 0) });
    expect(!result.ok && result.problems.join("\n")).toMatch(/^PAY_TO: .*checksum/);
  });

  it("a MAX_IMAGE_BYTES of 20 MiB is refused, not accepted for images whose job no runner accepts (a 502 after the 402)", () => {
    const result = parseSafely({ ...VALID, MAX_IMAGE_BYTES: String(20 * 1024 * 1024) });
    expect(!result.ok && result.problems.join("\n")).toMatch(/^MAX_IMAGE_BYTES:/);
  });

  it("a FACILITATOR_URL of javascript:alert(1) is refused, not fetched on every settlement", () => {
    const result = parseSafely({ ...VALID, FACILITATOR: "remote", FACILITATOR_URL: "javascript:alert(1)" });
    expect(!result.ok && result.problems.join("\n")).toMatch(/^FACILITATOR_URL:/);
  });
});
