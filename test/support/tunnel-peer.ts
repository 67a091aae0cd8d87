import WebSocket from "ws";
import { parseRunnerKey, type RunnerKey } from "../../node-runner/key-file.ts";
import { answerChallenge } from "../../node-runner/tunnel/auth.ts";
import { edgeHostOf } from "../../protocol/handshake.ts";
import { parseEdgeMessage, type EdgeMessage, type HelloMessage, type RunnerMessage } from "../../protocol/tunnel-messages.ts";
import type { TestRunnerKey } from "../../dev/runner-keys.ts";

/**
 * A runner's side of the tunnel, driven by the test over a real socket to a real edge: it speaks
 * the protocol step by step, so a test can connect, drop, reconnect and answer jobs faster and more
 * brutally than a node-runner process would. Frames from the edge are queued and awaited in order.
 */
export class TunnelPeer {
  private readonly queue: EdgeMessage[] = [];
  private waiters: Array<{ resolve: (m: EdgeMessage) => void; reject: (e: Error) => void }> = [];
  /** Resolves with the close code once the socket is closed, whoever closed it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private isClosed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly key: RunnerKey,
  ) {
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.isClosed = true;
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`tunnel closed (${code} ${reason.toString()}) while a frame was awaited`));
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on("error", () => {}); // surfaces as close
    ws.on("message", (data) => {
      const parsed = parseEdgeMessage(String(data));
      if (!parsed.ok) throw new Error(`edge sent an invalid frame: ${parsed.error}`);
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(parsed.message);
      else this.queue.push(parsed.message);
    });
  }

  /** Opens the socket and waits for the edge's challenge to be queued (nothing answered yet). */
  static async open(edgeUrl: string, key: TestRunnerKey | RunnerKey): Promise<TunnelPeer> {
    const runnerKey = "runnerId" in key ? key : await parseRunnerKey(JSON.stringify(key.jwk));
    const ws = new WebSocket(`${edgeUrl.replace(/^http/, "ws")}/tunnel`, { perMessageDeflate: false });
    // Listening from the start: the challenge may arrive in the same read as the upgrade answer.
    const peer = new TunnelPeer(ws, runnerKey);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return peer;
  }

  /** Opens, authenticates and says hello: a ready runner offering `models`. */
  static async connect(edgeUrl: string, key: TestRunnerKey | RunnerKey, models: Array<{ name: string; capacity: number }>): Promise<TunnelPeer> {
    const peer = await TunnelPeer.open(edgeUrl, key);
    await peer.authenticate();
    await peer.expect("ready");
    peer.hello(models);
    return peer;
  }

  get runnerId(): string {
    return this.key.runnerId;
  }

  get open(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  next(): Promise<EdgeMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.isClosed) return Promise.reject(new Error("tunnel is closed"));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async expect<T extends EdgeMessage["type"]>(type: T): Promise<Extract<EdgeMessage, { type: T }>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<EdgeMessage, { type: T }>;
  }

  send(message: RunnerMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  async authenticate(): Promise<void> {
    const { challenge } = await this.expect("challenge");
    this.send(answerChallenge(this.key, { edgeHost: edgeHostOf(this.ws.url), challenge, timestamp: Date.now() }));
  }

  hello(models: Array<{ name: string; capacity: number }>, maxQueue = 4): void {
    const hello: HelloMessage = { type: "hello", runnerId: this.runnerId, name: "tunnel-peer", version: "test", models, maxQueue };
    this.send(hello);
  }

  /** Answers the next job with `content` (one chunk) and Ollama-like counters. */
  async serveJob(content: string): Promise<Extract<EdgeMessage, { type: "job" }>> {
    const job = await this.expect("job");
    this.send({ type: "chunk", id: job.id, seq: 0, content });
    this.send({
      type: "done",
      id: job.id,
      doneReason: "stop",
      metrics: { prompt_eval_count: 3, eval_count: 1, total_duration: 1, load_duration: 0, prompt_eval_duration: 0, eval_duration: 1 },
    });
    return job;
  }

  /** A clean close (close frame); resolves once the socket is closed, with the edge's answer. */
  async close(code = 1000, reason = "bye"): Promise<{ code: number; reason: string }> {
    if (!this.isClosed) this.ws.close(code, reason);
    return this.closed;
  }

  /** Cuts the TCP connection without a close frame, as a crashed process or a pulled cable would. */
  async terminate(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}
