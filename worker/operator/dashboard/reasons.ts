/**
 * What each refusal and failure code on the dashboard means, for the reasons page. The codes are the
 * edge's own (payments/core/reasons.ts, protocol/job.ts JobErrorCode, the call outcomes); a scheme's
 * verification codes (`invalid_<scheme>_evm_<check>`, verbatim from the x402 spec) are explained by
 * their pattern, so a scheme added later is covered without an entry here.
 */
export interface ReasonDoc {
  code: string;
  kind: "refusal" | "failure" | "outcome";
  meaning: string;
}

export const REASON_DOCS: readonly ReasonDoc[] = [
  { code: "payment_required", kind: "refusal", meaning: "No payment was sent: the 402 that quotes the price. Every paying client's first request ends here; not an error." },
  { code: "invalid_payload", kind: "refusal", meaning: "The payment header could not be decoded (not base64 JSON, or not the shape its scheme requires)." },
  { code: "invalid_x402_version", kind: "refusal", meaning: "The payment names an x402 version this edge does not speak (it speaks 1 and 2)." },
  { code: "unsupported_scheme", kind: "refusal", meaning: "The payment names a scheme this edge does not offer (see PAYMENT_SCHEMES)." },
  { code: "invalid_network", kind: "refusal", meaning: "The payment is for another network than this edge's NETWORK." },
  { code: "invalid_payment_requirements", kind: "refusal", meaning: "The terms the client echoed differ from the ones this edge quoted for this request." },
  { code: "payment_in_flight", kind: "refusal", meaning: "The same payment is already being served by another request (or was, by an edge that stopped mid-call: it frees itself when its lease ends)." },
  { code: "settlement_pending", kind: "refusal", meaning: "Settlement was sent but its outcome is not known yet; the payment is held and never served again." },
  { code: "unexpected_settle_error", kind: "refusal", meaning: "Settlement failed for a reason the chain or facilitator did not name; nothing was charged." },
  { code: "no_runner", kind: "failure", meaning: "No connected runner offers the model this service needs (503, Retry-After). Start a runner or pull the model." },
  { code: "runner_busy", kind: "failure", meaning: "Every runner with the model is full and its queue too (503, Retry-After)." },
  { code: "runner_shutting_down", kind: "failure", meaning: "The runner is draining (stopping) and takes no new job." },
  { code: "runner_disconnected", kind: "failure", meaning: "The runner's tunnel dropped before the job finished." },
  { code: "timeout", kind: "failure", meaning: "The job did not finish within JOB_TIMEOUT_MS (or the runner's own job timeout)." },
  { code: "cancelled", kind: "failure", meaning: "The job was cancelled: the client went away, or the payment proved unsettleable." },
  { code: "model_not_found", kind: "failure", meaning: "Ollama on the runner does not have the model (ollama pull it)." },
  { code: "ollama_unavailable", kind: "failure", meaning: "The runner could not reach Ollama." },
  { code: "ollama_error", kind: "failure", meaning: "Ollama answered with an error." },
  { code: "invalid_job", kind: "failure", meaning: "The runner refused the job's parameters." },
  { code: "invalid_output", kind: "failure", meaning: "The model's answer did not fit the service's output schema, even after one retry (502)." },
  { code: "internal", kind: "failure", meaning: "The runner failed in an unexpected way (its log says how)." },
  { code: "job_failed", kind: "outcome", meaning: "The job failed: the payment was released and nothing was charged." },
  { code: "settlement_failed", kind: "outcome", meaning: "The job worked but its payment could not be settled: the result was withheld and nothing was charged." },
  { code: "internal_error", kind: "outcome", meaning: "The edge failed in an unexpected way (its log says how); nothing was charged." },
];

const SCHEME_CODE = /^invalid_([a-z0-9]+(?:_[a-z0-9]+)*?)_evm_([a-z0-9_]+)$/;

/** The meaning of any code the dashboard shows; null for one it cannot explain. */
export function reasonMeaning(code: string): string | null {
  const known = REASON_DOCS.find((d) => d.code === code);
  if (known) return known.meaning;
  const scheme = SCHEME_CODE.exec(code);
  if (scheme) return `Refused by the ${scheme[1]!.replace(/_/g, "-")} scheme's verification of the payment: ${scheme[2]!.replace(/_/g, " ")} (a code of the x402 spec). Nothing was run or charged.`;
  return null;
}
