import { verify } from "node:crypto";
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { base64UrlToBytes } from "../../../protocol/base64.ts";
import { TunnelCloseCode } from "../../../protocol/close-codes.ts";
import { authMessage } from "../../../protocol/handshake.ts";
import { PING_FRAME, PONG_FRAME, PROTOCOL_VERSION } from "../../../protocol/tunnel-messages.ts";
import { systemClock } from "../../../node-runner/clock.ts";
import { createTunnelClient, type TunnelEvents } from "../../../node-runner/tunnel/tunnel-client.ts";
import type { RawFrame, TunnelSocket, TunnelSocketOptions } from "../../../node-runner/tunnel/socket.ts";
import { newKey } from "./support/runner-fixture.ts";
import { captureLogger } from "./support/capture-logger.ts";

/** A socket the test plays the edge for, synchronously. */
class StubSocket extends EventEmitter implements TunnelSocket {
  static created: StubSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];

  constructor(
    readonly url: string,
    readonly options?: TunnelSocketOptions,
  ) {
    super();
    StubSocket.created.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ""): void {
    this.drop(code, reason);
  }
  terminate(): void {
    this.drop(1006, "");
  }
  // The edge's side:
  open(): void {
    this.readyState = 1;
    this.emit("open");
  }
  frame(message: object | string): void {
    const text = typeof message === "string" ? message : JSON.stringify(message);
    this.emit("message", Buffer.from(text) satisfies RawFrame, false);
  }
  drop(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit("close", code, Buffer.from(reason));
  }
}

const CHALLENGE = "A".repeat(43);

describe("tunnel client", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    StubSocket.created = [];
  });
  afterEach(() => vi.useRealTimers());

  async function setup() {
    const { key } = await newKey();
    const log = captureLogger();
    const events: TunnelEvents = { onReady: vi.fn(), onJob: vi.fn(), onCancel: vi.fn(), onDisconnected: vi.fn() };
    const client = createTunnelClient({
      url: "wss://edge.example/tunnel",
      key,
      WebSocket: StubSocket,
      heartbeatMs: 15_000,
      logger: log.logger,
      clock: systemClock,
      random: () => 0.5,
      events,
    });
    const socket = (i: number) => {
      const s = StubSocket.created[i];
      if (!s) throw new Error(`no socket ${i}`);
      return s;
    };
    const authenticate = (s: StubSocket) => {
      s.open();
      s.frame({ type: "challenge", protocol: PROTOCOL_VERSION, challenge: CHALLENGE });
      s.frame({ type: "ready", runnerId: key.runnerId });
    };
    return { client, key, log, events, socket, authenticate };
  }

  it("dials without compression, answers the challenge, and reports ready", async () => {
    const { client, key, events, socket, authenticate } = await setup();
    client.start();
    expect(socket(0).url).toBe("wss://edge.example/tunnel");
    expect(socket(0).options).toMatchObject({ perMessageDeflate: false });
    authenticate(socket(0));
    const auth = JSON.parse(socket(0).sent[0] ?? "{}");
    expect(auth).toMatchObject({ type: "auth", runnerId: key.runnerId, challenge: CHALLENGE, timestamp: Date.now() });
    expect(events.onReady).toHaveBeenCalledTimes(1);
    expect(client.current()?.isOpen).toBe(true);
  });

  it("signs for the host it dialled, so the answer cannot be relayed to another edge", async () => {
    const { client, key, socket, authenticate } = await setup();
    client.start();
    authenticate(socket(0));
    const auth = JSON.parse(socket(0).sent[0] ?? "{}") as { challenge: string; timestamp: number; signature: string };
    const signed = (edgeHost: string) => authMessage({ edgeHost, challenge: auth.challenge, runnerId: key.runnerId, timestampMs: auth.timestamp });
    const signature = base64UrlToBytes(auth.signature)!;
    expect(verify(null, signed("edge.example"), key.privateKey, signature)).toBe(true);
    expect(verify(null, signed("other-edge.example"), key.privateKey, signature)).toBe(false);
  });

  it("pings with exactly PING_FRAME and drops a link silent for two intervals", async () => {
    const { client, socket, authenticate, events } = await setup();
    client.start();
    authenticate(socket(0));
    vi.advanceTimersByTime(15_000);
    expect(socket(0).sent.at(-1)).toBe(PING_FRAME);
    socket(0).frame(PONG_FRAME);
    vi.advanceTimersByTime(15_000);
    expect(socket(0).readyState).toBe(1);
    vi.advanceTimersByTime(15_000);
    expect(socket(0).readyState).toBe(3);
    expect(events.onDisconnected).toHaveBeenCalledTimes(1);
  });

  it("backs off with full jitter, and resets after a connection that stayed up 10 s", async () => {
    const { client, socket, authenticate, log } = await setup();
    client.start();
    socket(0).drop(1006, "");
    // random 0.5: attempt 0 → 250 ms, attempt 1 → 500 ms, attempt 2 → 1000 ms
    vi.advanceTimersByTime(249);
    expect(StubSocket.created).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(StubSocket.created).toHaveLength(2);
    socket(1).drop(1006, "");
    vi.advanceTimersByTime(500);
    expect(StubSocket.created).toHaveLength(3);
    authenticate(socket(2));
    vi.advanceTimersByTime(10_000);
    socket(2).frame(PONG_FRAME);
    socket(2).drop(1012, "restart");
    expect(log.lines.at(-1)).toMatch(/ warn disconnected .*code=1012 reason=restart retryInMs=250$/);
  });

  it.each([TunnelCloseCode.unknown_runner, TunnelCloseCode.bad_signature])(
    "after close code %i logs what the operator must do and retries at the cap",
    async (code) => {
      const { client, socket, log } = await setup();
      client.start();
      socket(0).open();
      socket(0).drop(code, "x");
      expect(log.lines.at(-1)).toMatch(new RegExp(` error could not connect: .*RUNNER_KEYS.* code=${code} .*retryInMs=30000`));
      vi.advanceTimersByTime(29_999);
      expect(StubSocket.created).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(StubSocket.created).toHaveLength(2);
      await client.stop();
    },
  );

  it("says so when the edge speaks another protocol version", async () => {
    const { client, socket, log } = await setup();
    client.start();
    socket(0).open();
    socket(0).frame({ type: "challenge", protocol: PROTOCOL_VERSION + 1, challenge: CHALLENGE });
    const mismatch = new RegExp(` error the edge speaks another tunnel protocol version.*edgeProtocol=${PROTOCOL_VERSION + 1} runnerProtocol=${PROTOCOL_VERSION}`);
    expect(log.lines.some((l) => mismatch.test(l))).toBe(true);
    expect(socket(0).sent).toEqual([]);
  });

  it("sends nothing on a session once its socket is gone, and stops reconnecting when stopped", async () => {
    const { client, socket, authenticate } = await setup();
    client.start();
    authenticate(socket(0));
    const session = client.current();
    socket(0).drop(1006, "");
    expect(session?.send({ type: "draining" })).toBe(false);
    await client.stop();
    vi.advanceTimersByTime(60_000);
    expect(StubSocket.created).toHaveLength(1);
  });
});
