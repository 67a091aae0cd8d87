export const MCP_PAY_HELP = `edge402-mcp-pay: call edge402's paid MCP tools as an MCP agent would, paying per call in USDC (x402)

Usage:
  npm run mcp-pay -- list [--edge URL]
  npm run mcp-pay -- <tool> <json | @file | @-> [--edge URL] [--max-price USDC]

  list        the tools at <edge>/mcp with their prices (free)
  <tool>      a tool name from \`list\`, e.g. sentiment
  <json>      the tool's arguments: inline JSON, @path/to/args.json, or @- for standard input

Options:
  --edge URL          the edge (default: EDGE_URL, then .edge402/stack.json from \`npm start\`)
  --max-price USDC    never pay more than this per call (default 0.05), e.g. 0.01
  -h, --help          this text

Environment:
  PAYER_KEY           0x… private key that signs the USDC payment (default: the local stack's
                      publicly known demo key from stack.json, which then pays on that chain only)
  EDGE_URL            the edge, when --edge is not given

It calls the tool unpaid, reads x402's PaymentRequired from the result, signs the exact price with
the official @x402/evm client scheme if it is within --max-price, calls again with the payment in
_meta["x402/payment"], and prints the result and the receipt from _meta["x402/payment-response"].

Example:
  npm run mcp-pay -- sentiment '{"text":"I love this product"}' --max-price 0.01
`;
