import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bytesToBase64Url } from "../../protocol/base64.ts";
import { TunnelCloseCode, type TunnelCloseReason } from "../../protocol/close-codes.ts";
import { HANDSHAKE_TIMEOUT_MS } from "../../protocol/handshake.ts";
import { pool, waitForPool } from "./support/pool.ts";
import { testIdentity, TunnelClient } from "./support/tunnel-client.ts";

// What a stranger on the internet can do to the tunnel endpoint, and what a runner holding a valid
// key cannot do beyond its own identity. tunnel-handshake.test.ts has the basic cases (known key,
// unknown key, replayed challenge, another runner's id, heartbeat and handshake timeouts).

/** Opens a socket, lets `act` speak, and returns how the edge closed it; the socket never became ready. */
async function refusal(act: (client: TunnelClient) => Promise<unknown>): Promise<{ code: number; reason: string }> {
  const client = await TunnelClient.open();
  await act(client);
  const closed = await client.closed;
  expect(client.pending().filter((m) => m.type === "ready")).toEqual([]);
  return closed;
}

function expectClosedWith(closed: { code: number; reason: string }, reason: TunnelCloseReason) {
  expect(closed.code).toBe(TunnelCloseCode[reason]);
  expect(closed.reason).toContain(reason);
}

/** An auth frame for the socket's challenge with `fields` replaced verbatim (no signing). */
async function rawAuth(client: TunnelClient, fields: Record<string, unknown>) {
  const identity = await testIdentity(0);
  const { challenge } = await client.expect("challenge");
  client.send({ type: "auth", runnerId: identity.runnerId, challenge, timestamp: Date.now(), signature: "A".repeat(86), ...fields });
}

describe("tunnel: keys", () => {
  it("refuses an Ed25519 key the edge does not list, under its own id (unknown_runner)", async () => {
    const stranger = await testIdentity(2);
    expectClosedWith(await refusal((c) => c.authenticate(stranger)), "unknown_runner");
    expect((await pool().status()).some((r) => r.runnerId === stranger.runnerId)).toBe(false);
  });

  it("refuses an unknown key that claims a listed runner's id (bad_signature): ids cannot be borrowed", async () => {
    const stranger = await testIdentity(2);
    const victim = await testIdentity(0);
    expectClosedWith(await refusal((c) => c.authenticate(stranger, { runnerId: victim.runnerId })), "bad_signature");
  });

  it("a listed runner cannot sign in as the other listed runner", async () => {
    const [a, b] = [await testIdentity(0), await testIdentity(1)];
    expectClosedWith(await refusal((c) => c.authenticate(b, { runnerId: a.runnerId })), "bad_signature");
    expectClosedWith(await refusal((c) => c.authenticate(a, { runnerId: b.runnerId })), "bad_signature");
  });
});

describe("tunnel: what the signature binds", () => {
  it.each([
    ["another host", "evil.example"],
    ["the same host on another port", "edge.test:8443"],
    ["the host with a path", "edge.test/tunnel"],
    ["an empty host", ""],
  ])("refuses a signature made for %s (a challenge relayed from this edge through another)", async (_name, edgeHost) => {
    const identity = await testIdentity(0);
    const closed = await refusal((c) => c.authenticate(identity, { edgeHost }));
    expectClosedWith(closed, "bad_signature");
    // The runner is told which host this edge verified against, so a Host-rewriting proxy is diagnosable.
    expect(closed.reason).toContain("expected a signature for host edge.test");
  });

  it("accepts the same runner signing for this edge's host (the control for the case above)", async () => {
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await client.authenticate(identity, { edgeHost: "edge.test" });
    expect((await client.expect("ready")).runnerId).toBe(identity.runnerId);
    client.close();
  });

  it.each([
    ["the bare challenge", (challenge: string) => challenge],
    ["the challenge's bytes in the old v1 layout", (challenge: string, runnerId: string, ts: number) => `edge402-tunnel-auth:v1\n${challenge}\n${runnerId}\n${ts}`],
    ["the right fields in another order", (challenge: string, runnerId: string, ts: number) => `edge402-tunnel-auth:v2\n${runnerId}\nedge.test\n${challenge}\n${ts}`],
    ["another purpose's domain", (challenge: string, runnerId: string, ts: number) => `edge402-payment:v2\nedge.test\n${challenge}\n${runnerId}\n${ts}`],
  ])("refuses a signature over %s", async (_name, message) => {
    const identity = await testIdentity(0);
    const closed = await refusal(async (client) => {
      const { challenge } = await client.expect("challenge");
      const timestamp = Date.now();
      const signature = await identity.sign(new TextEncoder().encode(message(challenge, identity.runnerId, timestamp)));
      client.send({ type: "auth", runnerId: identity.runnerId, challenge, timestamp, signature: bytesToBase64Url(signature) });
    });
    expectClosedWith(closed, "bad_signature");
  });
});

