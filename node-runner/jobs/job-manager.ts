import { normalizeModelName } from "../../protocol/models.ts";
import type { JobSpec } from "../../protocol/job.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { CancelMessage, JobMessage } from "../tunnel/edge-messages.ts";
import type { TunnelSession } from "../tunnel/tunnel-client.ts";
import { BATCH_DEFAULTS, createChunkBatcher } from "./chunk-batcher.ts";
import { classifyOllamaError, type JobFailure } from "./ollama-errors.ts";
import type { JobExecutor, JobResult } from "./ollama-executor.ts";
import { ModelSlots, type SlotLease } from "./model-slots.ts";

/**
 * Takes `job` and `cancel` messages from the tunnel and answers each accepted job with exactly one
 * `done` or `error` (after any `chunk`s), unless its connection is gone: the edge has failed those
 * jobs already, and a message on a later connection would only confuse it.
 */

/** Why the runner itself stopped a job. */
export type AbortCause = "timeout" | "cancelled" | "shutdown" | "disconnected";

export interface JobManagerOptions {
  execute: JobExecutor;
  /** Jobs at once for this model, or null when the runner does not offer it. */
  capacityOf: (model: string) => number | null;
  maxQueue: number;
  /** The operator's hard cap; the edge's per-job timeout applies when smaller. */
  jobTimeoutMs: number;
  /** For error messages only. */
  ollamaHost: string;
  clock: Clock;
  logger: Logger;
  batching?: { maxChars?: number; maxDelayMs?: number };
  /** Told when Ollama looks gone or a model vanished, so the model list can be refreshed early. */
  onOllamaTrouble?: (failure: JobFailure) => void;
  /** Told when a job is accepted and when it ends (`ok`: it sent its result), for the status file. */
  onJobAccepted?: () => void;
  onJobEnd?: (ok: boolean) => void;
}

export interface JobManager {
  handleJob(message: JobMessage, session: TunnelSession): void;
  handleCancel(message: CancelMessage, session: TunnelSession): void;
  /** From now on every new job is answered `runner_shutting_down`; accepted ones continue. */
  startDraining(): void;
  /** Aborts accepted jobs (all, or only those of one connection). */
  abortAll(cause: Exclude<AbortCause, "timeout" | "cancelled">, session?: TunnelSession): void;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
  readonly activeCount: number;
}

interface ActiveJob {
  id: string;
  session: TunnelSession;
  spec: JobSpec;
  model: string;
  controller: AbortController;
  cause: AbortCause | null;
  timeoutMs: number;
  receivedAt: number;
  cancelReason: string | null;
}

