export const MCP_PAY_HELP = `edge402-mcp-pay: call edge402's paid MCP tools as an MCP agent would, paying per call in USDC (x402)

Usage:
  npm run mcp-pay -- list [--edge URL]
  npm run mcp-pay -- <tool> <json | @file | @-> [options]

  list        the tools at <edge>/mcp with their prices (free)
  <tool>      a tool name from \`list\`, e.g. sentiment
  <json>      the tool's arguments: inline JSON, @path/to/args.json, or @- for standard input

Options:
  --edge URL          the edge (default: EDGE_URL, then .edge402/stack.json from \`npm start\`)
  --max-price USDC    never pay more than this per call (default 0.05), e.g. 0.01
  --scheme S          auto (default: a payment channel when offered, else a transfer),
                      batch-settlement (a channel only), or exact (one transfer per call)
  --max-deposit USDC  the largest channel deposit to sign (default 1); --max-price does not cap a
                      deposit: it is not a call's price, and what is not charged can be refunded
  --channels-dir DIR  where channel state is kept (default: as \`npm run pay\`, so both share a channel)
  -h, --help          this text

Environment:
  PAYER_KEY           0x… private key that signs the USDC payment (default: the local stack's
                      publicly known demo key from stack.json, which then pays on that chain only)
  EDGE_URL            the edge, when --edge is not given
  RPC_URL             JSON-RPC for a channel's on-chain state (default: stack.json rpcUrl)

It calls the tool unpaid, reads x402's PaymentRequired from the result, signs the price with the
official @x402/evm client scheme if it is within --max-price (by channel: a deposit the first time,
then a voucher per call, no transaction), calls again with the payment in _meta["x402/payment"],
and prints the result and the receipt from _meta["x402/payment-response"]. \`npm run pay -- refund
<service>\` gets back what a channel holds beyond what was charged.

Example:
  npm run mcp-pay -- sentiment '{"text":"I love this product"}' --max-price 0.01
`;
