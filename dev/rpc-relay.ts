import { createServer, request as httpRequest, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcRelay {
  url: string;
  /** JSON-RPC methods answered with HTTP 503 instead of being forwarded (the chain's RPC going down). */
  failMethods: Set<string>;
  /**
   * Methods forwarded to the node, whose answer is then lost: the caller gets HTTP 503 although the
   * node acted (a provider that accepted a transaction and timed out before answering).
   */
  loseAnswers: Set<string>;
  /** Methods answered with a JSON-RPC revert error (code 3, "execution reverted: <text>") instead of being forwarded. */
  revertMethods: Map<string, string>;
  /** Calls that arrived, by method (held and failed ones included). */
  calls: Map<string, number>;
  /**
   * Holds the next call of `method` until `release()` or `fail()`: `arrived` resolves when it is
   * being held. What the test does in between happens, on chain, before the held call.
   */
  hold(method: string): HeldCall;
  stop(): Promise<void>;
}

export interface HeldCall {
  arrived: Promise<void>;
  /** Lets the call go on as it would have (forwarded, or failed per the relay's sets). */
  release(): void;
  /** Answers the call with HTTP 503 without forwarding it: the node never sees it. */
  fail(): void;
}

interface PendingHold {
  onArrival(): void;
  released: Promise<"release" | "fail">;
}

/**
 * A JSON-RPC relay in front of anvil: adds a fixed delay to every call (what a real provider's round
 * trip does to each design, ~10–50 ms) and can fail, revert, hold or lose the answer of chosen methods.
 */
export async function startRpcRelay(targetUrl: string, options: { delayMs?: number } = {}): Promise<RpcRelay> {
  const target = new URL(targetUrl);
  const failMethods = new Set<string>();
  const loseAnswers = new Set<string>();
  const revertMethods = new Map<string, string>();
  const calls = new Map<string, number>();
  const holds = new Map<string, PendingHold[]>();

  const forward = (body: Buffer, res: ServerResponse | null) =>
    new Promise<void>((resolve) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json" } },
        (answer) => {
          if (res) {
            res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
            answer.pipe(res);
          } else {
            answer.resume();
          }
          answer.on("end", resolve);
        },
      );
      upstream.on("error", () => {
        res?.writeHead(502).end();
        resolve();
      });
      upstream.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const parsed = rpcCalls(body);
      const methods = parsed.map((c) => c.method);
      for (const method of methods) calls.set(method, (calls.get(method) ?? 0) + 1);
      setTimeout(async () => {
        let failHeld = false;
        for (const method of methods) {
          const hold = holds.get(method)?.shift();
          if (hold) {
            hold.onArrival();
            failHeld ||= (await hold.released) === "fail";
          }
        }
        if (failHeld || methods.some((m) => failMethods.has(m))) {
          res.writeHead(503, { "content-type": "text/plain" }).end("rpc relay: method failed on purpose");
          return;
        }
        const revert = methods.map((m) => revertMethods.get(m)).find((text) => text !== undefined);
        if (revert !== undefined) {
          const errors = parsed.map((c) => ({ jsonrpc: "2.0", id: c.id, error: { code: 3, message: `execution reverted: ${revert}`, data: "0x" } }));
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(parsedBody(body)) ? errors : errors[0]));
          return;
        }
        if (methods.some((m) => loseAnswers.has(m))) {
          await forward(body, null);
          res.writeHead(503, { "content-type": "text/plain" }).end("rpc relay: answer lost on purpose");
          return;
        }
        await forward(body, res);
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failMethods,
    loseAnswers,
    revertMethods,
    calls,
    hold(method) {
      let onArrival!: () => void;
      let settle!: (verdict: "release" | "fail") => void;
      const arrived = new Promise<void>((resolve) => (onArrival = resolve));
      const released = new Promise<"release" | "fail">((resolve) => (settle = resolve));
      holds.set(method, [...(holds.get(method) ?? []), { onArrival, released }]);
      return { arrived, release: () => settle("release"), fail: () => settle("fail") };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parsedBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

function rpcCalls(body: Buffer): Array<{ method: string; id: unknown }> {
  const parsed = parsedBody(body) as { method?: string; id?: unknown } | Array<{ method?: string; id?: unknown }> | null;
  if (parsed === null || typeof parsed !== "object") return [];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((call) => ({ method: call.method ?? "", id: call.id ?? null }));
}
