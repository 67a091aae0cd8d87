import { CHAT_REQUEST, decodeRequest, type ChatMessage, type ChatRequest } from "../api-requests.ts";
import { checkCapabilities, checkImages, checkThinking, type Needed } from "../capability-checks.ts";
import { commonCompletionFields, runCompletion } from "../completion.ts";
import { sendError, sendJson } from "../http-io.ts";
import { readOptions } from "../model-options.ts";
import { chatPromptTokens } from "../prompt-tokens.ts";
import { loadResponse } from "../response-chunks.ts";
import type { RouteContext } from "../route-context.ts";

/** POST /api/chat, in the order of Ollama's ChatHandler so the first problem found is the one reported. */
export async function handleChat(ctx: RouteContext): Promise<void> {
  const { res, state } = ctx;
  const decoded = decodeRequest<ChatRequest>(ctx.body, CHAT_REQUEST);
  if (decoded.kind === "empty") return sendError(res, 400, "missing request body");
  if (decoded.kind === "error") return sendError(res, 400, decoded.message);
  const req = decoded.request;
  if ((req.top_logprobs ?? 0) < 0 || (req.top_logprobs ?? 0) > 20) return sendError(res, 400, "top_logprobs must be between 0 and 20");

  const requestModel = req.model ?? "";
  if (requestModel === "") return sendError(res, 400, "model is required");
  const lookup = state.catalog.lookup(requestModel);
  if (lookup.kind === "invalid") return sendError(res, 400, "invalid model name");
  if (lookup.kind === "missing") return sendError(res, 404, `model '${requestModel}' not found`);
  const { model } = lookup;
  const shape = { endpoint: "chat", model: requestModel } as const;
  const messages = (req.messages ?? []).map(normalizeMessage);

  if (messages.length === 0 && req.keep_alive === 0) {
    state.loaded.unload(model);
    return sendJson(res, 200, loadResponse(shape, "unload"));
  }
  const thinking = checkThinking(model, requestModel, req.think);
  if (!thinking.ok) return sendError(res, thinking.status, thinking.message);
  const images = messages.flatMap((m) => m.images ?? []);
  const needed: Needed[] = ["completion"];
  if ((req.tools ?? []).length > 0) needed.push("tools");
  if (images.length > 0) needed.push("vision");
  const capable = checkCapabilities(model, requestModel, "chat", needed);
  if (!capable.ok) return sendError(res, capable.status, capable.message);
  const options = readOptions(req.options);
  if (!options.ok) return sendError(res, 500, options.message);

  if (messages.length === 0) {
    state.loaded.load(model, options.options.numCtx, req.keep_alive);
    return sendJson(res, 200, loadResponse(shape, "load"));
  }
  const imageCheck = checkImages(images);
  if (!imageCheck.ok) return sendError(res, imageCheck.status, imageCheck.message);

  const promptMessages = messages.map((m) => ({ role: m.role, content: m.content ?? "" }));
  const lastUser = promptMessages.findLast((m) => m.role === "user");
  await runCompletion(ctx, {
    endpoint: "chat",
    requestModel,
    ...commonCompletionFields(req, model, options.options),
    promptEvalCount: chatPromptTokens({ family: model.family, messages: promptMessages, tools: req.tools ?? [] }) + imageCheck.promptTokens,
    lastUserText: lastUser?.content ?? "",
    rawRequest: decoded.raw,
    context: undefined,
  });
}

// api.Message.UnmarshalJSON lower-cases the role; a null message decodes to an empty one.
function normalizeMessage(message: ChatMessage | undefined): ChatMessage & { role: string } {
  return { ...message, role: (message?.role ?? "").toLowerCase() };
}
