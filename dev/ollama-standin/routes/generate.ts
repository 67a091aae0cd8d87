import { decodeRequest, GENERATE_REQUEST, type GenerateRequest } from "../api-requests.ts";
import { checkCapabilities, checkImages, checkThinking, type Needed } from "../capability-checks.ts";
import { commonCompletionFields, runCompletion } from "../completion.ts";
import { sendError, sendJson } from "../http-io.ts";
import { readOptions } from "../model-options.ts";
import { generatePromptTokens } from "../prompt-tokens.ts";
import type { OutputToken } from "../reply-plan.ts";
import { loadResponse } from "../response-chunks.ts";
import type { RouteContext } from "../route-context.ts";
import { tokenId } from "../tokenizer.ts";

/** POST /api/generate, in the order of Ollama's GenerateHandler. */
export async function handleGenerate(ctx: RouteContext): Promise<void> {
  const { res, state } = ctx;
  const decoded = decodeRequest<GenerateRequest>(ctx.body, GENERATE_REQUEST);
  if (decoded.kind === "empty") return sendError(res, 400, "missing request body");
  if (decoded.kind === "error") return sendError(res, 400, decoded.message);
  const req = decoded.request;
  if ((req.top_logprobs ?? 0) < 0 || (req.top_logprobs ?? 0) > 20) return sendError(res, 400, "top_logprobs must be between 0 and 20");

  // Unlike chat, a missing model is "not found" here (404 model '' not found).
  const requestModel = req.model ?? "";
  const lookup = requestModel === "" ? undefined : state.catalog.lookup(requestModel);
  if (lookup?.kind === "invalid") return sendError(res, 400, "invalid model name");
  if (lookup === undefined || lookup.kind === "missing") return sendError(res, 404, `model '${requestModel}' not found`);
  const { model } = lookup;
  const shape = { endpoint: "generate", model: requestModel } as const;
  const prompt = req.prompt ?? "";

  if (prompt === "" && req.keep_alive === 0) {
    state.loaded.unload(model);
    return sendJson(res, 200, loadResponse(shape, "unload"));
  }
  const raw = req.raw ?? false;
  if (raw && (req.template || req.system || (req.context ?? []).length > 0)) {
    return sendError(res, 400, "raw mode does not support template, system, or context");
  }
  const thinking = checkThinking(model, requestModel, req.think);
  if (!thinking.ok) return sendError(res, thinking.status, thinking.message);
  const images = req.images ?? [];
  const needed: Needed[] = ["completion"];
  if (req.suffix) needed.push("insert");
  if (images.length > 0) needed.push("vision");
  const capable = checkCapabilities(model, requestModel, "generate", needed);
  if (!capable.ok) return sendError(res, capable.status, capable.message);
  const options = readOptions(req.options);
  if (!options.ok) return sendError(res, 500, options.message);

  if (prompt === "") {
    state.loaded.load(model, options.options.numCtx, req.keep_alive);
    return sendJson(res, 200, loadResponse(shape, "load"));
  }
  const imageCheck = checkImages(images);
  if (!imageCheck.ok) return sendError(res, imageCheck.status, imageCheck.message);

  const earlierContext = req.context ?? [];
  const promptEvalCount =
    generatePromptTokens({ family: model.family, prompt, system: req.system ?? "", raw }) + earlierContext.length + imageCheck.promptTokens;
  await runCompletion(ctx, {
    endpoint: "generate",
    requestModel,
    ...commonCompletionFields(req, model, options.options),
    promptEvalCount,
    lastUserText: prompt,
    rawRequest: decoded.raw,
    // Ollama tokenizes prompt + answer for `context`, except for raw prompts.
    context: raw ? undefined : (output) => contextTokens(prompt, promptEvalCount, output),
  });
}

function contextTokens(prompt: string, promptCount: number, output: ReadonlyArray<OutputToken>): number[] {
  const promptIds = Array.from({ length: promptCount }, (_, i) => tokenId(`${prompt}\u0000${i}`));
  return [...promptIds, ...output.map((token) => tokenId(token.text))];
}
