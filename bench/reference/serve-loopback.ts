import { getRequestListener } from "@hono/node-server";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoopbackServer {
  /** e.g. http://127.0.0.1:54321 (no trailing slash) */
  readonly url: string;
  /** Stops listening and drops open (keep-alive) connections, so it never waits on an idle client. */
  stop(): Promise<void>;
}

/**
 * Serves a fetch handler (a Hono app's `fetch`) from a plain node:http server on 127.0.0.1.
 * `getRequestListener` instead of `serve()` because it leaves the server in our hands: a concrete
 * http.Server we can close, including the keep-alive sockets fetch clients hold open.
 */
export async function serveLoopback(fetchHandler: (request: Request) => Response | Promise<Response>, port = 0): Promise<LoopbackServer> {
  const server = createServer(getRequestListener(fetchHandler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo; // always an AddressInfo for a TCP listen
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
