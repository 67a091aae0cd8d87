import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TunnelCloseCode } from "../../protocol/close-codes.ts";
import { hostileJson, hostileText, multibyteText, setAt } from "../support/hostile-arbitraries.ts";
import { waitForPool } from "./support/pool.ts";
import { testIdentity, TunnelClient, type TestIdentity } from "./support/tunnel-client.ts";

// Generated frames from a runner, before and after it authenticated: the RunnerPool closes the
// socket with protocol_error (4000) and a reason, whatever the frame holds, and keeps serving. Each
// run opens and authenticates a socket (an Ed25519 signature and a few round trips), so 25 runs.

const JOB = "0b5a3c1e-1111-4222-8333-944455556666";
const VALID_FRAMES: Record<string, unknown>[] = [
  { type: "chunk", id: JOB, seq: 0, content: "Hel" },
  { type: "done", id: JOB, doneReason: "stop", metrics: {} },
  { type: "error", id: JOB, code: "ollama_error", message: "boom" },
  { type: "draining" },
  { type: "ping" },
];

/** Frames no schema accepts: not JSON, no known type, or a known type with one key too many. */
const invalidFrame = fc.oneof(
  hostileText(200).filter((t) => t.trim() !== "" && !/^\s*[{[]/.test(t)),
  hostileJson.filter((j) => typeof j !== "object" || j === null || Array.isArray(j)).map((j) => JSON.stringify(j) ?? "null"),
  // An unknown key echoes into the error (and the close reason): unicode keys make it many bytes.
  fc.tuple(fc.constantFrom(...VALID_FRAMES), fc.oneof(hostileText(40), multibyteText(20, 60)).filter((k) => k.length > 0 && !["type", "id", "seq", "content", "thinking", "doneReason", "metrics", "embeddings", "code", "message"].includes(k)), hostileJson).map(([frame, key, value]) =>
    JSON.stringify(setAt(frame, [key], value)),
  ),
);

let identity: TestIdentity;
const open: TunnelClient[] = [];

beforeAll(async () => {
  identity = await testIdentity(1);
  await waitForPool((runners) => runners.length === 0);
});

afterEach(async () => {
  for (const client of open.splice(0)) client.close();
  await waitForPool((runners) => runners.length === 0);
});

async function expectClosedForProtocol(client: TunnelClient) {
  const closed = await client.closed;
  expect(closed.code).toBe(TunnelCloseCode.protocol_error);
  expect(closed.reason).toMatch(/^protocol_error/);
  // The reason is what a WebSocket close frame can carry.
  expect(new TextEncoder().encode(closed.reason).byteLength).toBeLessThanOrEqual(123);
}

describe("tunnel frames, generated", () => {
  it(
    "an authenticated runner that sends an invalid frame is disconnected with protocol_error",
    async () => {
      await fc.assert(
        fc.asyncProperty(invalidFrame, async (frame) => {
          const client = await TunnelClient.open();
          open.push(client);
          await client.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 1 }]);
          await waitForPool((runners) => runners.length === 1);
          client.ws.send(frame);
          await expectClosedForProtocol(client);
          await waitForPool((runners) => runners.length === 0);
        }),
        { numRuns: 25 },
      );
    },
    120_000,
  );

  it(
    "a stranger that sends an invalid frame before authenticating is disconnected with protocol_error",
    async () => {
      await fc.assert(
        fc.asyncProperty(invalidFrame, async (frame) => {
          const client = await TunnelClient.open();
          open.push(client);
          await client.expect("challenge");
          client.ws.send(frame);
          await expectClosedForProtocol(client);
        }),
        { numRuns: 25 },
      );
    },
    120_000,
  );
});

describe("tunnel frames, regressions found by the properties above", () => {
  it("a frame with a 100-character unicode key closes the tunnel with protocol_error, instead of close() throwing on a reason over 123 bytes and the socket staying open", async () => {
    const client = await TunnelClient.open();
    open.push(client);
    await client.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 1 }]);
    await waitForPool((runners) => runners.length === 1);
    client.send({ type: "ping", ["é".repeat(100)]: 1 });
    await expectClosedForProtocol(client);
  });
});
