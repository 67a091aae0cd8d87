import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcRelay {
  url: string;
  /** JSON-RPC methods answered with an error instead of being forwarded (e.g. eth_sendRawTransaction). */
  failMethods: Set<string>;
  /** Forwarded calls, by method. */
  calls: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * A JSON-RPC relay in front of anvil: adds a fixed delay to every call (what a real provider's round
 * trip does to each design, ~10–50 ms) and can fail chosen methods (the chain's RPC going down).
 */
export async function startRpcRelay(targetUrl: string, options: { delayMs?: number } = {}): Promise<RpcRelay> {
  const target = new URL(targetUrl);
  const failMethods = new Set<string>();
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const methods = rpcMethods(body);
      for (const method of methods) calls.set(method, (calls.get(method) ?? 0) + 1);
      setTimeout(() => {
        if (methods.some((m) => failMethods.has(m))) {
          res.writeHead(503, { "content-type": "text/plain" }).end("rpc relay: method failed on purpose");
          return;
        }
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: { "content-type": "application/json" } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
            answer.pipe(res);
          },
        );
        upstream.on("error", () => res.writeHead(502).end());
        upstream.end(body);
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failMethods,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function rpcMethods(body: Buffer): string[] {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { method?: string } | Array<{ method?: string }>;
    return (Array.isArray(parsed) ? parsed : [parsed]).map((call) => call.method ?? "");
  } catch {
    return [];
  }
}
