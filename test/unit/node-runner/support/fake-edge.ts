import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { base64UrlToBytes, bytesToBase64Url } from "../../../../protocol/base64.ts";
import { TunnelCloseCode } from "../../../../protocol/close-codes.ts";
import { authMessage, edgeHostOf, MAX_CLOCK_SKEW_MS, runnerIdFromPublicKey } from "../../../../protocol/handshake.ts";
import type { JobSpec } from "../../../../protocol/job.ts";
import {
  parseRunnerMessage,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type ChunkMessage,
  type DoneMessage,
  type ErrorMessage,
  type HelloMessage,
  type RunnerMessage,
} from "../../../../protocol/tunnel-messages.ts";
import { Changes } from "./wait-until.ts";

/**
 * A stand-in for the edge's tunnel endpoint, faithful to the protocol: it issues a challenge, verifies
 * the runner's Ed25519 signature with WebCrypto against the keys it trusts, and closes with the
 * protocol's codes. Every runner frame is validated with the protocol's schema; an invalid one is
 * recorded (tests assert there are none) and ends the connection, as the real edge would.
 */
export interface JobOutcome {
  chunks: ChunkMessage[];
  done?: DoneMessage;
  error?: ErrorMessage;
  /** The chunks' content joined. */
  content: string;
}

export class EdgeConnection {
  runnerId: string | null = null;
  readonly messages: RunnerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  #jobCounter = 0;

  constructor(
    readonly index: number,
    private readonly socket: WebSocket,
    private readonly changes: Changes,
  ) {}

  get hellos(): HelloMessage[] {
    return this.messages.filter((m): m is HelloMessage => m.type === "hello");
  }

  get draining(): boolean {
    return this.messages.some((m) => m.type === "draining");
  }

  send(message: object | string): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a job; the returned id is used to collect its outcome. */
  sendJob(spec: JobSpec, { timeoutMs = 60_000, id }: { timeoutMs?: number; id?: string } = {}): string {
    const jobId = id ?? `job_${this.index}_${String(++this.#jobCounter).padStart(6, "0")}`;
    this.send({ type: "job", id: jobId, spec, timeoutMs });
    return jobId;
  }

  cancel(id: string, reason: "client_gone" | "timeout" | "edge_shutdown" = "client_gone"): void {
    this.send({ type: "cancel", id, reason });
  }

  outcome(id: string): JobOutcome {
    const chunks = this.messages.filter((m): m is ChunkMessage => m.type === "chunk" && m.id === id);
    const done = this.messages.find((m): m is DoneMessage => m.type === "done" && m.id === id);
    const error = this.messages.find((m): m is ErrorMessage => m.type === "error" && m.id === id);
    return { chunks, ...(done && { done }), ...(error && { error }), content: chunks.map((c) => c.content).join("") };
  }

  /** Resolves once the job has ended (done or error). */
  finished(id: string, timeoutMs?: number): Promise<JobOutcome> {
    return this.changes.until(
      () => {
        const outcome = this.outcome(id);
        return outcome.done || outcome.error ? outcome : undefined;
      },
      `job ${id} to finish`,
      timeoutMs,
    );
  }

  /** Sends a job and waits for its end. */
  run(spec: JobSpec, options?: { timeoutMs?: number }): Promise<JobOutcome> {
    return this.finished(this.sendJob(spec, options));
  }

  waitFor<T>(check: (connection: this) => T | undefined | false | null, what: string, timeoutMs?: number): Promise<T> {
    return this.changes.until(() => check(this), what, timeoutMs);
  }

  close(code = 1000, reason = ""): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  untilClosed(timeoutMs?: number): Promise<{ code: number; reason: string }> {
    return this.changes.until(() => this.closed, `connection ${this.index} to close`, timeoutMs);
  }
}

export interface FakeEdgeOptions {
  /** base64url raw Ed25519 public keys (the JWK `x`) the edge accepts. */
  trust?: readonly string[];
  /** Answer PING_FRAME with PONG_FRAME (default true). */
  answerPings?: boolean;
}

export class FakeEdge {
  readonly connections: EdgeConnection[] = [];
  /** Frames from a runner that failed the protocol's schema. */
  readonly protocolErrors: string[] = [];
  readonly changes = new Changes();
  answerPings: boolean;
  readonly #keys = new Map<string, Awaited<ReturnType<typeof crypto.subtle.importKey>>>();

  private constructor(
    private readonly server: WebSocketServer,
    readonly url: string,
    options: FakeEdgeOptions,
  ) {
    this.answerPings = options.answerPings ?? true;
  }

