/**
 * WebSocket close codes the edge uses to end a tunnel. 4000–4999 is the range RFC 6455 leaves to
 * applications; the reason string sent with each is the snake_case key.
 */
export const TunnelCloseCode = {
  protocol_error: 4000,
  handshake_timeout: 4001,
  unknown_runner: 4002,
  bad_signature: 4003,
  stale_timestamp: 4004,
  challenge_replayed: 4005,
  challenge_mismatch: 4006,
  replaced: 4007,
  heartbeat_timeout: 4008,
  runner_id_mismatch: 4009,
} as const;
export type TunnelCloseReason = keyof typeof TunnelCloseCode;

/** RFC 6455: a close frame carries at most 123 bytes of reason; WebSocket.close() throws on more. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `reason: detail` as a close frame can carry it: cut to 123 bytes of UTF-8 at a character boundary
 * (details quote what a peer sent, so they can be any text; a reason that is too long makes close()
 * throw, and the socket would stay open).
 */
export function closeReasonText(reason: TunnelCloseReason, detail?: string): string {
  const encoder = new TextEncoder();
  let text = "";
  let bytes = 0;
  for (const char of detail ? `${reason}: ${detail}` : reason) {
    // A lone surrogate would be sent as U+FFFD anyway: count (and send) it as that.
    const safe = char.length === 1 && char >= "\ud800" && char <= "\udfff" ? "\ufffd" : char;
    bytes += encoder.encode(safe).byteLength;
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    text += safe;
  }
  return text;
}

export function closeReasonFromCode(code: number): TunnelCloseReason | null {
  for (const [reason, value] of Object.entries(TunnelCloseCode)) {
    if (value === code) return reason as TunnelCloseReason;
  }
  return null;
}

/** Codes after which reconnecting with the same key cannot succeed until the operator acts. */
export const OPERATOR_ACTION_CLOSE_CODES: ReadonlySet<number> = new Set([
  TunnelCloseCode.unknown_runner,
  TunnelCloseCode.bad_signature,
]);
