import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A JSON-RPC relay that adds a fixed delay to every call, so a benchmark on loopback anvil can show
 * what a real RPC provider's round trip does to each design (a regional provider: ~10–50 ms).
 */
export async function startLatencyProxy(targetUrl: string, delayMs: number): Promise<{ url: string; stop(): Promise<void> }> {
  const target = new URL(targetUrl);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: { "content-type": "application/json" } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
            answer.pipe(res);
          },
        );
        upstream.on("error", () => res.writeHead(502).end());
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
