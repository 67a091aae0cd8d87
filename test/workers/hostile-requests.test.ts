import { env } from "cloudflare:workers";
import fc from "fast-check";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../protocol/base64.ts";
import { edgeConfigFor, type EdgeConfig } from "../../worker/config/edge-config.ts";
import { PaymentReason } from "../../worker/payments/core/reasons.ts";
import { ExactReason } from "../../worker/payments/schemes/exact/exact-reasons.ts";
import {
  ADDRESS_CASINGS,
  anyAddress,
  badChecksum,
  base64OfText,
  bytesToBase64,
  deepJsonText,
  headerSafeText,
  hostileJson,
  hostileText,
  invalidUintText,
  jsonWithRawAt,
  malformedAddress,
  numberWhereTextBelongs,
  oversizedText,
  recase,
  setAt,
} from "../support/hostile-arbitraries.ts";
import { headerJson, ledgerCounts, post } from "./support/hostile-observers.ts";
import { waitForPool } from "./support/pool.ts";
import { testIdentity, TunnelClient } from "./support/tunnel-client.ts";
import { IMAGE_INPUT_ERROR_CODES } from "../../protocol/image-input.ts";

// Generated bodies and payment headers sent through the real Worker (workerd, Durable Objects).
// Whatever arrives: no 5xx, a refusal that names a specific code or x402 reason, no reservation or
// ledger row, and no job on the runner that is connected the whole time (serving every model, so a
// request that slipped through would reach it — or hang unanswered until the test times out). Each
// request costs a few milliseconds in workerd, so each property gets 20-100 runs: enough to visit
// every route and field several times within a few seconds. (Payments that reach the signature
// check ask the unreachable test RPC for ERC-1271; workerd logs each failed connection as
// "Network connection lost" even though the error is handled.)

/** Codes a refused body may carry, each naming what to fix (never internal_error). */
const BODY_CODES = new Set([
  "invalid_json",
  "body_too_large",
  "invalid_request",
  "model_not_offered",
  ...IMAGE_INPUT_ERROR_CODES,
]);
/** Reasons a payment that cannot be valid is refused with: decoding and local verification. */
const PAYMENT_REASONS = new Set<string>([
  PaymentReason.invalidPayload,
  PaymentReason.invalidVersion,
  PaymentReason.unsupportedScheme,
  PaymentReason.invalidNetwork,
  ExactReason.assetMismatch,
  PaymentReason.requirementsMismatch,
  ExactReason.recipientMismatch,
  ExactReason.valueMismatch,
  ExactReason.valueMismatchV1,
  ExactReason.validAfter,
  ExactReason.validBefore,
  ExactReason.windowTooLong,
  ExactReason.invalidSignature,
]);
const TIMEOUT_MS = 120_000;

let config: EdgeConfig;
let runner: TunnelClient;
let examples: Record<string, unknown>;

beforeAll(async () => {
  const parsed = edgeConfigFor(env);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  config = parsed.config;
  examples = {
    "/v1/chat/completions": { model: config.chat.models[0], messages: [{ role: "user", content: "Hello!" }], max_tokens: 16, temperature: 0.5, stop: ["\n"] },
    "/v1/embeddings": { model: config.embeddings.models[0], input: ["hello", "world"], encoding_format: "float" },
    ...Object.fromEntries(config.services.map((o) => [`/v1/${o.definition.id}`, o.definition.example.input])),
  };
  await waitForPool((runners) => runners.length === 0);
  runner = await TunnelClient.open();
  const models = [...new Set([...config.chat.models, ...config.embeddings.models, ...config.services.map((o) => o.model)])];
  await runner.connectAs(await testIdentity(0), models.map((name) => ({ name, capacity: 4 })));
  await waitForPool((runners) => runners.length === 1 && runners[0]!.models.length === models.length);
});

afterAll(async () => {
  runner.close();
  await waitForPool((runners) => runners.length === 0);
});

/** Nothing was reserved, charged or dispatched across `body` (the runner would have seen a job frame). */
async function expectNothingCharged<T>(body: () => Promise<T>): Promise<T> {
  const before = await ledgerCounts();
  const result = await body();
  expect(await ledgerCounts()).toEqual(before);
  expect(runner.pending().filter((m) => m.type === "job")).toEqual([]);
  return result;
}

