import type { EdgeConfig } from "../config/edge-config.ts";
import { paidEndpoints, type PaidEndpoint } from "./endpoints.ts";
import { formatUsdc } from "../offers/usdc.ts";
import type { PaymentScheme } from "../payments/core/payment-scheme.ts";
import { clientSnippets } from "../payments/schemes/registry.ts";
import type { Availability } from "./availability.ts";

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function price(endpoint: PaidEndpoint): string {
  return endpoint.pricing.kind === "per_call"
    ? `$${formatUsdc(endpoint.pricing.price)}`
    : `$${formatUsdc(endpoint.pricing.basePrice)} + $${formatUsdc(endpoint.pricing.pricePerMillionTokens)}/M tokens`;
}

/**
 * GET / for people: what is for sale, at what price, on which models, whether it can be bought right
 * now (`availability`, from the runners connected at this request; null when the pool could not be
 * asked), and how to pay from code.
 */
export function indexPage(config: EdgeConfig, schemes: readonly PaymentScheme[], origin: string, availability: Availability | null = null): string {
  const names = [...new Set(schemes.map((s) => s.scheme))];
  const snippets = clientSnippets(names);
  const endpoints = paidEndpoints(config);
  const first = endpoints[0];
  const now = (id: string) => {
    const service = availability?.services.find((s) => s.id === id);
    if (!service) return `<td class="now">unknown</td>`;
    return service.servable ? `<td class="now ok">available${service.freeSlots === 0 ? " (busy: queued)" : ""}</td>` : `<td class="now no">no runner</td>`;
  };
  const rows = endpoints
    .map((e) => `<tr data-service="${escape(e.id)}"><td><code>POST ${escape(e.path)}</code></td><td>${escape(e.title)}<br><small>${escape(e.description)}</small></td><td>${escape(e.models.join(", "))}</td><td>${escape(price(e))}</td>${now(e.id)}</tr>`)
    .join("\n");
  const live = availability
    ? `<p id="availability">Right now: <strong>${availability.runnersOnline} runner${availability.runnersOnline === 1 ? "" : "s"} online</strong>${availability.models.length ? `, models ${availability.models.map((m) => `<code>${escape(m)}</code>`).join(", ")}` : ""}. <a href="/health">/health</a></p>`
    : `<p id="availability">Availability unknown right now. <a href="/health">/health</a></p>`;
  const example = first
    ? `import { x402Client } from "@x402/core/client";
${snippets.map((s) => s.import).join("\n")}
import { wrapFetchWithPayment } from "@x402/fetch";
import { privateKeyToAccount } from "viem/accounts";

const client = new x402Client();
${snippets.map((s) => s.register).join("\n")}
const pay = wrapFetchWithPayment(fetch, client);
const response = await pay("${origin}${first.path}", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: ${JSON.stringify(JSON.stringify(first.example.input)).slice(0, 400)},
});
console.log(await response.json());`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge402 — inference for USDC over x402</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{background:#f5f5f5;padding:1rem;overflow:auto}small{color:#666}.ok{color:#176f2c}.no{color:#a61b1b}</style>
</head><body>
<h1>edge402</h1>
<p>AI inference on home hardware, sold per call for USDC over <a href="https://github.com/coinbase/x402">x402</a>. No accounts, no API keys: the payment is the authentication. You are charged only for results you receive.</p>
<p>Payment: ${names.map((n) => `<code>${escape(n)}</code>`).join(", ")} scheme${names.length === 1 ? "" : "s"}, network <code>${escape(config.payment.network)}</code>, asset <code>${escape(config.payment.asset)}</code>, paid to <code>${escape(config.payment.payTo)}</code>.
Machine-readable: <a href="/.well-known/x402">/.well-known/x402</a> · <a href="/openapi.json">/openapi.json</a> · <a href="/v1/models">/v1/models</a><br>
MCP agents: the same services are paid tools at <code>POST ${escape(origin)}/mcp</code> (Streamable HTTP; x402 payment in <code>_meta["x402/payment"]</code>).</p>
${live}
<table><thead><tr><th>endpoint</th><th>what</th><th>model</th><th>price (USDC)</th><th>now</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Pay from code</h2>
<p>Any x402 client works; with the official <code>@x402/fetch</code>:</p>
<pre>${escape(example)}</pre>
<p>Without payment, each endpoint answers <code>402</code> with the price in the <code>PAYMENT-REQUIRED</code> header.</p>
</body></html>`;
}
