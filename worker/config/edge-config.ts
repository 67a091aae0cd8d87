import { z } from "zod";
import type { Address, Hex } from "viem";
import { normalizeModelName } from "../../protocol/models.ts";
import { LIMITS, ModelNameSchema } from "../../protocol/job.ts";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from "../../protocol/image-input.ts";
import { parseEvmAddress } from "../chain/evm-address.ts";
import { KNOWN_NETWORKS, chainIdOf } from "../chain/networks.ts";
import { parseServicesConfig, type ServiceOffer } from "./services-config.ts";
import { CorsOriginsSchema } from "./cors-origins.ts";
import type { CorsOrigins } from "../http/cors-policy.ts";

/**
 * Everything the edge is configured with, parsed once per isolate from the Worker's env
 * (wrangler vars and secrets). Every problem is reported at once, by variable name.
 * RUNNER_KEYS is parsed by the RunnerPool on its own, so a payment misconfiguration never
 * locks runners out (and vice versa).
 */

/** Any casing EIP-55 allows; a corrupted checksum is an operator's typo, refused (see evm-address.ts). */
const AddressSchema = z.string().transform((text, ctx) => {
  const parsed = parseEvmAddress(text);
  if (parsed.ok) return parsed.address;
  ctx.addIssue({ code: "custom", message: parsed.message });
  return z.NEVER;
});

/** viem's http transport and fetch() speak only these; anything else fails every paid call at run time. */
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

const BaseUnits = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,30})$/, "must be an integer amount in base units (no decimals, no sign)")
  .transform((s) => BigInt(s));

const PositiveInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const csv = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const RawEnvSchema = z.object({
  NETWORK: z.string().refine((n) => chainIdOf(n) !== null, "must be a CAIP-2 EVM network such as eip155:8453 (chain id below 2^53)"),
  PAY_TO: AddressSchema,
  USDC_ADDRESS: z.string().optional(),
  USDC_NAME: z.string().optional(),
  USDC_VERSION: z.string().optional(),
  FACILITATOR: z.enum(["embedded", "remote"]).default("embedded"),
  FACILITATOR_URL: HttpUrl.optional(),
  RPC_URL: HttpUrl.optional(),
  RELAYER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Bearer token for GET /metrics (Prometheus scrapes); a secret of its own, so a scraper cannot read the ledger. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /**
   * Where alerts are POSTed (operator/alerts/). A URL that carries its own secret (Slack's do) should
   * be a secret; wrangler dev's debug log file still records subrequest URLs, so locally prefer
   * ALERT_WEBHOOK_TOKEN, sent as `Authorization: Bearer`.
   */
  ALERT_WEBHOOK_URL: HttpUrl.optional(),
  ALERT_WEBHOOK_TOKEN: z.string().min(1).optional(),
  ALERT_CHECK_SECONDS: PositiveInt(1, 3600).default(60),
  ALERT_NO_RUNNER_SECONDS: PositiveInt(1, 86_400).default(300),
  ALERT_SETTLEMENT_FAILURES: PositiveInt(1, 1_000_000).default(3),
  MAX_TIMEOUT_SECONDS: PositiveInt(30, 3600).default(300),
  /** A payment must stay valid at least this long after it arrives, so settlement can still happen. */
  VALID_BEFORE_BUFFER_SECONDS: PositiveInt(6, 600).default(30),
  JOB_TIMEOUT_MS: PositiveInt(1_000, 15 * 60_000).default(120_000),
  CHAT_MODELS: z.string().default("qwen2.5:7b"),
  CHAT_BASE_PRICE: BaseUnits.default(1000n),
  CHAT_PRICE_PER_MTOK: BaseUnits.default(500_000n),
  CHAT_DEFAULT_MAX_TOKENS: PositiveInt(1, 131_072).default(512),
  EMBED_MODELS: z.string().default("nomic-embed-text"),
  EMBED_BASE_PRICE: BaseUnits.default(100n),
  EMBED_PRICE_PER_MTOK: BaseUnits.default(20_000n),
  /** Per-service settings (price, model, on/off): a wrangler.toml table, or JSON text. */
  SERVICES: z.unknown().optional(),
  /** At most what one job frame may carry as base64 (LIMITS.maxImageBase64Chars): 15 MiB. */
  MAX_IMAGE_BYTES: PositiveInt(1024, Math.floor((LIMITS.maxImageBase64Chars * 3) / 4)).default(10 * 1024 * 1024),
  /** "on" adds free copies of paid routes under /__bench for benchmarks; refused off the local chain. */
  BENCH_ROUTES: z.enum(["on", "off"]).default("off"),
  /** The payment schemes offered, in the order 402s list them (names checked by payments/schemes/registry.ts). */
  PAYMENT_SCHEMES: z.string().regex(/^[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*$/, "must be a comma-separated list of scheme names").optional(),
  /** Which web pages may call the paid, discovery and MCP routes from a browser (never /admin, /dashboard, /metrics, /tunnel). */
  CORS_ORIGINS: CorsOriginsSchema,
});

export interface PaymentConfig {
  network: `eip155:${number}`;
  chainId: number;
  v1NetworkName: string | null;
  asset: Address;
  /** EIP-712 domain of the token: must equal its on-chain name() and version(). */
  assetName: string;
  assetVersion: string;
  payTo: Address;
  maxTimeoutSeconds: number;
  /** A payment must stay valid at least this long after it arrives (VALID_BEFORE_BUFFER_SECONDS). */
  minValiditySeconds: number;
}

export type FacilitatorConfig =
  | { kind: "embedded"; rpcUrl: string; relayerKey: Hex }
  | { kind: "remote"; url: string };

export interface EdgeConfig {
  payment: PaymentConfig;
  facilitator: FacilitatorConfig;
  /** For ERC-1271 (contract wallet) signature checks; absent → only EOA signatures are accepted. */
  rpcUrl: string | null;
  adminToken: string | null;
  metricsToken: string | null;
  /** null: no ALERT_WEBHOOK_URL, no alerts. */
  alerts: { webhookUrl: string; webhookToken: string | null; checkSeconds: number; noRunnerSeconds: number; settlementFailures: number } | null;
  jobTimeoutMs: number;
  benchRoutes: boolean;
  /** PAYMENT_SCHEMES in order; null: the registry's default order. */
  paymentSchemes: string[] | null;
  /** CORS_ORIGINS: `*` or the exact origins whose pages may read the browser-facing routes. */
  corsOrigins: CorsOrigins;
  chat: { models: string[]; basePrice: bigint; pricePerMillionTokens: bigint; defaultMaxTokens: number };
  embeddings: { models: string[]; basePrice: bigint; pricePerMillionTokens: bigint };
  services: ServiceOffer[];
  imageLimits: ImageLimits;
}

export type ConfigResult = { ok: true; config: EdgeConfig } | { ok: false; problems: string[] };

export function parseEdgeConfig(env: Record<string, unknown>): ConfigResult {
  const problems: string[] = [];
  const raw = RawEnvSchema.safeParse(blankToUndefined(env));
  if (!raw.success) {
    for (const issue of raw.error.issues) problems.push(`${issue.path.join(".") || "env"}: ${issue.message}`);
    return { ok: false, problems };
  }
  const e = raw.data;
  const network = e.NETWORK as `eip155:${number}`;
  const chainId = chainIdOf(network)!;
  const known = KNOWN_NETWORKS[network];

  const assetText = e.USDC_ADDRESS ?? known?.usdc?.address;
  if (!assetText) problems.push(`USDC_ADDRESS: required for ${network} (no default USDC is known there)`);
  const asset = assetText ? parseEvmAddress(assetText) : null;
  if (asset && !asset.ok) problems.push(`USDC_ADDRESS: ${asset.message}`);
  const assetName = e.USDC_NAME ?? known?.usdc?.name ?? "USD Coin";
  const assetVersion = e.USDC_VERSION ?? known?.usdc?.version ?? "2";

  let facilitator: FacilitatorConfig | null = null;
  if (e.FACILITATOR === "embedded") {
    if (!e.RPC_URL) problems.push("RPC_URL: required when FACILITATOR=embedded");
    if (!e.RELAYER_KEY) problems.push("RELAYER_KEY: secret required when FACILITATOR=embedded (wrangler secret put RELAYER_KEY)");
    if (e.RPC_URL && e.RELAYER_KEY) facilitator = { kind: "embedded", rpcUrl: e.RPC_URL, relayerKey: e.RELAYER_KEY as Hex };
  } else {
    if (!e.FACILITATOR_URL) problems.push("FACILITATOR_URL: required when FACILITATOR=remote");
    else facilitator = { kind: "remote", url: e.FACILITATOR_URL.replace(/\/+$/, "") };
  }

  const models = modelList("CHAT_MODELS", e.CHAT_MODELS, problems);
  const embedModels = modelList("EMBED_MODELS", e.EMBED_MODELS, problems);
  const services = parseServicesConfig(e.SERVICES, SEED_SERVICES);
  if (!services.ok) problems.push(...services.problems);

  if (e.BENCH_ROUTES === "on" && chainId !== 31337) {
    problems.push("BENCH_ROUTES: may only be on for the local chain eip155:31337 (it serves paid routes for free)");
  }
  if (e.VALID_BEFORE_BUFFER_SECONDS >= e.MAX_TIMEOUT_SECONDS) {
    problems.push("VALID_BEFORE_BUFFER_SECONDS: must be smaller than MAX_TIMEOUT_SECONDS");
  }

  if (problems.length > 0 || !facilitator || !asset?.ok || !services.ok) return { ok: false, problems };
  return {
    ok: true,
    config: {
      payment: {
        network,
        chainId,
        v1NetworkName: known?.v1Name ?? null,
        asset: asset.address,
        assetName,
        assetVersion,
        payTo: e.PAY_TO,
        maxTimeoutSeconds: e.MAX_TIMEOUT_SECONDS,
        minValiditySeconds: e.VALID_BEFORE_BUFFER_SECONDS,
      },
      facilitator,
      rpcUrl: e.RPC_URL ?? null,
      adminToken: e.ADMIN_TOKEN ?? null,
      metricsToken: e.METRICS_TOKEN ?? null,
      alerts: e.ALERT_WEBHOOK_URL
        ? { webhookUrl: e.ALERT_WEBHOOK_URL, webhookToken: e.ALERT_WEBHOOK_TOKEN ?? null, checkSeconds: e.ALERT_CHECK_SECONDS, noRunnerSeconds: e.ALERT_NO_RUNNER_SECONDS, settlementFailures: e.ALERT_SETTLEMENT_FAILURES }
        : null,
      jobTimeoutMs: e.JOB_TIMEOUT_MS,
      benchRoutes: e.BENCH_ROUTES === "on",
      paymentSchemes: e.PAYMENT_SCHEMES ? csv(e.PAYMENT_SCHEMES) : null,
      corsOrigins: e.CORS_ORIGINS,
      chat: {
        models,
        basePrice: e.CHAT_BASE_PRICE,
        pricePerMillionTokens: e.CHAT_PRICE_PER_MTOK,
        defaultMaxTokens: e.CHAT_DEFAULT_MAX_TOKENS,
      },
      embeddings: { models: embedModels, basePrice: e.EMBED_BASE_PRICE, pricePerMillionTokens: e.EMBED_PRICE_PER_MTOK },
      services: services.offers,
      imageLimits: { ...DEFAULT_IMAGE_LIMITS, maxBytes: e.MAX_IMAGE_BYTES },
    },
  };
}

function modelList(variable: string, text: string, problems: string[]): string[] {
  const models: string[] = [];
  for (const name of csv(text)) {
    if (!ModelNameSchema.safeParse(name).success) problems.push(`${variable}: "${name}" is not an Ollama model name`);
    else models.push(normalizeModelName(name));
  }
  return models;
}

/** wrangler passes unset vars as "" in some setups; treat them as absent so defaults apply. */
function blankToUndefined(env: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) out[k] = typeof v === "string" && v.trim() === "" ? undefined : v;
  return out;
}

const cache = new WeakMap<object, ConfigResult>();

/** Env objects are stable per isolate, so parsing happens once, not per request. */
export function edgeConfigFor(env: object): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    result = parseEdgeConfig(env as Record<string, unknown>);
    cache.set(env, result);
  }
  return result;
}
