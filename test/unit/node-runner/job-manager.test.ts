import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobSpec } from "../../../protocol/job.ts";
import type { RunnerMessage } from "../../../protocol/tunnel-messages.ts";
import { systemClock } from "../../../node-runner/clock.ts";
import { createJobManager, type JobManagerOptions } from "../../../node-runner/jobs/job-manager.ts";
import type { JobExecutor, JobResult } from "../../../node-runner/jobs/ollama-executor.ts";
import type { Delta } from "../../../node-runner/jobs/chunk-batcher.ts";
import { silentLogger } from "../../../node-runner/log.ts";
import type { TunnelSession } from "../../../node-runner/tunnel/tunnel-client.ts";

/** A session that records what the runner sends and can be "closed". */
function fakeSession(id = 1) {
  const sent: RunnerMessage[] = [];
  let open = true;
  const session: TunnelSession & { close(): void } = {
    id,
    get isOpen() {
      return open;
    },
    send(message) {
      if (!open) return false;
      sent.push(message);
      return true;
    },
    close() {
      open = false;
    },
  };
  return { session, sent };
}

/** An executor whose runs the test drives by hand. */
function manualExecutor() {
  const runs: Array<{ spec: JobSpec; signal: AbortSignal; emit: (d: Delta) => void; finish: (r: JobResult) => void; fail: (e: Error) => void }> = [];
  const execute: JobExecutor = (spec, signal, emit) =>
    new Promise((finish, fail) => {
      signal.addEventListener("abort", () => fail(new Error("AbortError")), { once: true });
      runs.push({ spec, signal, emit, finish, fail });
    });
  return { execute, runs };
}

const METRICS = { prompt_eval_count: 3, eval_count: 2, total_duration: 1, load_duration: 0, prompt_eval_duration: 0, eval_duration: 0 };
const chat = (model = "qwen2.5:7b"): JobSpec => ({ kind: "chat", model, messages: [{ role: "user", content: "hi" }] });
const job = (id: string, spec: JobSpec = chat(), timeoutMs = 60_000) => ({ type: "job" as const, id, spec, timeoutMs });

