import { DurableObject } from "cloudflare:workers";
import { bytesToBase64Url } from "../../protocol/base64.ts";
import { closeReasonText, TunnelCloseCode, type TunnelCloseReason } from "../../protocol/close-codes.ts";
import { CHALLENGE_BYTES, edgeHostOf, HANDSHAKE_TIMEOUT_MS, MAX_HANDSHAKE_FRAME_CHARS } from "../../protocol/handshake.ts";
import type { JobSpec } from "../../protocol/job.ts";
import { normalizeModelName } from "../../protocol/models.ts";
import {
  HEARTBEAT_TIMEOUT_MS,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseRunnerMessage,
  type EdgeMessage,
  type HelloMessage,
  type RunnerMessage,
} from "../../protocol/tunnel-messages.ts";
import { encodeJobEvent, type JobEvent } from "./job-events.ts";
import { pickRunner, type RunnerLoad } from "./pick-runner.ts";
import { buildRunnerKeyring, parseRunnerKeys, type RunnerKeyring } from "./runner-keys.ts";
import { verifyRunnerAuth } from "./verify-auth.ts";

const SWEEP_INTERVAL_MS = 15_000;
/** Challenges stay on record this long so a replayed auth is named as such. */
const USED_CHALLENGE_TTL_MS = 10 * 60_000;
/** Unauthenticated sockets cost memory; past this many, new tunnel connections are refused. */
const MAX_PENDING_HANDSHAKES = 64;
/** The edge gives up on a job this long after the runner should have timed it out itself. */
const EDGE_TIMEOUT_GRACE_MS = 5_000;
const RETRY_AFTER_SECONDS = { no_runner: 30, runner_busy: 5 } as const;

type SocketAttachment =
  | { phase: "challenged"; challenge: string; connectedAt: number; edgeHost: string }
  | { phase: "ready"; runnerId: string; connectedAt: number; draining: boolean };

interface ConnectedRunner extends RunnerLoad {
  ws: WebSocket;
  name: string | undefined;
  version: string;
  connectedAt: number;
  capacity: Map<string, number>;
  inFlight: Map<string, number>;
}

interface ActiveJob {
  id: string;
  runnerId: string;
  model: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
  nextSeq: number;
  timer: ReturnType<typeof setTimeout>;
}

export type DispatchResult =
  | { ok: true; jobId: string; runnerId: string; events: ReadableStream<Uint8Array> }
  | { ok: false; code: "no_runner" | "runner_busy"; message: string; retryAfterSeconds: number };

export interface RunnerStatus {
  runnerId: string;
  name: string | undefined;
  version: string;
  connectedAt: number;
  draining: boolean;
  models: Array<{ name: string; capacity: number; inFlight: number }>;
  /** The last frame or heartbeat ping from the runner (unix ms). */
  lastSeenAt: number;
  /** Jobs this runner id finished with a result, ever (kept in storage: a restart keeps the count). */
  jobsServed: number;
}

/**
 * Holds the runners' tunnel sockets (hibernation API) and routes jobs to them.
 *
 * Sockets survive hibernation; in-memory state does not, so everything needed to route is rebuilt
 * in the constructor from socket attachments and the `runner_hello` table. Jobs live only in memory:
 * an open job keeps the object awake (its stream and timer are pending work), so a job is never
 * lost to hibernation — only to a restart, where its consumer sees the stream end with an error.
 */
