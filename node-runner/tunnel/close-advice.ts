import { closeReasonFromCode, OPERATOR_ACTION_CLOSE_CODES, TunnelCloseCode } from "../../protocol/close-codes.ts";

/** What a close code means for the operator and for when to dial again. */
export interface CloseAdvice {
  /** The protocol's name for the code, or null for standard codes (1000–1015). */
  reason: string | null;
  /** "cap": waiting longer cannot help until something changes, so do not hammer the edge. */
  retry: "backoff" | "cap";
  /** A sentence for the operator when they have to do something. */
  advice: string | null;
}

export function adviseOnClose(code: number): CloseAdvice {
  const reason = closeReasonFromCode(code);
  switch (code) {
    case TunnelCloseCode.unknown_runner:
      return {
        reason,
        retry: "cap",
        advice:
          "the edge does not know this runner's public key: ask the edge operator to add it to RUNNER_KEYS (print it with `node-runner public-key`)",
      };
    case TunnelCloseCode.bad_signature:
      return {
        reason,
        retry: "cap",
        advice:
          "the edge holds a different public key for this runner id (RUNNER_KEYS has a stale entry or the key file was replaced: give the edge operator the current key, `node-runner public-key`), or the edge sees another host name than this runner dialled (the close reason names it; a proxy rewriting Host): set EDGE_URL to that host",
      };
    case TunnelCloseCode.replaced:
      return {
        reason,
        retry: "cap",
        advice: "another runner using the same key connected to the edge; give each machine its own key (`node-runner keygen`)",
      };
    case TunnelCloseCode.stale_timestamp:
      return { reason, retry: "backoff", advice: "this machine's clock is more than a minute off; turn on automatic time sync" };
    default:
      return { reason, retry: OPERATOR_ACTION_CLOSE_CODES.has(code) ? "cap" : "backoff", advice: null };
  }
}
