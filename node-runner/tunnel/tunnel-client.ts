import { edgeHostOf, HANDSHAKE_TIMEOUT_MS } from "../../protocol/handshake.ts";
import {
  MAX_FRAME_CHARS,
  parseEdgeMessage,
  PING_FRAME,
  PROTOCOL_VERSION,
  type RunnerMessage,
} from "../../protocol/tunnel-messages.ts";
import type { CancelMessage, JobMessage } from "./edge-messages.ts";
import type { Clock, Timer } from "../clock.ts";
import type { RunnerKey } from "../key-file.ts";
import type { Logger } from "../log.ts";
import { answerChallenge } from "./auth.ts";
import { BACKOFF_DEFAULTS, createBackoff, type BackoffOptions } from "./backoff.ts";
import { adviseOnClose } from "./close-advice.ts";
import { startHeartbeat, type Heartbeat } from "./heartbeat.ts";
import { inspectRejectedFrame } from "./rejected-frame.ts";
import { frameToText, SOCKET_OPEN, type TunnelSocket, type WebSocketConstructor } from "./socket.ts";

/**
 * One authenticated connection to the edge. Jobs remember the session they arrived on, so a late
 * message for a job from a dropped connection can never leak onto the next one.
 */
export interface TunnelSession {
  readonly id: number;
  /** Sends if this connection is still up and authenticated; false (and nothing sent) otherwise. */
  send(message: RunnerMessage): boolean;
  readonly isOpen: boolean;
}

export interface TunnelEvents {
  /** Authenticated: the daemon sends `hello` now. */
  onReady(session: TunnelSession): void;
  onJob(message: JobMessage, session: TunnelSession): void;
  onCancel(message: CancelMessage, session: TunnelSession): void;
  /** The session is gone; its jobs have already been failed by the edge. */
  onDisconnected(session: TunnelSession | null): void;
}

export interface TunnelClientOptions {
  url: string;
  key: RunnerKey;
  WebSocket: WebSocketConstructor;
  heartbeatMs: number;
  logger: Logger;
  clock: Clock;
  random: () => number;
  backoff?: Partial<Omit<BackoffOptions, "random">>;
  events: TunnelEvents;
}

export interface TunnelClient {
  start(): void;
  /** Stop reconnecting, close the socket with `code`, and resolve once it is closed. */
  stop(code?: number, reason?: string): Promise<void>;
  /** The authenticated session, if any. */
  current(): TunnelSession | null;
}

/** Grace for the edge to answer our close before the socket is cut. */
const CLOSE_WAIT_MS = 3_000;
/** The edge closes unauthenticated sockets after HANDSHAKE_TIMEOUT_MS; allow a little beyond that. */
const READY_TIMEOUT_MS = HANDSHAKE_TIMEOUT_MS + 5_000;

type Phase = "connecting" | "authenticating" | "ready" | "closed";