  static async start(options: FakeEdgeOptions = {}): Promise<FakeEdge> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/tunnel" });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const { port } = server.address() as AddressInfo;
    const edge = new FakeEdge(server, `http://127.0.0.1:${port}`, options);
    for (const key of options.trust ?? []) await edge.trust(key);
    // Like the Worker, the edge verifies against the host the runner dialled (the request's Host).
    server.on("connection", (socket, request) => edge.#accept(socket, edgeHostOf(`http://${request.headers.host ?? ""}/`)));
    return edge;
  }

  async trust(publicKey: string): Promise<string> {
    const raw = base64UrlToBytes(publicKey);
    if (!raw || raw.length !== 32) throw new Error("not a raw Ed25519 public key");
    const runnerId = await runnerIdFromPublicKey(raw);
    this.#keys.set(runnerId, await crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "Ed25519", false, ["verify"]));
    return runnerId;
  }

  /** The n-th connection (0-based) once it is authenticated and has said hello. */
  connection(index: number, timeoutMs?: number): Promise<EdgeConnection> {
    return this.changes.until(
      () => {
        const connection = this.connections[index];
        return connection && connection.hellos.length > 0 ? connection : undefined;
      },
      `connection ${index} to say hello`,
      timeoutMs,
    );
  }

  waitFor<T>(check: () => T | undefined | false | null, what: string, timeoutMs?: number): Promise<T> {
    return this.changes.until(check, what, timeoutMs);
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(socket: WebSocket, edgeHost: string): void {
    const connection = new EdgeConnection(this.connections.length, socket, this.changes);
    this.connections.push(connection);
    const challenge = bytesToBase64Url(randomBytes(32));
    let authenticated = false;
    // Verification is async; keep frames in order behind it.
    let queue = Promise.resolve();

    socket.on("close", (code, reason) => {
      connection.closed = { code, reason: reason.toString("utf8") };
      this.changes.changed();
    });
    socket.on("message", (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString("utf8");
      queue = queue.then(() => this.#onFrame(connection, socket, { challenge, edgeHost }, frame, () => authenticated, () => (authenticated = true)));
    });
    socket.send(JSON.stringify({ type: "challenge", protocol: PROTOCOL_VERSION, challenge }));
    this.changes.changed();
  }

  async #onFrame(
    connection: EdgeConnection,
    socket: WebSocket,
    issued: { challenge: string; edgeHost: string },
    frame: string | Uint8Array,
    isAuthenticated: () => boolean,
    markAuthenticated: () => void,
  ): Promise<void> {
    if (frame === PING_FRAME) {
      if (this.answerPings) socket.send(PONG_FRAME);
      return;
    }
    const parsed = parseRunnerMessage(frame);
    if (!parsed.ok) {
      this.protocolErrors.push(parsed.error);
      socket.close(TunnelCloseCode.protocol_error, "protocol_error");
      this.changes.changed();
      return;
    }
    const message = parsed.message;
    if (!isAuthenticated()) {
      if (message.type !== "auth") {
        socket.close(TunnelCloseCode.protocol_error, "protocol_error");
        return;
      }
      const code = await this.#verify(message, issued);
      if (code !== null) {
        socket.close(TunnelCloseCode[code], code);
        return;
      }
      markAuthenticated();
      connection.runnerId = message.runnerId;
      connection.messages.push(message);
      socket.send(JSON.stringify({ type: "ready", runnerId: message.runnerId }));
      this.changes.changed();
      return;
    }
    connection.messages.push(message);
    this.changes.changed();
  }

  async #verify(
    message: Extract<RunnerMessage, { type: "auth" }>,
    { challenge, edgeHost }: { challenge: string; edgeHost: string },
  ): Promise<"challenge_mismatch" | "stale_timestamp" | "unknown_runner" | "bad_signature" | null> {
    if (message.challenge !== challenge) return "challenge_mismatch";
    if (Math.abs(Date.now() - message.timestamp) > MAX_CLOCK_SKEW_MS) return "stale_timestamp";
    const key = this.#keys.get(message.runnerId);
    if (!key) return "unknown_runner";
    const signature = base64UrlToBytes(message.signature);
    if (!signature) return "bad_signature";
    const ok = await crypto.subtle.verify(
      "Ed25519",
      key,
      signature as Uint8Array<ArrayBuffer>,
      authMessage({ edgeHost, challenge: message.challenge, runnerId: message.runnerId, timestampMs: message.timestamp }) as Uint8Array<ArrayBuffer>,
    );
    return ok ? null : "bad_signature";
  }
}
