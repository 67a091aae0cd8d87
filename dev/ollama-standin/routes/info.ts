import { decodeRequest, SHOW_REQUEST, type ShowRequest } from "../api-requests.ts";
import { sendError, sendJson, sendText } from "../http-io.ts";
import { psEntry, showResponse, tagsEntry } from "../model-presenter.ts";
import { parseModelName, shortestName } from "../model-name.ts";
import type { RouteContext } from "../route-context.ts";

/** GET|HEAD / */
export function handleRoot(ctx: RouteContext): void {
  sendText(ctx.res, 200, "Ollama is running", "text/plain; charset=utf-8");
}

/** GET|HEAD /api/version */
export function handleVersion(ctx: RouteContext): void {
  sendJson(ctx.res, 200, { version: ctx.state.version });
}

/** GET|HEAD /api/tags: newest first. */
export function handleTags(ctx: RouteContext): void {
  const models = ctx.state.catalog.list().sort((a, b) => b.modifiedAtMs - a.modifiedAtMs);
  sendJson(ctx.res, 200, { models: models.map(tagsEntry) });
}

/** GET /api/ps */
export function handlePs(ctx: RouteContext): void {
  sendJson(ctx.res, 200, { models: ctx.state.loaded.list().map(psEntry) });
}

/** POST /api/show; `name` is accepted as an alias of `model`. */
export function handleShow(ctx: RouteContext): void {
  const { res, state } = ctx;
  const decoded = decodeRequest<ShowRequest>(ctx.body, SHOW_REQUEST);
  if (decoded.kind === "empty") return sendError(res, 400, "missing request body");
  if (decoded.kind === "error") return sendError(res, 400, decoded.message);
  const requested = decoded.request.model || decoded.request.name || "";
  if (requested === "") return sendError(res, 400, "model is required");
  const name = parseModelName(requested);
  if (name === null) return sendError(res, 400, "invalid model name");
  const lookup = state.catalog.lookup(requested);
  // Show names the model in its shortest canonical form: 'nope:latest'.
  if (lookup.kind !== "found") return sendError(res, 404, `model '${shortestName(name)}' not found`);
  sendJson(res, 200, showResponse(lookup.model));
}
