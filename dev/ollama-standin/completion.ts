import { nowNs } from "./clock.ts";
import { runGeneration, type Outcome } from "./generation.ts";
import { JSON_CONTENT_TYPE, sendError } from "./http-io.ts";
import type { InstalledModel } from "./model-catalog.ts";
import { chooseContent, invalidFormatMessage, planReply, readFormat, thinkingText, type OutputFormat, type OutputToken } from "./reply-plan.ts";
import type { KeepAliveMs, Think } from "./api-requests.ts";
import { wantsThinking } from "./capability-checks.ts";
import type { RunOptions } from "./model-options.ts";
import type { Endpoint } from "./response-chunks.ts";
import type { RouteContext } from "./route-context.ts";
import { SERVER_BUSY } from "./slot-scheduler.ts";
import type { StandinStats } from "./types.ts";

/** A chat or generate request that passed validation and has input to answer. */
export interface CompletionJob {
  endpoint: Endpoint;
  /** The model as the client spelled it (echoed back). */
  requestModel: string;
  model: InstalledModel;
  stream: boolean;
  keepAliveMs: number | undefined;
  numCtx: number | undefined;
  numPredict: number | undefined;
  stop: string[];
  format: OutputFormat;
  thinking: boolean;
  promptEvalCount: number;
  /** The last user message (chat) or the prompt (generate): what scripts match and the echo repeats. */
  lastUserText: string;
  /** The body as the client sent it, for scripted content functions. */
  rawRequest: unknown;
  context: ((output: ReadonlyArray<OutputToken>) => number[]) | undefined;
}

/** What chat and generate requests share, read the same way from both. */
export interface CompletionRequestCommon {
  stream?: boolean;
  keep_alive?: KeepAliveMs;
  format?: unknown;
  think?: Think;
}

/** The CompletionJob fields that chat and generate derive identically from their request. */
export function commonCompletionFields(req: CompletionRequestCommon, model: InstalledModel, options: RunOptions) {
  return {
    model,
    stream: req.stream ?? true,
    keepAliveMs: req.keep_alive,
    numCtx: options.numCtx,
    numPredict: options.numPredict,
    stop: options.stop,
    format: readFormat(req.format),
    thinking: model.capabilities.includes("thinking") && (req.think === undefined || wantsThinking(req.think)),
  };
}

const OUTCOME_COUNTER: Record<Outcome, keyof StandinStats> = {
  completed: "streamsCompleted",
  aborted: "streamsAborted",
  failed: "streamsFailed",
};

/** Waits for a slot on the model, then generates, keeping stats and /api/ps up to date. */
export async function runCompletion(ctx: RouteContext, job: CompletionJob): Promise<void> {
  const { state, signal, res } = ctx;
  const admission = await state.scheduler.acquire(job.model.key, signal);
  if (admission.kind === "queue-full") return sendError(res, 503, SERVER_BUSY);
  if (admission.kind === "aborted") return;
  const loadedNs = nowNs();
  state.loaded.begin(job.model, job.numCtx);
  try {
    if (signal.aborted) return;
    if (job.format.kind === "invalid") {
      // The runner rejects the format once the model is scheduled: a 500 (or a stream error before any byte).
      return sendError(res, 500, invalidFormatMessage(job.format.raw), job.stream ? "application/json" : JSON_CONTENT_TYPE);
    }
    const failure = state.failures.take(job.model.key);
    const scripted = state.scripts.take(job.model.key, job.lastUserText, job.rawRequest);
    const plan = planReply({
      content: chooseContent(scripted, job.format, job.lastUserText),
      thinking: job.thinking ? thinkingText(job.lastUserText) : undefined,
      numPredict: job.numPredict,
      stop: job.stop,
    });
    state.stats.update((s) => {
      s.streamsStarted++;
      s.active++;
    });
    let outcome: Outcome = "aborted";
    try {
      outcome = await runGeneration(ctx, {
        shape: { endpoint: job.endpoint, model: job.requestModel },
        stream: job.stream,
        plan,
        failure,
        loadedNs,
        promptEvalCount: job.promptEvalCount,
        context: job.context,
      });
    } finally {
      state.stats.update((s) => {
        s.active--;
        s[OUTCOME_COUNTER[outcome]]++;
      });
    }
  } finally {
    state.loaded.end(job.model, job.keepAliveMs);
    admission.release();
  }
}
