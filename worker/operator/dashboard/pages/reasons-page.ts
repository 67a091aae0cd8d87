import { REASON_DOCS, reasonMeaning } from "../reasons.ts";
import { escapeHtml, layout } from "./layout.ts";

/** GET /dashboard/reasons[?code=…]: what each refusal and failure reason means (the dashboard links every reason here). */
export function reasonsPage(code: string | null): string {
  const asked = code
    ? `<div class="card asked" id="${escapeHtml(code)}"><h3><code>${escapeHtml(code)}</code></h3><p data-reason-meaning>${escapeHtml(reasonMeaning(code) ?? "A code this page does not know: a remote facilitator's own, or a newer edge's. The edge's log and ARCHITECTURE.md say more.")}</p></div>`
    : "";
  const section = (kind: string, title: string) =>
    `<div class="card"><h3>${title}</h3><dl>${REASON_DOCS.filter((d) => d.kind === kind)
      .map((d) => `<dt id="${d.code}"><code>${d.code}</code></dt><dd>${escapeHtml(d.meaning)}</dd>`)
      .join("")}</dl></div>`;
  return layout(
    "edge402 — reasons",
    `<header class="top"><div class="brand"><a href="/dashboard" class="logo">edge402</a> reasons</div></header>
<main class="dashboard reasons">
  ${asked}
  ${section("refusal", "Refusals (402): the payment was not accepted")}
  <div class="card"><h3>A scheme's own checks</h3><p><code>invalid_&lt;scheme&gt;_evm_&lt;check&gt;</code>: the scheme's verification of the payment failed at <em>check</em> (signature, amount, validity window, recipient, channel state…), as the x402 spec names it. Nothing was run or charged.</p></div>
  ${section("failure", "Failures: the job did not produce a result (nothing charged)")}
  ${section("outcome", "How a call ended without a charge")}
</main>`,
  );
}
