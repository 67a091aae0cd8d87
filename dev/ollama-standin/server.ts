import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { nowNs } from "./clock.ts";
import { CONTROL_PREFIX, controlRoutes, type StandinControls } from "./control-routes.ts";
import { DEFAULT_STANDIN_MODELS } from "./default-models.ts";
import { FailureBook } from "./failure-book.ts";
import { isAllowedHost, isLoopbackAddress } from "./host-guard.ts";
import { readBody, sendEmpty, sendError } from "./http-io.ts";
import { LoadedModels } from "./loaded-models.ts";
import { ModelCatalog } from "./model-catalog.ts";
import type { RouteContext, StandinState } from "./route-context.ts";
import { dispatch, type Route } from "./router.ts";
import { handleChat } from "./routes/chat.ts";
import { handleEmbed, handleEmbeddings } from "./routes/embed.ts";
import { handleGenerate } from "./routes/generate.ts";
import { handlePs, handleRoot, handleShow, handleTags, handleVersion } from "./routes/info.ts";
import { ScriptBook } from "./script-book.ts";
import { SlotScheduler } from "./slot-scheduler.ts";
import { StatsTracker } from "./stats-tracker.ts";
import { TokenPacer } from "./token-pacer.ts";
import type { OllamaStandin, RecordedRequest, StandinOptions } from "./types.ts";

const OLLAMA_ROUTES: ReadonlyArray<Route> = [
  { method: "GET", path: "/", handler: handleRoot },
  { method: "HEAD", path: "/", handler: handleRoot },
  { method: "GET", path: "/api/version", handler: handleVersion },
  { method: "HEAD", path: "/api/version", handler: handleVersion },
  { method: "GET", path: "/api/tags", handler: handleTags },
  { method: "HEAD", path: "/api/tags", handler: handleTags },
  { method: "POST", path: "/api/show", handler: handleShow },
  { method: "GET", path: "/api/ps", handler: handlePs },
  { method: "POST", path: "/api/chat", handler: handleChat },
  { method: "POST", path: "/api/generate", handler: handleGenerate },
  { method: "POST", path: "/api/embed", handler: handleEmbed },
  { method: "POST", path: "/api/embeddings", handler: handleEmbeddings },
];

/** Starts an Ollama-API stand-in on a free port (by default) of 127.0.0.1. */
export async function startOllamaStandin(options: StandinOptions = {}): Promise<OllamaStandin> {
  const numParallel = integerAtLeast("numParallel", options.numParallel ?? 1, 1);
  const maxQueue = integerAtLeast("maxQueue", options.maxQueue ?? 512, 0);
  const catalog = new ModelCatalog(options.models ?? DEFAULT_STANDIN_MODELS);
  const stats = new StatsTracker();
  const requests: RecordedRequest[] = [];
  const state: StandinState = {
    catalog,
    stats,
    requests,
    scheduler: new SlotScheduler({ numParallel, maxQueue, onQueueChange: (queued) => stats.update((s) => (s.queued = queued)) }),
    pacer: new TokenPacer(options.tokensPerSecond ?? 0),
    failures: new FailureBook((model) => catalog.keyOf(model)),
    scripts: new ScriptBook((model) => catalog.keyOf(model)),
    loaded: new LoadedModels(),
    version: options.version ?? "0.32.15",
  };

  const controls: StandinControls = {
    requests,
    stats: () => stats.snapshot(),
    setTokensPerSecond: (tps) => state.pacer.set(tps),
    injectFailure: (plan) => state.failures.inject(plan),
    clearFailures: () => state.failures.clear(),
    script: (reply) => state.scripts.add(reply),
    clearScripts: () => state.scripts.clear(),
  };
  const shared: Shared = { state, routes: [...OLLAMA_ROUTES, ...controlRoutes(controls)], guarded: true };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRequest(req, res, shared).catch((error: unknown) => {
      // A bug in the stand-in must show up in the test, not hang it.
      if (!res.headersSent) sendError(res, 500, `ollama-standin: ${error instanceof Error ? error.stack : String(error)}`);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // Ollama only guards the Host header when it listens on loopback.
  shared.guarded = isLoopbackAddress(address.address);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const standin: OllamaStandin = {
    ...controls,
    url: `http://${host}:${address.port}`,
    port: address.port,
    waitFor: (predicate, timeoutMs) => stats.waitFor(predicate, timeoutMs),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Destroying a socket aborts its request, which unwinds queued, hanging and streaming work.
        for (const socket of sockets) socket.destroy();
        stats.rejectAll("the stand-in was closed");
      });
      return closing;
    },
  };
  return standin;
}

interface Shared {
  state: StandinState;
  routes: ReadonlyArray<Route>;
  guarded: boolean;
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, { state, routes, guarded }: Shared): Promise<void> {
  const startNs = nowNs();
  const abort = new AbortController();
  // The client leaving before the answer is complete is how Ollama learns to stop generating.
  res.once("close", () => {
    if (!res.writableEnded) abort.abort();
  });
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch {
    return; // the client went away while sending
  }
  const method = req.method ?? "GET";
  const path = new URL(req.url ?? "/", "http://standin").pathname;
  const ctx: RouteContext = { req, res, body, startNs, signal: abort.signal, state };
  if (path.startsWith(CONTROL_PREFIX)) return dispatch(routes, ctx, method, path);

  state.requests.push({ method, path, headers: { ...req.headers }, body: parseForLog(body), at: Date.now() });
  state.stats.update((s) => s.requests++);
  if (guarded && !isAllowedHost(req.headers.host)) return sendEmpty(res, 403);
  if (method === "OPTIONS") return sendEmpty(res, 204);
  return dispatch(routes, ctx, method, path);
}

function parseForLog(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function integerAtLeast(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) throw new TypeError(`${name} must be an integer >= ${minimum}, got ${value}`);
  return value;
}