async function expectSpecificRefusal(response: Response) {
  expect(response.status, await response.clone().text().then((t) => t.slice(0, 300))).toBeLessThan(500);
  if (response.status === 402) {
    // A valid body: the 402 must be the offer, with the one reason a payment-less request gets.
    const required = headerJson(response.headers.get("PAYMENT-REQUIRED")!) as { error: string };
    expect(required.error).toBe(PaymentReason.paymentRequired);
    return;
  }
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.headers.get("Content-Type")).toContain("application/json");
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(BODY_CODES, `${error.code}: ${error.message}`).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(5);
}

/** Every path to a value inside `value`. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...prefix, i])));
  if (typeof value === "object" && value !== null) return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

const route = () => fc.constantFrom(...Object.keys(examples));
const pathIn = (routePath: string, pick: number) => {
  const paths = pathsOf(examples[routePath]);
  return paths[pick % paths.length]!;
};

describe("service bodies, generated", () => {
  it(
    "no body produces a 5xx, a charge or a job; every refusal has a specific code",
    async () => {
      const body = fc.oneof(
        hostileJson.map((j) => ({ kind: "any JSON", build: () => JSON.stringify(j) ?? "null" })),
        fc.tuple(route(), fc.nat(), hostileJson).map(([r, pick, v]) => ({ kind: "a field replaced", route: r, build: () => JSON.stringify(setAt(examples[r], pathIn(r, pick), v)) })),
        fc.tuple(route(), fc.nat(), oversizedText(20_001, 300_000)).map(([r, pick, t]) => ({ kind: "an oversized field", route: r, build: () => JSON.stringify(setAt(examples[r], pathIn(r, pick), t)) })),
        fc.tuple(route(), fc.nat(), deepJsonText(1_000, 100_000)).map(([r, pick, deep]) => ({ kind: "deep JSON in a field", route: r, build: () => jsonWithRawAt(examples[r], pathIn(r, pick), deep) })),
        deepJsonText(1_000, 100_000).map((deep) => ({ kind: "deep JSON", build: () => deep })),
        fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: "bytes", build: () => bytes })),
        hostileText(200).map((text) => ({ kind: "text", build: () => text })),
      );
      await fc.assert(
        fc.asyncProperty(route(), body, async (fallbackRoute, generated) => {
          const path = "route" in generated ? generated.route : fallbackRoute;
          const response = await expectNothingCharged(() => post(path, generated.build()));
          await expectSpecificRefusal(response);
        }),
        { numRuns: 100 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "a body over the route's limit is refused as body_too_large, declared or not",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("/v1/embeddings", "/v1/sentiment"), fc.boolean(), async (path, declared) => {
          const text = JSON.stringify({ text: "a".repeat(5 * 1024 * 1024) });
          // Undeclared: a stream, so the Worker cannot know the length before reading.
          const body = declared ? text : new Blob([text]).stream();
          const response = await expectNothingCharged(() => post(path, body));
          expect(response.status).toBe(413);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
        }),
        { numRuns: 4 },
      );
    },
    TIMEOUT_MS,
  );
});

describe("payment headers, generated", () => {
  const PAID_PATH = "/v1/sentiment";
  const BODY = JSON.stringify({ text: "I love it" });
  let template: Record<string, unknown>;

  beforeAll(async () => {
    const offer = await post(PAID_PATH, BODY);
    expect(offer.status).toBe(402);
    const required = headerJson(offer.headers.get("PAYMENT-REQUIRED")!) as { resource: unknown; accepts: Array<{ payTo: string; amount: string }> };
    const accepted = required.accepts[0]!;
    // Well formed and within every time bound, signed by no one: it can only fail at the signature.
    template = {
      x402Version: 2,
      resource: required.resource,
      accepted,
      payload: {
        signature: `0x${"11".repeat(65)}`,
        authorization: {
          from: "0x00000000000000000000000000000000000000aa",
          to: accepted.payTo,
          value: accepted.amount,
          validAfter: "0",
          validBefore: String(Math.floor(Date.now() / 1000) + 120),
          nonce: `0x${"22".repeat(32)}`,
        },
      },
    };
  });

  const paths = () => pathsOf(template);
  const ADDRESS_PATHS = [["accepted", "payTo"], ["accepted", "asset"], ["payload", "authorization", "from"], ["payload", "authorization", "to"]] as const;
  const UINT_PATHS = [["payload", "authorization", "value"], ["payload", "authorization", "validAfter"], ["payload", "authorization", "validBefore"]] as const;

  async function expectRefusedPayment(response: Response) {
    expect(response.status, await response.clone().text().then((t) => t.slice(0, 300))).toBe(402);
    const required = headerJson(response.headers.get("PAYMENT-REQUIRED")!) as { error: string };
    expect(PAYMENT_REASONS).toContain(required.error);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe(required.error);
    expect(body.message.length).toBeGreaterThan(5);
    return required.error;
  }

  it(
    "no payment header produces a 5xx, a charge or a job; each is refused with a specific x402 reason",
    async () => {
      const fromTemplate = (build: (t: Record<string, unknown>) => string) => build;
      const header = fc.oneof(
        headerSafeText(300, 0x7e).map((text) => () => text),
        fc.uint8Array({ maxLength: 512 }).map((bytes) => () => bytesToBase64(bytes)),
        hostileJson.map((json) => () => base64OfText(JSON.stringify(json) ?? "null")),
        fc.tuple(fc.nat(), hostileJson).map(([pick, v]) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, paths()[pick % paths().length]!, v))))),
        fc.tuple(fc.constantFrom(...UINT_PATHS), fc.oneof(invalidUintText, numberWhereTextBelongs)).map(([p, v]) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, p, v))))),
        fc.tuple(fc.constantFrom(...UINT_PATHS), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })).map(([p, v]) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, p, String(v)))))),
        fc.tuple(fc.constantFrom(...ADDRESS_PATHS), fc.oneof(fc.tuple(anyAddress, fc.constantFrom(...ADDRESS_CASINGS)).map(([a, c]) => recase(a, c)), malformedAddress)).map(([p, a]) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, p, a))))),
        fc.tuple(fc.constantFrom(...ADDRESS_PATHS), fc.constantFrom(...ADDRESS_CASINGS), fc.nat()).map(([p, casing, pick]) =>
          // The offered address itself, recased or with its checksum corrupted.
          fromTemplate((t) => {
            const base = getAddress(String(p.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], t)));
            return base64OfText(JSON.stringify(setAt(t, p, pick % 2 === 0 ? recase(base, casing) : (badChecksum(base, pick) ?? base))));
          }),
        ),
        fc.tuple(fc.nat(), deepJsonText(1_000, 5_000)).map(([pick, deep]) => fromTemplate((t) => base64OfText(jsonWithRawAt(t, paths()[pick % paths().length]!, deep)))),
        fc.tuple(fc.nat(), oversizedText(65, 3_000)).map(([pick, text]) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, paths()[pick % paths().length]!, text))))),
        fc.uint8Array({ minLength: 66, maxLength: 300 }).map((sig) => fromTemplate((t) => base64OfText(JSON.stringify(setAt(t, ["payload", "signature"], `0x${bytesToHex(sig)}`))))),
        fc.integer({ min: 16 * 1024 + 1, max: 256 * 1024 }).map((n) => () => "A".repeat(n)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("PAYMENT-SIGNATURE", "X-PAYMENT"), header, async (name, build) => {
          const response = await expectNothingCharged(() => post(PAID_PATH, BODY, { [name]: build(template) }));
          await expectRefusedPayment(response);
        }),
        { numRuns: 100 },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "an unsigned payment is refused at the signature whatever EIP-55 casing its addresses use (casing is not a mismatch)",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.record({ payTo: fc.constantFrom(...ADDRESS_CASINGS), asset: fc.constantFrom(...ADDRESS_CASINGS), to: fc.constantFrom(...ADDRESS_CASINGS), from: fc.constantFrom(...ADDRESS_CASINGS) }), async (casings) => {
          const a = template as { accepted: { payTo: string; asset: string }; payload: { authorization: { from: string; to: string } } };
          let payload: unknown = setAt(template, ["accepted", "payTo"], recase(a.accepted.payTo, casings.payTo));
          payload = setAt(payload, ["accepted", "asset"], recase(a.accepted.asset, casings.asset));
          payload = setAt(payload, ["payload", "authorization", "to"], recase(a.payload.authorization.to, casings.to));
          payload = setAt(payload, ["payload", "authorization", "from"], recase(a.payload.authorization.from, casings.from));
          const response = await expectNothingCharged(() => post(PAID_PATH, BODY, { "PAYMENT-SIGNATURE": base64OfText(JSON.stringify(payload)) }));
          expect(await expectRefusedPayment(response)).toBe(ExactReason.invalidSignature);
        }),
        // 256 casing combinations; each run costs a (failing) RPC connection.
        { numRuns: 20 },
      );
    },
    TIMEOUT_MS,
  );
});
