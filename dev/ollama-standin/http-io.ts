import type { IncomingMessage, ServerResponse } from "node:http";

// Response helpers with the content types gin uses.

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = JSON_CONTENT_TYPE): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": contentType });
  res.end(JSON.stringify(body));
}

/** Ollama's error shape. */
export function sendError(res: ServerResponse, status: number, message: string, contentType = JSON_CONTENT_TYPE): void {
  sendJson(res, status, { error: message }, contentType);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": contentType });
  res.end(text);
}

/** A status with no body at all, like the Host guard's 403. */
export function sendEmpty(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Length": "0" });
  res.end();
}
