export const PAY_HELP = `edge402-pay: call a paid edge402 service as an agent would, paying per call in USDC over x402

Usage:
  npm run pay -- <service> <json | @file | @-> [options]
  edge402-pay <service> <json | @file | @-> [options]

  <service>   a name (chat, embeddings, or any id in the edge's /.well-known/x402 catalog)
              or a path on the edge, e.g. /v1/chat/completions
  <json>      the request body: inline JSON, @path/to/body.json, or @- for standard input

Options:
  --edge URL          the edge (default: EDGE_URL, then .edge402/stack.json from \`npm start\`)
  --max-price USDC    refuse to pay a quote above this, e.g. 0.01 (exact decimal, 6 places at most)
  --dry-run           show the quote (the 402) and stop; nothing is signed or paid
  --stream            ask for server-sent events ("stream": true) and print chat text as it arrives
  -h, --help          this text

Environment:
  PAYER_KEY           0x… private key that signs the USDC payment (default: the local stack's
                      publicly known demo key from stack.json; it holds local test USDC only)
  EDGE_URL            the edge, when --edge is not given
  RPC_URL             JSON-RPC to read the payer's balance after paying (default: stack.json rpcUrl)
  EDGE402_STATE_DIR   where stack.json lives (default: .edge402 in this repository)

It sends the request once without payment to get the price (402), checks it against --max-price,
then pays exactly that quote with the official x402 client (@x402/fetch, exact EVM scheme), prints
the result, the settlement transaction and the payer's balance read from the chain.

Example:
  npm run pay -- chat '{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"Hello!"}]}' --max-price 0.01

Exit codes: 0 done (or quote shown), 1 failed (refused, HTTP error, unreachable edge), 2 usage error.`;
