/**
 * npm run mcp-pay -- list | <tool> <json | @file> [--edge URL] [--max-price USDC] [--scheme S] [--max-deposit USDC] [--channels-dir DIR]
 * An MCP agent's paid tool call from the command line; the client is client/mcp/paying-mcp-client.ts.
 */
import { STACK_FILE } from "./lib/stack-file.ts";
import { runMcpPay } from "./mcp-pay/run.ts";

process.exitCode = await runMcpPay(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  stackFile: STACK_FILE,
});
