import { JobIdSchema } from "../../protocol/tunnel-messages.ts";
/**
 * What can still be learnt from a frame that failed validation: a `job`'s id, to answer `invalid_job`
 * instead of leaving the edge to time out; and a `challenge`'s protocol version, to tell the operator
 * to upgrade rather than fail the handshake in silence. Only well-formed values are returned.
 */

export interface RejectedFrame {
  jobId: string | null;
  /** The protocol version of a challenge the runner could not accept. */
  challengeProtocol: number | null;
}

export function inspectRejectedFrame(frame: string): RejectedFrame {
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { jobId: null, challengeProtocol: null };
  }
  if (typeof json !== "object" || json === null) return { jobId: null, challengeProtocol: null };
  const record = json as Record<string, unknown>;
  return {
    jobId: record.type === "job" && typeof record.id === "string" && JobIdSchema.safeParse(record.id).success ? record.id : null,
    challengeProtocol: record.type === "challenge" && typeof record.protocol === "number" ? record.protocol : null,
  };
}