export class RunnerPool extends DurableObject<Env> {
  private readonly runners = new Map<string, ConnectedRunner>();
  private readonly jobs = new Map<string, ActiveJob>();
  private readonly lastSeen = new Map<WebSocket, number>();
  private keyring: Promise<RunnerKeyring> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS runner_hello (runner_id TEXT PRIMARY KEY, hello TEXT NOT NULL, updated_at INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS used_challenges (challenge TEXT PRIMARY KEY, used_at INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS runner_jobs (runner_id TEXT PRIMARY KEY, served INTEGER NOT NULL);`,
    );
    for (const ws of ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      if (attachment?.phase !== "ready") continue;
      const row = ctx.storage.sql
        .exec<{ hello: string }>("SELECT hello FROM runner_hello WHERE runner_id = ?", attachment.runnerId)
        .toArray()[0];
      this.register(ws, attachment, row ? (JSON.parse(row.hello) as HelloMessage) : null);
    }
  }

  // ------------------------------------------------------------------ tunnel sockets

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pending = this.ctx.getWebSockets().filter((ws) => this.attachmentOf(ws)?.phase === "challenged").length;
    if (pending >= MAX_PENDING_HANDSHAKES) {
      return new Response("too many pending tunnel handshakes", { status: 503, headers: { "Retry-After": "5" } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const challenge = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES)));
    this.ctx.acceptWebSocket(server);
    const attachment: SocketAttachment = { phase: "challenged", challenge, connectedAt: Date.now(), edgeHost: edgeHostOf(request.url) };
    server.serializeAttachment(attachment);
    send(server, { type: "challenge", protocol: PROTOCOL_VERSION, challenge });
    await this.scheduleSweep(Date.now() + HANDSHAKE_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    this.lastSeen.set(ws, Date.now());
    const attachment = this.attachmentOf(ws);
    if (!attachment) return close(ws, "protocol_error");
    // A stranger gets no more than the few hundred bytes an auth message needs: this one object serves
    // every runner, so it must not spend its time parsing megabytes for someone who never authenticates.
    if (attachment.phase === "challenged" && (typeof frame === "string" ? frame.length : frame.byteLength) > MAX_HANDSHAKE_FRAME_CHARS) {
      return close(ws, "protocol_error", "frame too large before authentication");
    }
    const parsed = parseRunnerMessage(frame);
    if (!parsed.ok) return close(ws, "protocol_error", parsed.error);
    const message = parsed.message;
    if (attachment.phase === "challenged") {
      if (message.type === "ping") return ws.send(PONG_FRAME);
      if (message.type !== "auth") return close(ws, "protocol_error", "authenticate first");
      return this.authenticate(ws, attachment, message);
    }
    const runner = this.runners.get(attachment.runnerId);
    if (!runner || runner.ws !== ws) return close(ws, "replaced");
    this.onRunnerMessage(runner, attachment, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.drop(ws, `tunnel closed (${code}${reason ? ` ${reason}` : ""})`);
    // Answer the runner's close frame: a hibernatable socket does not do it by itself, and a runner
    // left unanswered waits out its own close timeout and sees an abnormal 1006.
    try {
      ws.close(1000, "closed");
    } catch {
      // Already closed (the connection was cut rather than closed).
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.drop(ws, `tunnel error: ${error instanceof Error ? error.message : String(error)}`);
  }

  private async authenticate(ws: WebSocket, attachment: Extract<SocketAttachment, { phase: "challenged" }>, auth: Extract<RunnerMessage, { type: "auth" }>) {
    const verdict = await verifyRunnerAuth(auth, {
      issuedChallenge: attachment.challenge,
      issuedAt: attachment.connectedAt,
      edgeHost: attachment.edgeHost,
      keyring: await this.getKeyring(),
      now: Date.now(),
      wasChallengeUsed: (challenge) =>
        this.ctx.storage.sql.exec("SELECT 1 FROM used_challenges WHERE challenge = ?", challenge).toArray().length > 0,
    });
    // A signature that does not verify may have been made for the host the runner dialled when the
    // edge is reached under another (a proxy rewriting Host): say which host this edge expected.
    if (!verdict.ok) return close(ws, verdict.reason, verdict.reason === "bad_signature" ? `expected a signature for host ${attachment.edgeHost}` : undefined);
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO used_challenges (challenge, used_at) VALUES (?, ?)",
      attachment.challenge,
      Date.now(),
    );
    const previous = this.runners.get(verdict.runnerId);
    if (previous) {
      // The same runner dialled again (e.g. after a network blip): the newest socket wins.
      this.drop(previous.ws, "replaced by a newer connection");
      close(previous.ws, "replaced");
    }
    const ready: SocketAttachment = { phase: "ready", runnerId: verdict.runnerId, connectedAt: Date.now(), draining: false };
    ws.serializeAttachment(ready);
    this.register(ws, ready, null);
    send(ws, { type: "ready", runnerId: verdict.runnerId });
  }

  private onRunnerMessage(runner: ConnectedRunner, attachment: Extract<SocketAttachment, { phase: "ready" }>, message: RunnerMessage) {
    switch (message.type) {
      case "hello": {
        if (message.runnerId !== runner.runnerId) return close(runner.ws, "runner_id_mismatch");
        this.ctx.storage.sql.exec(
          "INSERT OR REPLACE INTO runner_hello (runner_id, hello, updated_at) VALUES (?, ?, ?)",
          runner.runnerId,
          JSON.stringify(message),
          Date.now(),
        );
        applyHello(runner, message);
        return;
      }
      case "chunk": {
        const job = this.jobOf(runner, message.id);
        if (!job) return;
        if (message.seq !== job.nextSeq) {
          return this.finishJob(job, { type: "error", code: "internal", message: `chunk ${message.seq} arrived, expected ${job.nextSeq}` }, true);
        }
        job.nextSeq++;
        const delta: JobEvent = message.thinking === undefined
          ? { type: "delta", content: message.content }
          : { type: "delta", content: message.content, thinking: message.thinking };
        enqueue(job, delta);
        return;
      }
      case "done": {
        const job = this.jobOf(runner, message.id);
        if (!job) return;
        const done: JobEvent = message.embeddings === undefined
          ? { type: "done", doneReason: message.doneReason, metrics: message.metrics }
          : { type: "done", doneReason: message.doneReason, metrics: message.metrics, embeddings: message.embeddings };
        this.ctx.storage.sql.exec("INSERT INTO runner_jobs (runner_id, served) VALUES (?, 1) ON CONFLICT (runner_id) DO UPDATE SET served = served + 1", runner.runnerId);
        return this.finishJob(job, done, false);
      }
      case "error": {
        const job = this.jobOf(runner, message.id);
        if (!job) return;
        return this.finishJob(job, { type: "error", code: message.code, message: message.message }, false);
      }
      case "draining": {
        runner.draining = true;
        runner.ws.serializeAttachment({ ...attachment, draining: true } satisfies SocketAttachment);
        return;
      }
      case "ping":
        return runner.ws.send(PONG_FRAME);
      case "auth":
        return close(runner.ws, "protocol_error", "already authenticated");
    }
  }

  // ------------------------------------------------------------------ jobs (RPC from the Worker)

  async dispatch(spec: JobSpec, options: { timeoutMs: number; exclude?: string[] }): Promise<DispatchResult> {
    const model = normalizeModelName(spec.model);
    const pick = pickRunner(this.runners.values(), model, new Set(options.exclude ?? []));
    if (!pick.ok) {
      return {
        ok: false,
        code: pick.reason,
        message:
          pick.reason === "no_runner"
            ? `no runner serving model ${spec.model} is connected`
            : `every runner serving model ${spec.model} is at capacity`,
        retryAfterSeconds: RETRY_AFTER_SECONDS[pick.reason],
      };
    }
    const runner = this.runners.get(pick.runnerId)!;
    const id = crypto.randomUUID();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const events = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => this.cancelJob(id, "client_gone"),
    });
    const job: ActiveJob = {
      id,
      runnerId: runner.runnerId,
      model,
      controller,
      nextSeq: 0,
      timer: setTimeout(() => this.cancelJob(id, "timeout"), options.timeoutMs + EDGE_TIMEOUT_GRACE_MS),
    };
    this.jobs.set(id, job);
    runner.inFlight.set(model, (runner.inFlight.get(model) ?? 0) + 1);
    try {
      send(runner.ws, { type: "job", id, spec, timeoutMs: options.timeoutMs });
    } catch {
      this.finishJob(job, { type: "error", code: "runner_disconnected", message: "runner went away before the job was sent" }, false);
    }
    return { ok: true, jobId: id, runnerId: runner.runnerId, events };
  }

  /**
   * The consumer of a job went away. Called explicitly by the Worker: cancelling the RPC stream does
   * not reach this object until it next writes to the stream, which a stalled job never does.
   */
  async cancel(jobId: string): Promise<void> {
    this.cancelJob(jobId, "client_gone");
  }

  async status(): Promise<RunnerStatus[]> {
    const served = new Map(this.ctx.storage.sql.exec<{ runner_id: string; served: number }>("SELECT runner_id, served FROM runner_jobs").toArray().map((r) => [r.runner_id, r.served]));
    return [...this.runners.values()].map((r) => ({
      runnerId: r.runnerId,
      name: r.name,
      version: r.version,
      connectedAt: r.connectedAt,
      draining: r.draining,
      models: [...r.capacity].map(([name, capacity]) => ({ name, capacity, inFlight: r.inFlight.get(name) ?? 0 })),
      // Pings are answered by the hibernation auto-response, which does not wake the object: its timestamp counts too.
      lastSeenAt: Math.max(this.lastSeen.get(r.ws) ?? 0, this.ctx.getWebSocketAutoResponseTimestamp(r.ws)?.getTime() ?? 0, r.connectedAt),
      jobsServed: served.get(r.runnerId) ?? 0,
    }));
  }

  private cancelJob(id: string, reason: "client_gone" | "timeout") {
    const job = this.jobs.get(id);
    if (!job) return;
    const runner = this.runners.get(job.runnerId);
    if (runner) {
      try {
        send(runner.ws, { type: "cancel", id, reason });
      } catch {
        // The socket is already gone; drop() fails the job.
      }
    }
    // The stream is ended either way: a consumer may still be reading (the Worker cancels jobs it no
    // longer wants, e.g. when the payment turned out unsettleable).
    this.finishJob(
      job,
      reason === "timeout"
        ? { type: "error", code: "timeout", message: "the runner did not finish the job in time" }
        : { type: "error", code: "cancelled", message: "the job was cancelled" },
      false,
    );
  }

  /** Ends a job with its final event; `tellRunner` also cancels it on the runner. */
  private finishJob(job: ActiveJob, event: JobEvent, tellRunner: boolean) {
    if (tellRunner) {
      const runner = this.runners.get(job.runnerId);
      try {
        if (runner) send(runner.ws, { type: "cancel", id: job.id, reason: "edge_shutdown" });
      } catch {
        // nothing to tell
      }
    }
    enqueue(job, event);
    try {
      job.controller.close();
    } catch {
      // The consumer already cancelled the stream.
    }
    this.releaseJob(job);
  }

  private releaseJob(job: ActiveJob) {
    clearTimeout(job.timer);
    this.jobs.delete(job.id);
    const runner = this.runners.get(job.runnerId);
    if (runner) {
      const n = (runner.inFlight.get(job.model) ?? 1) - 1;
      if (n > 0) runner.inFlight.set(job.model, n);
      else runner.inFlight.delete(job.model);
    }
  }

  private jobOf(runner: ConnectedRunner, id: string): ActiveJob | undefined {
    const job = this.jobs.get(id);
    // A runner may only speak for its own jobs; late messages for finished jobs are dropped.
    return job && job.runnerId === runner.runnerId ? job : undefined;
  }

  // ------------------------------------------------------------------ bookkeeping

  private register(ws: WebSocket, attachment: Extract<SocketAttachment, { phase: "ready" }>, hello: HelloMessage | null) {
    const runner: ConnectedRunner = {
      runnerId: attachment.runnerId,
      ws,
      name: undefined,
      version: "",
      connectedAt: attachment.connectedAt,
      draining: attachment.draining,
      capacity: new Map(),
      maxQueue: 0,
      inFlight: new Map(),
    };
    if (hello) applyHello(runner, hello);
    this.runners.set(runner.runnerId, runner);
  }

  /** Forgets a socket and fails every job that was running on it. */
  private drop(ws: WebSocket, why: string) {
    this.lastSeen.delete(ws);
    const attachment = this.attachmentOf(ws);
    if (attachment?.phase !== "ready") return;
    const runner = this.runners.get(attachment.runnerId);
    if (!runner || runner.ws !== ws) return;
    this.runners.delete(runner.runnerId);
    for (const job of [...this.jobs.values()]) {
      if (job.runnerId === runner.runnerId) {
        this.finishJob(job, { type: "error", code: "runner_disconnected", message: `runner disconnected mid-job: ${why}` }, false);
      }
    }
  }

  private attachmentOf(ws: WebSocket): SocketAttachment | null {
    return ws.deserializeAttachment() as SocketAttachment | null;
  }

  private getKeyring(): Promise<RunnerKeyring> {
    if (!this.keyring) {
      const parsed = parseRunnerKeys(this.env.RUNNER_KEYS);
      if (!parsed.ok) console.error(`RUNNER_KEYS problems: ${parsed.problems.join("; ")}`);
      this.keyring = buildRunnerKeyring(parsed.ok ? parsed.keys : []);
    }
    return this.keyring;
  }

  // ------------------------------------------------------------------ sweeping (alarm)

  private async scheduleSweep(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = now + SWEEP_INTERVAL_MS;
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = this.attachmentOf(ws);
      if (attachment?.phase === "challenged") {
        const deadline = attachment.connectedAt + HANDSHAKE_TIMEOUT_MS;
        if (now >= deadline) close(ws, "handshake_timeout");
        // A handshake still pending is closed at its own deadline, not up to a sweep interval later.
        else next = Math.min(next, deadline);
        continue;
      }
      if (attachment?.phase !== "ready") continue;
      const seen = Math.max(
        this.lastSeen.get(ws) ?? 0,
        this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0,
        attachment.connectedAt,
      );
      if (now - seen > HEARTBEAT_TIMEOUT_MS) {
        this.drop(ws, "heartbeat timeout");
        close(ws, "heartbeat_timeout");
      }
    }
    this.ctx.storage.sql.exec("DELETE FROM used_challenges WHERE used_at < ?", now - USED_CHALLENGE_TTL_MS);
    if (this.ctx.getWebSockets().length > 0) await this.scheduleSweep(next);
  }
}

function applyHello(runner: ConnectedRunner, hello: HelloMessage) {
  runner.name = hello.name;
  runner.version = hello.version;
  runner.maxQueue = hello.maxQueue;
  runner.capacity = new Map(hello.models.map((m) => [normalizeModelName(m.name), m.capacity]));
}

function enqueue(job: ActiveJob, event: JobEvent) {
  try {
    job.controller.enqueue(encodeJobEvent(event));
  } catch {
    // The consumer cancelled; the job is being torn down.
  }
}

function send(ws: WebSocket, message: EdgeMessage) {
  ws.send(JSON.stringify(message));
}

function close(ws: WebSocket, reason: TunnelCloseReason, detail?: string) {
  try {
    ws.close(TunnelCloseCode[reason], closeReasonText(reason, detail));
  } catch {
    // Already closed.
  }
}
