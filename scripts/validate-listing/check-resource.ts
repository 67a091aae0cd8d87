import { decodePaymentRequiredHeader } from "@x402/core/http";
import { validateDiscoveryExtension, validateDiscoveryExtensionSpec, type DiscoveryExtension } from "@x402/extensions/bazaar";
import { OpenApiOperation, PaymentRequiredShape, XPaymentInfo } from "./listing-shapes.ts";

export interface ResourceReport {
  method: string;
  path: string;
  /** What was checked and found (price, schemes), for the line printed when it passes. */
  summary: string;
  problems: string[];
}

const PROBE_TIMEOUT_MS = 15_000;

/**
 * One paid operation, checked the way an x402 index reads it: its OpenAPI entry (`x-payment-info`, a
 * `402` response, input and output schemas), then its live 402 — probed with the operation's own
 * example, since an index's probe must reach the 402 — whose bazaar extension must pass the
 * official validator (`@x402/extensions/bazaar`: the example against the schema, and the spec's
 * rules), and whose atomic amounts must agree with the listed USD price. A GET on the same URL, if it
 * answers 402, must carry a valid bazaar extension too.
 */
export async function checkPaidOperation(edge: string, path: string, method: string, raw: unknown, fetchImpl: typeof fetch): Promise<ResourceReport> {
  const report: ResourceReport = { method: method.toUpperCase(), path, summary: "", problems: [] };
  const problem = (text: string) => void report.problems.push(text);
  const operation = OpenApiOperation.safeParse(raw);
  if (!operation.success) {
    problem(`OpenAPI operation: ${issues(operation.error)}`);
    return report;
  }
  const op = operation.data;
  const info = XPaymentInfo.safeParse(op["x-payment-info"]);
  if (!info.success) problem(`x-payment-info: ${issues(info.error)}`);
  if (!op.responses["402"]) problem("responses: no 402 (indexes list an operation as paid from x-payment-info and its 402)");
  const json = op.requestBody?.content["application/json"];
  if (report.method !== "GET" && json?.schema === undefined) problem("requestBody: no application/json schema (the input schema indexes show)");
  if (op.responses["200"]?.content?.["application/json"]?.schema === undefined) problem("responses.200: no application/json schema (the output schema indexes show)");

  const url = new URL(path, edge).toString();
  const probe = await probe402(fetchImpl, url, report.method, json?.example);
  if (!probe.ok) {
    problem(probe.problem);
    return report;
  }
  const required = probe.required;
  problems(`${report.method} 402 bazaar`, bazaarProblems(required, report.method)).forEach(problem);
  if (info.success) priceProblems(info.data, required).forEach(problem);

  if (report.method !== "GET") {
    const terms = await probe402(fetchImpl, url, "GET", undefined);
    if (terms.ok) problems("GET 402 bazaar", bazaarProblems(terms.required, report.method)).forEach(problem);
  }
  const price = info.success ? (info.data.price.mode === "fixed" ? `fixed $${info.data.price.amount}` : `dynamic $${info.data.price.min}–$${info.data.price.max}`) : "no price";
  report.summary = `${price}; 402 asks ${required.accepts.map((a) => `${a.amount} by ${a.scheme}`).join(", ")}; bazaar valid`;
  return report;
}

type Probe = { ok: true; required: PaymentRequiredShape } | { ok: false; problem: string };

async function probe402(fetchImpl: typeof fetch, url: string, method: string, example: unknown): Promise<Probe> {
  const withBody = method !== "GET" && method !== "HEAD";
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method,
      headers: withBody ? { "content-type": "application/json" } : {},
      ...(withBody ? { body: JSON.stringify(example ?? {}) } : {}),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: false, problem: `${method} ${url}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const header = response.headers.get("PAYMENT-REQUIRED");
  await response.body?.cancel();
  if (response.status !== 402) return { ok: false, problem: `${method} with the listed example: expected 402, got ${response.status}${withBody && example === undefined ? " (the operation lists no example body to probe with)" : ""}` };
  if (!header) return { ok: false, problem: `${method} 402: no PAYMENT-REQUIRED header` };
  let decoded: unknown;
  try {
    decoded = decodePaymentRequiredHeader(header);
  } catch (error) {
    return { ok: false, problem: `${method} 402: PAYMENT-REQUIRED is not base64 JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const shaped = PaymentRequiredShape.safeParse(decoded);
  if (!shaped.success) return { ok: false, problem: `${method} 402: PAYMENT-REQUIRED ${issues(shaped.error)}` };
  return { ok: true, required: shaped.data };
}

/** The official validator's verdict on a 402's bazaar extension, and whether it names the operation's method. */
function bazaarProblems(required: PaymentRequiredShape, method: string): string[] {
  const extension = required.extensions?.["bazaar"];
  if (!extension || typeof extension !== "object") return ["no bazaar extension"];
  const found = [...(validateDiscoveryExtension(extension as DiscoveryExtension).errors ?? []), ...(validateDiscoveryExtensionSpec(extension as Record<string, unknown>).errors ?? [])];
  const listed = (extension as { info?: { input?: { method?: unknown } } }).info?.input?.method;
  if (listed !== undefined && listed !== method) found.push(`info.input.method is ${String(listed)}, the operation is ${method}`);
  return found;
}

/** The listed USD price against the 402's atomic amounts (USDC: 6 decimals): equal when fixed, within the range when dynamic. */
function priceProblems(info: XPaymentInfo, required: PaymentRequiredShape): string[] {
  if (info.price.currency !== "USD") return [`x-payment-info: currency ${info.price.currency}, cannot be compared with the 402 (USDC is priced as USD)`];
  const out: string[] = [];
  for (const accept of required.accepts) {
    const amount = BigInt(accept.amount);
    if (info.price.mode === "fixed") {
      const listed = atomicUsdc(info.price.amount);
      if (listed !== amount) out.push(`x-payment-info says $${info.price.amount} (${listed ?? "not 6-decimal"} atomic), the 402 asks ${amount} by ${accept.scheme}`);
    } else {
      const [min, max] = [atomicUsdc(info.price.min), atomicUsdc(info.price.max)];
      if (min === null || max === null || min > max) out.push(`x-payment-info: dynamic range $${info.price.min}–$${info.price.max} is not a range of 6-decimal amounts`);
      else if (amount < min || amount > max) out.push(`the 402 asks ${amount} by ${accept.scheme}, outside x-payment-info's $${info.price.min}–$${info.price.max}`);
    }
  }
  return out;
}

/** "0.010000" → 10000n; null when the amount has more than USDC's 6 decimals. */
export function atomicUsdc(decimal: string): bigint | null {
  const [whole, fraction = ""] = decimal.split(".");
  if (fraction.length > 6 || !/^[0-9]+$/.test(whole ?? "")) return null;
  return BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, "0") || "0");
}

const problems = (prefix: string, found: string[]) => found.map((f) => `${prefix}: ${f}`);
const issues = (error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) => error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"} ${i.message}`).join("; ");
