import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeReasonText, MAX_CLOSE_REASON_BYTES, TunnelCloseCode, type TunnelCloseReason } from "../../../protocol/close-codes.ts";
import { hostileText, multibyteText } from "../../support/hostile-arbitraries.ts";

// The RunnerPool closes a tunnel with `reason: detail`, where the detail quotes what the peer sent.
// A close frame carries at most 123 bytes of UTF-8, and WebSocket.close() throws on more — which left
// the socket open. Pure and fast: 500 runs.

const reasons = Object.keys(TunnelCloseCode) as TunnelCloseReason[];

describe("closeReasonText, generated", () => {
  it("always fits a close frame, starts with the reason, and keeps as much of the detail as fits", () => {
    fc.assert(
      fc.property(fc.constantFrom(...reasons), fc.option(fc.oneof(hostileText(200), multibyteText(0, 200)), { nil: undefined }), (reason, detail) => {
        const text = closeReasonText(reason, detail);
        const bytes = new TextEncoder().encode(text).byteLength;
        expect(bytes).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        expect(text.startsWith(reason)).toBe(true);
        // No lone surrogate is left for the encoder to replace: what is sent is what was counted.
        expect(text).toBe(new TextDecoder().decode(new TextEncoder().encode(text)));
        // Cut only when the next character would not fit.
        const full = detail ? `${reason}: ${detail}` : reason;
        if ([...text].length < [...full].length) expect(bytes).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - 4);
      }),
      { numRuns: 500 },
    );
  });
});