export function createJobManager(options: JobManagerOptions): JobManager {
  const { clock, logger } = options;
  const slots = new ModelSlots(options.maxQueue);
  const jobs = new Map<string, ActiveJob>();
  let idleWaiters: Array<() => void> = [];
  let draining = false;

  const keyOf = (session: TunnelSession, id: string) => `${session.id}:${id}`;

  function reject(session: TunnelSession, message: JobMessage, failure: JobFailure): void {
    session.send({ type: "error", id: message.id, code: failure.code, message: failure.message });
    logger.info("job refused", { id: message.id, model: message.spec.model, kind: message.spec.kind, status: failure.code });
  }

  function abort(job: ActiveJob, cause: AbortCause): void {
    if (job.cause !== null) return;
    job.cause = cause;
    job.controller.abort(new Error(`job ${cause}`));
  }

  function failureFor(job: ActiveJob): JobFailure | null {
    switch (job.cause) {
      case "timeout":
        return { code: "timeout", message: `job did not finish within ${job.timeoutMs} ms` };
      case "cancelled":
        return { code: "cancelled", message: `cancelled by the edge${job.cancelReason ? ` (${job.cancelReason})` : ""}` };
      case "shutdown":
        return { code: "runner_shutting_down", message: "the runner shut down before the job finished" };
      case "disconnected":
      case null:
        return null;
    }
  }

  async function run(job: ActiveJob, granted: Promise<SlotLease>): Promise<void> {
    const key = keyOf(job.session, job.id);
    const timer = clock.setTimeout(() => abort(job, "timeout"), job.timeoutMs);
    let lease: SlotLease | null = null;
    let startedAt = 0;
    let result: JobResult | null = null;
    let failure: JobFailure | null = null;
    let seq = 0;
    const batcher = createChunkBatcher({
      clock,
      ...BATCH_DEFAULTS,
      ...options.batching,
      emit: (batch) => {
        job.session.send({
          type: "chunk",
          id: job.id,
          seq: seq++,
          content: batch.content,
          ...(batch.thinking !== "" && { thinking: batch.thinking }),
        });
      },
    });
    try {
      lease = await granted;
      startedAt = clock.now();
      logger.info("job start", { id: job.id, model: job.model, kind: job.spec.kind, queuedMs: startedAt - job.receivedAt });
      result = await options.execute(job.spec, job.controller.signal, (delta) => batcher.push(delta));
    } catch (error) {
      failure = job.cause !== null ? failureFor(job) : classifyOllamaError(error, options.ollamaHost);
    } finally {
      timer.cancel();
      lease?.release();
    }
    // A result that raced with our own abort still counts as aborted: the edge was told (or will be)
    // that the job is over, and the promised error is what it expects.
    if (result && job.cause !== null) {
      result = null;
      failure = failureFor(job);
    }

    batcher.flush();
    batcher.dispose();
    if (result) {
      job.session.send({
        type: "done",
        id: job.id,
        doneReason: result.doneReason,
        metrics: result.metrics,
        ...(result.embeddings && { embeddings: result.embeddings }),
      });
    } else if (failure) {
      job.session.send({ type: "error", id: job.id, code: failure.code, message: failure.message });
      if (failure.code === "ollama_unavailable" || failure.code === "model_not_found") options.onOllamaTrouble?.(failure);
    }

    jobs.delete(key);
    options.onJobEnd?.(result !== null);
    const end = clock.now();
    logger.info("job end", {
      id: job.id,
      model: job.model,
      status: result ? "ok" : (failure?.code ?? job.cause ?? "unknown"),
      promptTokens: result?.metrics.prompt_eval_count ?? 0,
      outputTokens: result?.metrics.eval_count ?? 0,
      durationMs: startedAt ? end - startedAt : 0,
      totalMs: end - job.receivedAt,
    });
    if (jobs.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  return {
    handleJob(message, session) {
      if (draining) {
        reject(session, message, { code: "runner_shutting_down", message: "the runner is shutting down" });
        return;
      }
      const key = keyOf(session, message.id);
      if (jobs.has(key)) {
        logger.warn("ignoring duplicate job id", { id: message.id });
        return;
      }
      const model = normalizeModelName(message.spec.model);
      const capacity = options.capacityOf(model);
      if (capacity === null) {
        reject(session, message, { code: "model_not_found", message: `model ${message.spec.model} is not offered by this runner` });
        return;
      }
      const controller = new AbortController();
      const request = slots.request(model, capacity, controller.signal);
      if (!request.ok) {
        reject(session, message, {
          code: "runner_busy",
          message: `model ${model} is at capacity (${request.running} running, ${request.queued} queued)`,
        });
        return;
      }
      const job: ActiveJob = {
        id: message.id,
        session,
        spec: message.spec,
        model,
        controller,
        cause: null,
        timeoutMs: Math.min(message.timeoutMs, options.jobTimeoutMs),
        receivedAt: clock.now(),
        cancelReason: null,
      };
      jobs.set(key, job);
      options.onJobAccepted?.();
      // run() never rejects: every failure becomes an `error` message.
      void run(job, request.granted);
    },

    handleCancel(message, session) {
      const job = jobs.get(keyOf(session, message.id));
      if (!job) {
        logger.debug("cancel for a job that is not running", { id: message.id });
        return;
      }
      job.cancelReason = message.reason;
      abort(job, "cancelled");
    },

    startDraining() {
      draining = true;
    },

    abortAll(cause, session) {
      for (const job of jobs.values()) {
        if (session === undefined || job.session === session) abort(job, cause);
      }
    },

    idle() {
      if (jobs.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    get activeCount() {
      return jobs.size;
    },
  };
}
