import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";
import { catalogBodyLimit } from "../services/catalog/route.ts";
import { createMcpServer } from "./mcp-server.ts";

/** Room for the JSON-RPC envelope and a PaymentPayload around a tool's arguments. */
const ENVELOPE_BYTES = 16 * 1024;

/**
 * POST /mcp: MCP Streamable HTTP, stateless (no session id, no server-initiated stream) with plain
 * JSON responses — every request is self-contained, as paid tool calls are. GET (a standalone SSE
 * stream) and DELETE (ending a session) have nothing to serve here: 405.
 */
export async function mcpRoute(c: Context<AppEnv>): Promise<Response> {
  if (c.req.method !== "POST") {
    return jsonError(405, "method_not_allowed", "this MCP endpoint is stateless: POST JSON-RPC messages to it", undefined, { Allow: "POST" });
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: catalogBodyLimit(c.var.config.imageLimits.maxBytes) + ENVELOPE_BYTES,
  });
  const server = createMcpServer(c);
  await server.connect(transport);
  return transport.handleRequest(c.req.raw);
}
