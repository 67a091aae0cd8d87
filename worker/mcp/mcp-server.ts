import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { callCatalogTool } from "./call-catalog-tool.ts";
import { paymentSchemesFor } from "../payments/schemes/registry.ts";
import { catalogTools } from "./tool-catalog.ts";

const INSTRUCTIONS =
  "edge402 sells AI inference per call for USDC over x402. Every tool is paid: call it, and an unpaid call returns " +
  "x402 PaymentRequired (isError, structuredContent); retry with a signed PaymentPayload in _meta[\"x402/payment\"]. " +
  "The receipt comes back in _meta[\"x402/payment-response\"]. Failed calls are never charged.";

/**
 * One MCP server per HTTP request (the stateless Streamable HTTP pattern): tools/list is free,
 * tools/call runs a catalog service through the payment core.
 */
export function createMcpServer(c: Context<AppEnv>): Server {
  const server = new Server(
    { name: "edge402", version: "0.1.0" },
    // The SDK's default validator (Ajv) compiles schemas with `new Function`, which workerd forbids.
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: catalogTools(c.var.config, paymentSchemesFor(c.var.config, c.env)) }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const offer = c.var.config.services.find((o) => o.definition.id === request.params.name);
    if (!offer) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name.slice(0, 100)}"; tools/list names the tools`);
    return callCatalogTool(c, offer, request.params, extra.signal);
  });
  return server;
}
