import { untilAborted } from "./abortable.ts";
import { durationNs, nowNs } from "./clock.ts";
import type { ScheduledFailure } from "./failure-book.ts";
import { JSON_CONTENT_TYPE, sendError, sendJson } from "./http-io.ts";
import { NdjsonWriter } from "./ndjson-writer.ts";
import type { OutputToken, ReplyPlan } from "./reply-plan.ts";
import { finalChunk, partialChunk, type ChunkShape, type Metrics, type Text } from "./response-chunks.ts";
import type { RouteContext } from "./route-context.ts";

export type Outcome = "completed" | "aborted" | "failed";

export interface Generation {
  shape: ChunkShape;
  stream: boolean;
  plan: ReplyPlan;
  failure: ScheduledFailure | undefined;
  /** When the request got its slot: load_duration ends and prompt evaluation starts here. */
  loadedNs: bigint;
  promptEvalCount: number;
  /** generate's `context`: token ids of prompt and answer (absent for chat and raw prompts). */
  context: ((output: ReadonlyArray<OutputToken>) => number[]) | undefined;
}

// Before streaming starts Ollama writes errors with c.JSON after setting a bare content type.
const STREAM_ERROR_CONTENT_TYPE = "application/json";

/** Produces the tokens of one generation, streamed or collected, and fails on cue. */
export async function runGeneration(ctx: RouteContext, generation: Generation): Promise<Outcome> {
  const { res, signal } = ctx;
  const { failure, stream } = generation;
  if (failure?.mode === "http_500") {
    sendError(res, 500, failure.message, stream ? STREAM_ERROR_CONTENT_TYPE : JSON_CONTENT_TYPE);
    return "failed";
  }
  if (failure?.mode === "hang") {
    await untilAborted(signal);
    return "aborted";
  }
  const closeDelimited = failure?.mode === "drop_mid_stream" && failure.dropStyle === "eof";
  const writer = stream ? new NdjsonWriter(res, { closeDelimited }) : undefined;
  const midStream = failure?.mode === "error_mid_stream" || failure?.mode === "drop_mid_stream";
  const limit = midStream ? failure.afterTokens : Infinity;
  const tokens = failure?.mode === "never_ending" ? endless(generation.plan.tokens) : generation.plan.tokens;
  // A non-streamed answer needs every token; a never-ending one must not pile them up.
  const collected: OutputToken[] = [];
  const collect = !stream && failure?.mode !== "never_ending";
  let count = 0;
  let firstTokenNs: bigint | undefined;
  let lastTokenNs = generation.loadedNs;

  for (const token of tokens) {
    if (count >= limit) break;
    if (count > 0) await ctx.state.pacer.beforeNextToken(signal);
    if (signal.aborted) return "aborted";
    lastTokenNs = nowNs();
    firstTokenNs ??= lastTokenNs;
    count++;
    if (collect) collected.push(token);
    if (writer) await writer.line(partialChunk(generation.shape, token));
    if (signal.aborted) return "aborted";
  }

  if (failure?.mode === "error_mid_stream") {
    // Ollama's streamResponse: the status stays 200, an error line ends the body, no done follows.
    if (writer) {
      await writer.line({ error: failure.message });
      writer.end();
    } else {
      sendError(res, 500, failure.message);
    }
    return "failed";
  }
  if (failure?.mode === "drop_mid_stream") {
    res.socket?.destroy();
    return "failed";
  }

  const endNs = nowNs();
  const metrics: Metrics = {
    total_duration: durationNs(ctx.startNs, endNs),
    load_duration: durationNs(ctx.startNs, generation.loadedNs),
    prompt_eval_count: generation.promptEvalCount,
    prompt_eval_duration: durationNs(generation.loadedNs, firstTokenNs ?? endNs),
    eval_count: count,
    eval_duration: firstTokenNs === undefined ? 0 : durationNs(firstTokenNs, lastTokenNs),
  };
  const context = generation.context?.(generation.plan.tokens.slice(0, count));
  const { doneReason } = generation.plan;
  if (writer) {
    await writer.line(finalChunk(generation.shape, { content: "", thinking: "" }, doneReason, metrics, context));
    writer.end();
  } else {
    sendJson(res, 200, finalChunk(generation.shape, concatenate(collected), doneReason, metrics, context));
  }
  return signal.aborted ? "aborted" : "completed";
}

function concatenate(tokens: ReadonlyArray<OutputToken>): Text {
  const text: Text = { content: "", thinking: "" };
  for (const token of tokens) text[token.channel] += token.text;
  return text;
}

// The reply's content tokens over and over, for the never_ending failure.
function* endless(tokens: ReadonlyArray<OutputToken>): Generator<OutputToken> {
  const cycle = tokens.filter((t) => t.channel === "content");
  const source = cycle.length > 0 ? cycle : [{ channel: "content" as const, text: " token" }];
  for (;;) yield* source;
}
