import type { ServerResponse } from "node:http";
import { NDJSON_CONTENT_TYPE } from "./http-io.ts";

/**
 * Writes one JSON object per line and waits until each line has been handed to the socket, so every
 * token reaches the client as it is produced and a slow reader applies backpressure. Headers go out
 * with the first line, as in Ollama, so a request that fails before it gets a plain JSON error.
 */
export class NdjsonWriter {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse, options: { closeDelimited?: boolean } = {}) {
    this.#res = res;
    if (options.closeDelimited) {
      // No chunked framing: the body ends when the connection closes, so a drop reads as a clean EOF.
      res.setHeader("Connection", "close");
      res.removeHeader("Transfer-Encoding");
    }
  }

  line(value: unknown): Promise<void> {
    const res = this.#res;
    if (res.destroyed) return Promise.resolve();
    if (!res.headersSent) {
      res.statusCode = 200;
      res.setHeader("Content-Type", NDJSON_CONTENT_TYPE);
    }
    return new Promise((resolve) => {
      const done = () => {
        res.off("close", done);
        resolve();
      };
      res.once("close", done);
      res.write(`${JSON.stringify(value)}\n`, done);
    });
  }

  end(): void {
    if (!this.#res.destroyed) this.#res.end();
  }

  /** Cuts the connection mid-body, as a crashed server would. */
  drop(): void {
    this.#res.socket?.destroy();
  }
}
