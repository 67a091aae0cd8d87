import { env, exports } from "cloudflare:workers";
import { bytesToBase64Url, base64UrlToBytes } from "../../../protocol/base64.ts";
import { authMessage, edgeHostOf, runnerIdFromPublicKey } from "../../../protocol/handshake.ts";
import { parseEdgeMessage, type EdgeMessage, type HelloMessage, type RunnerMessage } from "../../../protocol/tunnel-messages.ts";

/** Where the test runners dial: the edge's host in what they sign is "edge.test". */
export const TUNNEL_URL = "http://edge.test/tunnel";

export interface TestIdentity {
  runnerId: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Identities generated for this run by vitest.config.mts: [0] and [1] are in RUNNER_KEYS, [2] is not. */
export async function testIdentity(index: 0 | 1 | 2): Promise<TestIdentity> {
  const jwk = (JSON.parse(env.TEST_RUNNER_JWKS) as JsonWebKey[])[index]!;
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
  return {
    runnerId: await runnerIdFromPublicKey(base64UrlToBytes(jwk.x!)!),
    sign: async (data) => new Uint8Array(await crypto.subtle.sign("Ed25519", key, data)),
  };
}

/**
 * A runner's side of the tunnel, driven by the test: every frame the edge sends is queued and can be
 * awaited in order; the close event is a promise.
 */
export class TunnelClient {
  private readonly queue: EdgeMessage[] = [];
  private waiters: Array<(m: EdgeMessage) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    ws.addEventListener("message", (e) => {
      const parsed = parseEdgeMessage(e.data as string);
      if (!parsed.ok) throw new Error(`edge sent an invalid frame: ${parsed.error}`);
      const waiter = this.waiters.shift();
      if (waiter) waiter(parsed.message);
      else this.queue.push(parsed.message);
    });
  }

  static async open(): Promise<TunnelClient> {
    const response = await exports.default.fetch(TUNNEL_URL, { headers: { Upgrade: "websocket" } });
    const ws = response.webSocket;
    if (!ws) throw new Error(`tunnel upgrade failed: HTTP ${response.status}`);
    ws.accept();
    return new TunnelClient(ws);
  }

  /** Frames received but not yet consumed with next()/expect(). */
  pending(): readonly EdgeMessage[] {
    return this.queue;
  }

  next(): Promise<EdgeMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async expect<T extends EdgeMessage["type"]>(type: T): Promise<Extract<EdgeMessage, { type: T }>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<EdgeMessage, { type: T }>;
  }

  send(message: RunnerMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Answers the challenge; `tamper` lets a test break one part of the auth message. */
  async authenticate(
    identity: TestIdentity,
    tamper: { timestamp?: number; challenge?: string; runnerId?: string; edgeHost?: string; corruptSignature?: boolean } = {},
  ) {
    const { challenge: issued } = await this.expect("challenge");
    const challenge = tamper.challenge ?? issued;
    const runnerId = tamper.runnerId ?? identity.runnerId;
    const timestamp = tamper.timestamp ?? Date.now();
    const edgeHost = tamper.edgeHost ?? edgeHostOf(TUNNEL_URL);
    const signature = await identity.sign(authMessage({ edgeHost, challenge, runnerId, timestampMs: timestamp }));
    if (tamper.corruptSignature) signature[0] = signature[0]! ^ 0xff;
    this.send({ type: "auth", runnerId, challenge, timestamp, signature: bytesToBase64Url(signature) });
    return { challenge, runnerId, timestamp, signature: bytesToBase64Url(signature) };
  }

  async connectAs(identity: TestIdentity, models: Array<{ name: string; capacity: number }>, maxQueue = 4): Promise<void> {
    await this.authenticate(identity);
    await this.expect("ready");
    const hello: HelloMessage = { type: "hello", runnerId: identity.runnerId, version: "test", models, maxQueue };
    this.send(hello);
  }

  close(): void {
    this.ws.close(1000, "test done");
  }
}