export function createTunnelClient(options: TunnelClientOptions): TunnelClient {
  const { url, key, logger, clock, events } = options;
  // What the runner signs is bound to the edge it chose to dial, so another edge cannot relay it.
  const edgeHost = edgeHostOf(url);
  const backoffOptions: BackoffOptions = { ...BACKOFF_DEFAULTS, ...options.backoff, random: options.random };
  const backoff = createBackoff(backoffOptions);
  let stopping = false;
  let sessionCounter = 0;
  let reconnectTimer: Timer | null = null;
  let active: Connection | null = null;
  let stopped: Promise<void> | null = null;

  interface Connection {
    socket: TunnelSocket;
    session: SessionImpl;
    phase: Phase;
    readyAt: number;
    heartbeat: Heartbeat | null;
    readyTimer: Timer | null;
    lastError: string | null;
    closed: Promise<void>;
  }

  class SessionImpl implements TunnelSession {
    constructor(
      readonly id: number,
      private readonly connection: () => Connection,
    ) {}
    get isOpen(): boolean {
      const c = this.connection();
      return c.phase === "ready" && c.socket.readyState === SOCKET_OPEN;
    }
    send(message: RunnerMessage): boolean {
      if (!this.isOpen) return false;
      return rawSend(this.connection(), JSON.stringify(message));
    }
  }

  function rawSend(connection: Connection, frame: string): boolean {
    if (connection.socket.readyState !== SOCKET_OPEN) return false;
    connection.socket.send(frame, (error) => {
      if (error) logger.debug("send failed", { session: connection.session.id, error: error.message });
    });
    return true;
  }

  function connect(): void {
    reconnectTimer = null;
    if (stopping) return;
    const id = ++sessionCounter;
    let socket: TunnelSocket;
    try {
      socket = new options.WebSocket(url, {
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_FRAME_CHARS,
        // Frames are small token batches, or base64 of already-compressed image formats; deflate would
        // save little and cost CPU on both ends (Durable Object CPU is billed).
        perMessageDeflate: false,
      });
    } catch (error) {
      logger.error("cannot open tunnel socket", { edge: url, error: error instanceof Error ? error.message : String(error) });
      scheduleReconnect(1006, "", null, false);
      return;
    }
    let resolveClosed: () => void = () => {};
    const connection: Connection = {
      socket,
      session: new SessionImpl(id, () => connection),
      phase: "connecting",
      readyAt: 0,
      heartbeat: null,
      readyTimer: null,
      lastError: null,
      closed: new Promise((resolve) => (resolveClosed = resolve)),
    };
    active = connection;
    connection.readyTimer = clock.setTimeout(() => {
      logger.warn("tunnel handshake did not complete; reconnecting", { edge: url, timeoutMs: READY_TIMEOUT_MS });
      socket.terminate();
    }, READY_TIMEOUT_MS);

    socket.on("open", () => {
      if (connection.phase === "connecting") connection.phase = "authenticating";
    });
    socket.on("message", (data, isBinary) => onFrame(connection, frameToText(data, isBinary)));
    socket.on("ping", () => connection.heartbeat?.seen());
    socket.on("pong", () => connection.heartbeat?.seen());
    socket.on("error", (error) => {
      connection.lastError = error.message;
    });
    socket.on("close", (code, reasonBytes) => {
      if (connection.phase === "closed") return;
      const wasReady = connection.phase === "ready";
      connection.phase = "closed";
      connection.heartbeat?.stop();
      connection.readyTimer?.cancel();
      if (active === connection) active = null;
      if (wasReady) backoff.connectionEnded(connection.readyAt, clock.now());
      events.onDisconnected(wasReady ? connection.session : null);
      resolveClosed();
      scheduleReconnect(code, reasonBytes.toString("utf8"), connection.lastError, wasReady);
    });
  }

  function onFrame(connection: Connection, frame: string | Uint8Array): void {
    // Any frame proves the edge is alive, pong or not.
    connection.heartbeat?.seen();
    const parsed = parseEdgeMessage(frame);
    if (!parsed.ok) {
      const { jobId, challengeProtocol } = typeof frame === "string" ? inspectRejectedFrame(frame) : { jobId: null, challengeProtocol: null };
      if (challengeProtocol !== null && challengeProtocol !== PROTOCOL_VERSION) {
        logger.error("the edge speaks another tunnel protocol version; update node-runner", {
          edgeProtocol: challengeProtocol,
          runnerProtocol: PROTOCOL_VERSION,
        });
      }
      logger.warn("ignoring invalid frame from edge", { session: connection.session.id, job: jobId ?? undefined, error: parsed.error });
      // Answer a job we cannot read, so the edge fails it now rather than at its timeout.
      if (jobId !== null) connection.session.send({ type: "error", id: jobId, code: "invalid_job", message: parsed.error.slice(0, 1000) });
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case "challenge": {
        if (connection.phase !== "authenticating") {
          logger.warn("ignoring unexpected challenge", { session: connection.session.id, phase: connection.phase });
          return;
        }
        rawSend(connection, JSON.stringify(answerChallenge(key, { edgeHost, challenge: message.challenge, timestamp: clock.now() })));
        return;
      }
      case "ready": {
        if (connection.phase !== "authenticating") return;
        if (message.runnerId !== key.runnerId) {
          logger.error("edge confirmed a different runner id; closing", { expected: key.runnerId, got: message.runnerId });
          connection.socket.close(1008, "runner_id_mismatch");
          return;
        }
        connection.phase = "ready";
        connection.readyAt = clock.now();
        connection.readyTimer?.cancel();
        connection.heartbeat = startHeartbeat({
          intervalMs: options.heartbeatMs,
          clock,
          sendPing: () => void rawSend(connection, PING_FRAME),
          onDead: (silentForMs) => {
            logger.warn("edge silent; dropping the connection", { session: connection.session.id, silentForMs });
            connection.socket.terminate();
          },
        });
        events.onReady(connection.session);
        return;
      }
      case "job":
      case "cancel": {
        if (connection.phase !== "ready") {
          logger.warn(`ignoring ${message.type} before the tunnel is ready`, { job: message.id });
          return;
        }
        if (message.type === "job") events.onJob(message, connection.session);
        else events.onCancel(message, connection.session);
        return;
      }
      case "pong":
        return;
    }
  }

  function scheduleReconnect(code: number, reason: string, lastError: string | null, wasReady: boolean): void {
    if (stopping) return;
    const advice = adviseOnClose(code);
    const delay = advice.retry === "cap" ? backoffOptions.capMs : backoff.next();
    const fields = { code, reason: reason || advice.reason || undefined, error: lastError ?? undefined, retryInMs: delay };
    const what = wasReady ? "disconnected" : "could not connect";
    if (advice.advice) logger.error(`${what}: ${advice.advice}`, { ...fields, runnerId: key.runnerId });
    else logger.warn(what, { edge: url, ...fields });
    reconnectTimer = clock.setTimeout(connect, delay);
  }

  return {
    start() {
      if (active || reconnectTimer || stopping) return;
      connect();
    },
    stop(code = 1000, reason = "shutdown") {
      if (stopped) return stopped;
      stopping = true;
      reconnectTimer?.cancel();
      reconnectTimer = null;
      const connection = active;
      if (!connection) return (stopped = Promise.resolve());
      connection.socket.close(code, reason);
      stopped = new Promise<void>((resolve) => {
        const cut = clock.setTimeout(() => {
          connection.socket.terminate();
          resolve();
        }, CLOSE_WAIT_MS);
        void connection.closed.then(() => {
          cut.cancel();
          resolve();
        });
      });
      return stopped;
    },
    current() {
      return active?.phase === "ready" ? active.session : null;
    },
  };
}