describe("job manager", () => {
  let executor: ReturnType<typeof manualExecutor>;
  const make = (overrides: Partial<JobManagerOptions> = {}) =>
    createJobManager({
      execute: executor.execute,
      capacityOf: (model) => (model === "qwen2.5:7b" ? 1 : null),
      maxQueue: 1,
      jobTimeoutMs: 300_000,
      ollamaHost: "http://127.0.0.1:11434",
      clock: systemClock,
      logger: silentLogger,
      ...overrides,
    });

  /** Lets queued promise callbacks run without moving the fake clock (vi.waitFor would advance it). */
  const untilRuns = async (count: number) => {
    for (let i = 0; i < 100 && executor.runs.length < count; i++) await Promise.resolve();
    expect(executor.runs).toHaveLength(count);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    executor = manualExecutor();
  });
  afterEach(() => vi.useRealTimers());

  it("streams chunks with increasing seq, then done", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa"), session);
    await untilRuns(1);
    const run = executor.runs[0];
    run?.emit({ content: "He" });
    run?.emit({ content: "llo" });
    run?.emit({ content: "!" });
    run?.finish({ doneReason: "stop", metrics: METRICS });
    await jobs.idle();
    expect(sent).toEqual([
      { type: "chunk", id: "job_aaaaaaaa", seq: 0, content: "He" },
      { type: "chunk", id: "job_aaaaaaaa", seq: 1, content: "llo!" },
      { type: "done", id: "job_aaaaaaaa", doneReason: "stop", metrics: METRICS },
    ]);
  });

  it("answers model_not_found for a model it does not offer (names compare normalized)", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa", chat("llama3")), session);
    jobs.handleJob(job("job_bbbbbbbb", chat("QWEN2.5:7b")), session);
    expect(sent).toEqual([{ type: "error", id: "job_aaaaaaaa", code: "model_not_found", message: expect.stringContaining("llama3") }]);
    await untilRuns(1);
  });

  it("queues up to maxQueue per model, then answers runner_busy", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa"), session);
    jobs.handleJob(job("job_bbbbbbbb"), session);
    jobs.handleJob(job("job_cccccccc"), session);
    expect(sent).toEqual([{ type: "error", id: "job_cccccccc", code: "runner_busy", message: expect.stringContaining("1 running, 1 queued") }]);
    await untilRuns(1);
    executor.runs[0]?.finish({ doneReason: "stop", metrics: METRICS });
    await untilRuns(2);
    expect(executor.runs[1]?.signal.aborted).toBe(false);
  });

  it("times out at the smaller of the edge's and the operator's limit", async () => {
    const jobs = make({ jobTimeoutMs: 5_000 });
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa", chat(), 60_000), session);
    await untilRuns(1);
    executor.runs[0]?.emit({ content: "partial" });
    vi.advanceTimersByTime(4_999);
    expect(executor.runs[0]?.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(executor.runs[0]?.signal.aborted).toBe(true);
    await jobs.idle();
    expect(sent.at(-1)).toEqual({ type: "error", id: "job_aaaaaaaa", code: "timeout", message: "job did not finish within 5000 ms" });
  });

  it("cancel aborts the Ollama call and answers cancelled, running or queued", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa"), session);
    jobs.handleJob(job("job_bbbbbbbb"), session);
    await untilRuns(1);
    jobs.handleCancel({ type: "cancel", id: "job_bbbbbbbb", reason: "client_gone" }, session);
    jobs.handleCancel({ type: "cancel", id: "job_aaaaaaaa", reason: "client_gone" }, session);
    expect(executor.runs[0]?.signal.aborted).toBe(true);
    await jobs.idle();
    expect(sent).toEqual(
      expect.arrayContaining([
        { type: "error", id: "job_aaaaaaaa", code: "cancelled", message: "cancelled by the edge (client_gone)" },
        { type: "error", id: "job_bbbbbbbb", code: "cancelled", message: "cancelled by the edge (client_gone)" },
      ]),
    );
    expect(executor.runs).toHaveLength(1);
  });

  it("while draining refuses new jobs but lets accepted ones finish", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa"), session);
    jobs.startDraining();
    jobs.handleJob(job("job_bbbbbbbb"), session);
    expect(sent).toEqual([{ type: "error", id: "job_bbbbbbbb", code: "runner_shutting_down", message: expect.any(String) }]);
    await untilRuns(1);
    executor.runs[0]?.finish({ doneReason: "stop", metrics: METRICS });
    await jobs.idle();
    expect(sent.at(-1)).toMatchObject({ type: "done", id: "job_aaaaaaaa" });
  });

  it("when the connection drops, aborts its jobs and sends nothing more on any connection", async () => {
    const jobs = make({ capacityOf: () => 2 });
    const first = fakeSession(1);
    const second = fakeSession(2);
    jobs.handleJob(job("job_aaaaaaaa"), first.session);
    jobs.handleJob(job("job_bbbbbbbb"), second.session);
    await untilRuns(2);
    executor.runs[0]?.emit({ content: "x" });
    first.session.close();
    jobs.abortAll("disconnected", first.session);
    expect(executor.runs[0]?.signal.aborted).toBe(true);
    expect(executor.runs[1]?.signal.aborted).toBe(false);
    executor.runs[1]?.finish({ doneReason: "stop", metrics: METRICS });
    await jobs.idle();
    expect(first.sent).toEqual([{ type: "chunk", id: "job_aaaaaaaa", seq: 0, content: "x" }]);
    expect(second.sent).toEqual([{ type: "done", id: "job_bbbbbbbb", doneReason: "stop", metrics: METRICS }]);
  });

  it("maps an Ollama failure to its code", async () => {
    const jobs = make();
    const { session, sent } = fakeSession();
    jobs.handleJob(job("job_aaaaaaaa"), session);
    await untilRuns(1);
    executor.runs[0]?.fail(Object.assign(new Error("model 'qwen2.5:7b' not found"), { name: "ResponseError", status_code: 404 }));
    await jobs.idle();
    expect(sent.at(-1)).toMatchObject({ type: "error", code: "model_not_found" });
  });
});
