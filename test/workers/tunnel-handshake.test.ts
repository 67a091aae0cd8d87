import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TunnelCloseCode } from "../../protocol/close-codes.ts";
import { testIdentity, TunnelClient } from "./support/tunnel-client.ts";
import { pool, waitForPool } from "./support/pool.ts";

describe("tunnel handshake", () => {
  it("accepts a known key: ready, then the runner appears in the pool with its models", async () => {
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await client.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 2 }]);
    const runners = await waitForPool((rs) => rs.some((r) => r.runnerId === identity.runnerId && r.models.length === 1));
    expect(runners.find((r) => r.runnerId === identity.runnerId)?.models).toEqual([{ name: "qwen2.5:7b", capacity: 2, inFlight: 0 }]);
    client.close();
  });

  it("sends a fresh challenge on every connection", async () => {
    const [a, b] = await Promise.all([TunnelClient.open(), TunnelClient.open()]);
    const [ca, cb] = await Promise.all([a.expect("challenge"), b.expect("challenge")]);
    expect(ca.challenge).not.toBe(cb.challenge);
    expect(ca.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    a.close();
    b.close();
  });

  it.each([
    ["unknown key", 2, {}, "unknown_runner"],
    ["bad signature", 0, { corruptSignature: true }, "bad_signature"],
    ["stale timestamp", 0, { timestamp: Date.now() - 5 * 60_000 }, "stale_timestamp"],
    ["timestamp from the future", 0, { timestamp: Date.now() + 5 * 60_000 }, "stale_timestamp"],
    ["a challenge it was never given", 0, { challenge: "A".repeat(43) }, "challenge_mismatch"],
  ] as const)("refuses %s with its close code, and the runner never joins the pool", async (_name, index, tamper, reason) => {
    const identity = await testIdentity(index);
    const client = await TunnelClient.open();
    await client.authenticate(identity, tamper);
    const closed = await client.closed;
    expect(closed.code).toBe(TunnelCloseCode[reason]);
    expect(closed.reason).toContain(reason);
    expect(client.pending()).toEqual([]); // no `ready`, so no job can ever be sent to it
    if (index === 2) expect((await pool().status()).some((r) => r.runnerId === identity.runnerId)).toBe(false);
  });

  it("refuses a replayed challenge (an auth message captured from an earlier handshake)", async () => {
    const identity = await testIdentity(1);
    const first = await TunnelClient.open();
    const auth = await first.authenticate(identity);
    await first.expect("ready");
    first.close();

    const second = await TunnelClient.open();
    await second.expect("challenge");
    second.send({ type: "auth", runnerId: auth.runnerId, challenge: auth.challenge, timestamp: auth.timestamp, signature: auth.signature });
    expect((await second.closed).code).toBe(TunnelCloseCode.challenge_replayed);
  });

  it("refuses a runner claiming another runner's id (it cannot sign for that key)", async () => {
    const victim = await testIdentity(0);
    const attacker = await testIdentity(1);
    const client = await TunnelClient.open();
    await client.authenticate(attacker, { runnerId: victim.runnerId });
    expect((await client.closed).code).toBe(TunnelCloseCode.bad_signature);
  });

  it("closes a socket that talks before authenticating", async () => {
    const client = await TunnelClient.open();
    await client.expect("challenge");
    client.send({ type: "hello", runnerId: "rn_00000000000000000000", version: "x", models: [], maxQueue: 0 });
    expect((await client.closed).code).toBe(TunnelCloseCode.protocol_error);
  });

  it("closes a socket that sends a malformed frame", async () => {
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await client.connectAs(identity, []);
    client.ws.send("{not json");
    expect((await client.closed).code).toBe(TunnelCloseCode.protocol_error);
  });

  it("closes a hello that names another runner", async () => {
    const identity = await testIdentity(0);
    const other = await testIdentity(1);
    const client = await TunnelClient.open();
    await client.authenticate(identity);
    await client.expect("ready");
    client.send({ type: "hello", runnerId: other.runnerId, version: "x", models: [], maxQueue: 0 });
    expect((await client.closed).code).toBe(TunnelCloseCode.runner_id_mismatch);
  });

  it("a second connection of the same runner replaces the first", async () => {
    const identity = await testIdentity(0);
    const first = await TunnelClient.open();
    await first.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 1 }]);
    const second = await TunnelClient.open();
    await second.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 3 }]);
    expect((await first.closed).code).toBe(TunnelCloseCode.replaced);
    await waitForPool((rs) => rs.filter((r) => r.runnerId === identity.runnerId).length === 1 && rs.some((r) => r.models[0]?.capacity === 3));
    second.close();
  });

  it("closes a socket that never authenticates (handshake timeout)", async () => {
    const client = await TunnelClient.open();
    await client.expect("challenge");
    await ageSockets("challenged", 60_000);
    await runDurableObjectAlarm(pool());
    expect((await client.closed).code).toBe(TunnelCloseCode.handshake_timeout);
  });

  it("drops a runner that went silent (heartbeat timeout) and fails its jobs", async () => {
    const identity = await testIdentity(0);
    const client = await TunnelClient.open();
    await client.connectAs(identity, [{ name: "qwen2.5:7b", capacity: 1 }]);
    await waitForPool((rs) => rs.some((r) => r.runnerId === identity.runnerId && r.models.length === 1));
    const dispatched = await pool().dispatch({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "x" }] }, { timeoutMs: 60_000 });
    if (!dispatched.ok) throw new Error(dispatched.message);
    await ageSockets("ready", 5 * 60_000);
    await runDurableObjectAlarm(pool());
    expect((await client.closed).code).toBe(TunnelCloseCode.heartbeat_timeout);
    const text = await new Response(dispatched.events).text();
    expect(text).toContain('"runner_disconnected"');
    expect(await pool().status()).toEqual([]);
  });
});

/** Makes the pool believe its sockets in `phase` connected (and were last heard from) `ageMs` ago. */
async function ageSockets(phase: "challenged" | "ready", ageMs: number) {
  await runInDurableObject(pool(), (instance, state) => {
    for (const ws of state.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as { phase: string; connectedAt: number } | null;
      if (attachment?.phase !== phase) continue;
      ws.serializeAttachment({ ...attachment, connectedAt: Date.now() - ageMs });
      instance["lastSeen"].delete(ws);
    }
  });
}
