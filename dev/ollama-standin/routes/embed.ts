import { decodeRequest, EMBED_REQUEST, EMBEDDINGS_REQUEST, type EmbeddingsRequest, type EmbedRequest } from "../api-requests.ts";
import { durationNs, nowNs } from "../clock.ts";
import { float32ForJson, normalize, rawEmbedding } from "../embeddings.ts";
import { goQuote } from "../go/quote.ts";
import { sendError, sendJson } from "../http-io.ts";
import type { InstalledModel } from "../model-catalog.ts";
import { readOptions } from "../model-options.ts";
import { embeddingInputTokens } from "../prompt-tokens.ts";
import type { RouteContext } from "../route-context.ts";
import { SERVER_BUSY } from "../slot-scheduler.ts";

/** POST /api/embed: normalised vectors, always an array of them. */
export async function handleEmbed(ctx: RouteContext): Promise<void> {
  const { res, state } = ctx;
  const decoded = decodeRequest<EmbedRequest>(ctx.body, EMBED_REQUEST);
  if (decoded.kind === "empty") return sendError(res, 400, "missing request body");
  if (decoded.kind === "error") return sendError(res, 400, decoded.message);
  const req = decoded.request;
  const requestModel = req.model ?? "";
  const lookup = requestModel === "" ? undefined : state.catalog.lookup(requestModel);
  if (lookup?.kind === "invalid") return sendError(res, 400, "invalid model name");
  if (lookup === undefined) return sendError(res, 404, `model '${requestModel}' not found`);
  const inputs = readInputs(req.input);
  if (inputs === undefined) return sendError(res, 400, "invalid input type");
  // The scheduler's wording, not the handlers': the model is looked up when it is scheduled.
  if (lookup.kind === "missing") return sendError(res, 404, `model ${goQuote(requestModel)} not found, try pulling it first`);
  const { model } = lookup;
  const options = readOptions(req.options);
  if (!options.ok) return sendError(res, 500, options.message);

  const slot = await withSlot(ctx, model, options.options.numCtx, req.keep_alive, () => {
    const loadedNs = nowNs();
    if (inputs.length === 0) return sendJson(res, 200, { model: requestModel, embeddings: [] });
    const contextLimit = Math.min(options.options.numCtx ?? model.contextLength, model.contextLength);
    const counts = inputs.map((text) => embeddingInputTokens(text));
    if (req.truncate === false && counts.some((count) => count > contextLimit)) {
      return sendError(res, 400, "the input length exceeds the context length");
    }
    const embeddings = inputs.map((text) => {
      const vector = normalize(rawEmbedding(model.key, text, model.embeddingLength));
      const dimensions = req.dimensions ?? 0;
      // Ollama truncates to `dimensions` and normalises again; out-of-range values are ignored.
      const sized = dimensions > 0 && dimensions < vector.length ? normalize(vector.slice(0, dimensions)) : vector;
      return sized.map(float32ForJson);
    });
    sendJson(res, 200, {
      model: requestModel,
      embeddings,
      total_duration: durationNs(ctx.startNs, nowNs()),
      load_duration: durationNs(ctx.startNs, loadedNs),
      prompt_eval_count: counts.reduce((sum, count) => sum + Math.min(count, contextLimit), 0),
    });
  });
  if (slot === "queue-full") sendError(res, 503, SERVER_BUSY);
}

/** POST /api/embeddings (legacy): one vector, as the model produced it (not normalised). */
export async function handleEmbeddings(ctx: RouteContext): Promise<void> {
  const { res, state } = ctx;
  const decoded = decodeRequest<EmbeddingsRequest>(ctx.body, EMBEDDINGS_REQUEST);
  if (decoded.kind === "empty") return sendError(res, 400, "missing request body");
  if (decoded.kind === "error") return sendError(res, 400, decoded.message);
  const req = decoded.request;
  const requestModel = req.model ?? "";
  const lookup = requestModel === "" ? undefined : state.catalog.lookup(requestModel);
  if (lookup?.kind === "invalid") return sendError(res, 400, "invalid model name");
  if (lookup === undefined) return sendError(res, 400, "model is required");
  if (lookup.kind === "missing") return sendError(res, 404, `model ${goQuote(requestModel)} not found, try pulling it first`);
  const { model } = lookup;
  const options = readOptions(req.options);
  if (!options.ok) return sendError(res, 500, options.message);

  const slot = await withSlot(ctx, model, options.options.numCtx, req.keep_alive, () => {
    const prompt = req.prompt ?? "";
    const embedding = prompt === "" ? [] : rawEmbedding(model.key, prompt, model.embeddingLength);
    sendJson(res, 200, { embedding });
  });
  if (slot === "queue-full") sendError(res, 503, SERVER_BUSY);
}

// A string (empty means none) or an array of strings; anything else is refused.
function readInputs(input: unknown): string[] | undefined {
  if (input === undefined) return [];
  if (typeof input === "string") return input === "" ? [] : [input];
  if (Array.isArray(input) && input.every((item): item is string => typeof item === "string")) return input;
  return undefined;
}

// Embedding runs on the model's runner too, so it waits its turn like a generation.
async function withSlot(
  ctx: RouteContext,
  model: InstalledModel,
  numCtx: number | undefined,
  keepAliveMs: number | undefined,
  work: () => void,
): Promise<"done" | "queue-full" | "aborted"> {
  const admission = await ctx.state.scheduler.acquire(model.key, ctx.signal);
  if (admission.kind !== "admitted") return admission.kind;
  ctx.state.loaded.begin(model, numCtx);
  try {
    work();
    return "done";
  } finally {
    ctx.state.loaded.end(model, keepAliveMs);
    admission.release();
  }
}
