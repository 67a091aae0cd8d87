import { Ollama } from "ollama/browser";
import WebSocket from "ws";
import type { HelloMessage } from "../protocol/tunnel-messages.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { RunnerConfig } from "./config.ts";
import { createJobManager } from "./jobs/job-manager.ts";
import { createOllamaExecutor } from "./jobs/ollama-executor.ts";
import { readRunnerKey, type RunnerKey } from "./key-file.ts";
import { createLogger, type Logger } from "./log.ts";
import { createModelCatalog } from "./models/model-catalog.ts";
import type { BackoffOptions } from "./tunnel/backoff.ts";
import type { WebSocketConstructor } from "./tunnel/socket.ts";
import { createTunnelClient, type TunnelSession } from "./tunnel/tunnel-client.ts";
import { statusFileFor } from "./status/status-file.ts";
import { createStatusWriter } from "./status/status-writer.ts";
import { readRunnerVersion } from "./version.ts";

/**
 * The node-runner daemon, wired from its parts: model catalog (what to offer), tunnel client (the
 * authenticated socket to the edge), job manager (admission and execution on Ollama).
 */

/** Capabilities the daemon uses; each defaults to the real thing. */
export interface RunnerDeps {
  WebSocket?: WebSocketConstructor;
  /** Used for every Ollama request. */
  fetch?: typeof fetch;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Skips reading `config.keyFile` (the CLI has already read it). */
  key?: RunnerKey;
  /** Reported in `hello`; defaults to package.json's. */
  version?: string;
  backoff?: Partial<Omit<BackoffOptions, "random">>;
  /** Where `node-runner status` finds this daemon; default beside the key file (status/status-file.ts), null: none. */
  statusFile?: string | null;
}

export interface RunnerHandle {
  readonly runnerId: string;
  readonly publicKey: string;
  /**
   * Graceful: tell the edge we are draining, refuse new jobs, give accepted ones up to `graceMs`,
   * abort the rest, close the tunnel with 1000. Calling again returns the same promise.
   */
  stop(): Promise<void>;
  /** Abort every job now and close. Also cuts short a `stop()` in progress. */
  stopNow(): Promise<void>;
  /** Resolves once the runner has stopped (by either call). */
  readonly stopped: Promise<void>;
}

/** How long aborted jobs get to report `runner_shutting_down` before the socket closes anyway. */
const ABORT_SETTLE_MS = 5_000;
/** /api/tags is a local, cheap call; a hung Ollama must not hang the poller. */
const LIST_TIMEOUT_MS = 10_000;

export async function startRunner(config: RunnerConfig, deps: RunnerDeps = {}): Promise<RunnerHandle> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const baseFetch = deps.fetch ?? globalThis.fetch;
  const key = deps.key ?? (await readRunnerKey(config.keyFile));
  const version = (deps.version ?? readRunnerVersion()).slice(0, 32);
  let draining = false;
  const statusPath = deps.statusFile === undefined ? statusFileFor(config.keyFile) : deps.statusFile;
  const status = statusPath
    ? createStatusWriter(statusPath, {
        runnerId: key.runnerId, name: config.name, runnerVersion: version, edge: config.tunnelUrl, ollamaHost: config.ollamaHost,
        state: "connecting", startedAt: clock.now(), connectedSince: null, models: [], jobs: { now: 0, served: 0, failed: 0 },
      }, { clock, logger })
    : null;

  const listClient = new Ollama({
    host: config.ollamaHost,
    fetch: (input, init) => baseFetch(input, { ...init, signal: AbortSignal.timeout(LIST_TIMEOUT_MS) }),
  });

  const hello = (): HelloMessage => ({
    type: "hello",
    runnerId: key.runnerId,
    name: config.name,
    version,
    models: [...catalog.offers()],
    maxQueue: config.maxQueue,
  });

  const catalog = createModelCatalog({
    listModels: () => listClient.list(),
    allowed: config.models,
    concurrency: config.concurrency,
    pollMs: config.modelPollMs,
    ollamaHost: config.ollamaHost,
    clock,
    logger,
    onChange: () => {
      tunnel.current()?.send(hello());
      status?.update({ models: catalog.offers().map((m) => ({ name: m.name, concurrency: m.capacity })) });
    },
  });

  const jobs = createJobManager({
    execute: createOllamaExecutor({ host: config.ollamaHost, fetch: baseFetch }),
    capacityOf: (model) => catalog.capacityOf(model),
    maxQueue: config.maxQueue,
    jobTimeoutMs: config.jobTimeoutMs,
    ollamaHost: config.ollamaHost,
    clock,
    logger,
    onOllamaTrouble: () => void catalog.refresh(),
    onJobAccepted: () => status?.jobStarted(),
    onJobEnd: (ok) => status?.jobEnded(ok),
  });

  const tunnel = createTunnelClient({
    url: config.tunnelUrl,
    key,
    WebSocket: deps.WebSocket ?? WebSocket,
    heartbeatMs: config.heartbeatMs,
    logger,
    clock,
    random: deps.random ?? Math.random,
    ...(deps.backoff && { backoff: deps.backoff }),
    events: {
      onReady(session: TunnelSession) {
        const message = hello();
        session.send(message);
        // A reconnect during shutdown must not make the edge think we take jobs again.
        if (draining) session.send({ type: "draining" });
        logger.info("connected", { edge: config.tunnelUrl, runnerId: key.runnerId, models: message.models.map((m) => m.name) });
        status?.update({ state: draining ? "draining" : "connected", connectedSince: clock.now(), models: message.models.map((m) => ({ name: m.name, concurrency: m.capacity })) });
      },
      onJob: (message, session) => jobs.handleJob(message, session),
      onCancel: (message, session) => jobs.handleCancel(message, session),
      onDisconnected(session) {
        if (session) jobs.abortAll("disconnected", session);
        if (!draining) status?.update({ state: "connecting", connectedSince: null });
      },
    },
  });

  logger.info("starting", { edge: config.tunnelUrl, runnerId: key.runnerId, name: config.name, ollama: config.ollamaHost, version });
  // The first hello should already list the models, so look before dialing.
  await catalog.refresh();
  catalog.startPolling();
  tunnel.start();

  const settle = (promise: Promise<void>, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = clock.setTimeout(() => resolve(false), ms);
      void promise.then(() => {
        timer.cancel();
        resolve(true);
      });
    });

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;
  let abortNow: (() => void) | null = null;

  const finish = async () => {
    catalog.stopPolling();
    await tunnel.stop(1000, "shutdown");
    status?.update({ state: "stopped", connectedSince: null });
    await status?.flush();
    logger.info("stopped", { runnerId: key.runnerId });
    resolveStopped();
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      status?.update({ state: "draining" });
      jobs.startDraining();
      catalog.stopPolling();
      tunnel.current()?.send({ type: "draining" });
      logger.info("draining", { inFlight: jobs.activeCount, graceMs: config.graceMs });
      const cutShort = new Promise<void>((resolve) => (abortNow = resolve));
      const done = await settle(Promise.race([jobs.idle(), cutShort]), config.graceMs);
      if (!done || jobs.activeCount > 0) {
        if (jobs.activeCount > 0) logger.warn("aborting jobs still running", { count: jobs.activeCount });
        jobs.abortAll("shutdown");
        await settle(jobs.idle(), ABORT_SETTLE_MS);
      }
      await finish();
    })();
    return stopping;
  };

  return {
    runnerId: key.runnerId,
    publicKey: key.publicKey,
    stop,
    stopNow() {
      const pending = stop();
      abortNow?.();
      return pending;
    },
    stopped,
  };
}