describe("tunnel: stale handshakes", () => {
  it("refuses a valid signature sent after the handshake deadline, before the sweep has closed the socket", async () => {
    // Regression: the deadline was enforced only by the alarm sweep, so a challenge could be answered
    // long after it was issued as long as the sweep had not come round yet.
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await ageChallengedSockets(HANDSHAKE_TIMEOUT_MS + 1_000);
    await client.authenticate(identity);
    const outcome = await Promise.race([client.next().then((m) => m.type), client.closed.then((c) => c.reason)]);
    expect(outcome).toBe("handshake_timeout");
    expect((await client.closed).code).toBe(TunnelCloseCode.handshake_timeout);
  });

  it("schedules the next sweep by a pending handshake's deadline, not a whole sweep interval later", async () => {
    // Regression: after a sweep the next one came 15 s later, so a socket that connected just after
    // the previous one stayed open without authenticating for up to 25 s.
    const late = await TunnelClient.open();
    await late.expect("challenge");
    await ageChallengedSockets(HANDSHAKE_TIMEOUT_MS + 1_000);
    const fresh = await TunnelClient.open();
    await fresh.expect("challenge");
    const deadline = await runInDurableObject(pool(), (_instance, state) =>
      Math.max(
        ...state
          .getWebSockets()
          .map((ws) => ws.deserializeAttachment() as { phase: string; connectedAt: number } | null)
          .filter((a) => a?.phase === "challenged")
          .map((a) => a!.connectedAt + HANDSHAKE_TIMEOUT_MS),
      ),
    );
    expect(await runDurableObjectAlarm(pool())).toBe(true);
    expectClosedWith(await late.closed, "handshake_timeout");
    const nextSweep = await runInDurableObject(pool(), (_instance, state) => state.storage.getAlarm());
    expect(nextSweep).not.toBeNull();
    expect(nextSweep!).toBeLessThanOrEqual(deadline);
    fresh.close();
  });

  it.each([
    ["five minutes old", -5 * 60_000],
    ["61 seconds old", -61_000],
    ["five minutes ahead", 5 * 60_000],
  ])("refuses a timestamp %s (stale_timestamp)", async (_name, offset) => {
    const identity = await testIdentity(1);
    expectClosedWith(await refusal((c) => c.authenticate(identity, { timestamp: Date.now() + offset })), "stale_timestamp");
  });
});

describe("tunnel: malformed handshakes", () => {
  it.each([
    ["a signature one character short", { signature: "A".repeat(85) }],
    ["a signature two characters long", { signature: "AA" }],
    ["a signature padded like base64", { signature: `${"A".repeat(86)}==` }],
    ["a signature in standard base64 (+ and /)", { signature: `${"+/".repeat(43)}` }],
    ["a signature that is not a string", { signature: 42 }],
    ["a timestamp that is not an integer", { timestamp: 1.5 }],
    ["a negative timestamp", { timestamp: -1 }],
    ["a timestamp beyond 2^53", { timestamp: 2 ** 60 }],
    ["a timestamp as text", { timestamp: String(Date.now()) }],
    ["a runner id that is not one", { runnerId: "rn_../../admin" }],
    ["an extra field", { role: "admin" }],
    ["a challenge of the wrong length", { challenge: "A".repeat(44) }],
  ])("closes an auth message with %s (protocol_error)", async (_name, fields) => {
    expectClosedWith(await refusal((c) => rawAuth(c, fields)), "protocol_error");
  });

  it.each([
    ["64 zero bytes", new Uint8Array(64)],
    ["64 random bytes", crypto.getRandomValues(new Uint8Array(64))],
    ["64 bytes of 0xff", new Uint8Array(64).fill(0xff)],
  ])("refuses a well-formed signature of %s (bad_signature)", async (_name, bytes) => {
    expectClosedWith(await refusal((c) => rawAuth(c, { signature: bytesToBase64Url(bytes) })), "bad_signature");
  });

  it("refuses an oversized frame before authentication without parsing it", async () => {
    // Regression: before authentication a stranger's frames of up to 24 MiB were parsed as JSON by the
    // one object that routes every job.
    const closed = await refusal(async (client) => {
      await client.expect("challenge");
      client.ws.send(JSON.stringify({ type: "auth", padding: "x".repeat(64 * 1024) }));
    });
    expectClosedWith(closed, "protocol_error");
    expect(closed.reason).toContain("too large");
  });

  it("closes a binary frame before authentication", async () => {
    const closed = await refusal(async (client) => {
      await client.expect("challenge");
      client.ws.send(new Uint8Array([0x7b, 0x7d]));
    });
    expectClosedWith(closed, "protocol_error");
  });

  it("answers a plain GET of /tunnel with 426, without touching the pool", async () => {
    const response = await exports.default.fetch("http://edge.test/tunnel");
    expect(response.status).toBe(426);
    expect(response.webSocket).toBeNull();
  });
});

describe("tunnel: hello from an authenticated runner", () => {
  const model = { name: "qwen2.5:7b", capacity: 1 };
  it.each([
    ["a name over 64 characters", { name: "n".repeat(65) }],
    ["a version over 32 characters", { version: "v".repeat(33) }],
    ["257 models", { models: Array.from({ length: 257 }, (_, i) => ({ name: `m${i}:1b`, capacity: 1 })) }],
    ["a capacity of 65", { models: [{ ...model, capacity: 65 }] }],
    ["a model name that is a path", { models: [{ ...model, name: "../../etc/passwd" }] }],
    ["a model with 17 capabilities", { models: [{ ...model, capabilities: Array.from({ length: 17 }, (_, i) => `c${i}`) }] }],
    ["a capability over 32 characters", { models: [{ ...model, capabilities: ["c".repeat(33)] }] }],
    ["a maxQueue of 1025", { maxQueue: 1025 }],
    ["an extra field", { admin: true }],
  ])("closes a hello with %s (protocol_error) and the runner offers nothing", async (_name, fields) => {
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await client.authenticate(identity);
    await client.expect("ready");
    client.send({ type: "hello", runnerId: identity.runnerId, version: "test", models: [model], maxQueue: 4, ...fields });
    expectClosedWith(await client.closed, "protocol_error");
    await waitForPool((runners) => !runners.some((r) => r.runnerId === identity.runnerId));
  });
});

/** Makes the pool believe its unauthenticated sockets connected `ageMs` ago. */
async function ageChallengedSockets(ageMs: number) {
  await runInDurableObject(pool(), (_instance, state) => {
    for (const ws of state.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as { phase: string; connectedAt: number } | null;
      if (attachment?.phase === "challenged") ws.serializeAttachment({ ...attachment, connectedAt: Date.now() - ageMs });
    }
  });
}
