export const PAY_HELP = `edge402-pay: call a paid edge402 service as an agent would, paying per call in USDC over x402

Usage:
  npm run pay -- <service> <json | @file | @-> [options]
  npm run pay -- refund <service> [--amount USDC]     (or: <service> --refund)
  edge402-pay <service> <json | @file | @-> [options]

  <service>   a name (chat, embeddings, or any id in the edge's /.well-known/x402 catalog)
              or a path on the edge, e.g. /v1/chat/completions
  <json>      the request body: inline JSON, @path/to/body.json, or @- for standard input

Options:
  --edge URL          the edge (default: EDGE_URL, then .edge402/stack.json from \`npm start\`)
  --scheme S          how to pay: auto (default: a payment channel when the edge offers one, else
                      a transfer), batch-settlement (a channel only), exact (one transfer per call)
  --max-price USDC    refuse to pay a call above this, e.g. 0.01 (exact decimal, 6 places at most);
                      a channel's deposit is not the call's price: --max-deposit caps that
  --max-deposit USDC  the largest channel deposit to sign (default 1); a deposit is the edge's
                      minDeposit, at least what the call needs, and stays yours until charged
  --channels-dir DIR  where channel state is kept between runs (default: channels/ beside the
                      local stack's stack.json when paying it, else ~/.edge402/channels)
  --dry-run           show the quote (the 402) and stop; nothing is signed or paid
  --stream            ask for server-sent events ("stream": true) and print chat text as it arrives
  --amount USDC       with refund: refund only this much (default: everything not yet charged)
  -h, --help          this text

Environment:
  PAYER_KEY           0x… private key that signs the USDC payment (default: the local stack's
                      publicly known demo key from stack.json; it holds local test USDC only)
  EDGE_URL            the edge, when --edge is not given
  RPC_URL             JSON-RPC to read the chain: the payer's balance, and a channel's state when
                      the stored one is missing or the edge corrects it (default: stack.json rpcUrl)
  EDGE402_STATE_DIR   where stack.json lives (default: .edge402 in this repository)

It sends the request once without payment to get the price (402), checks it against --max-price,
then pays that quote with the official x402 client (@x402/fetch with @x402/evm's batch-settlement
and exact schemes) and prints the result and the receipt:
  - by channel: the first call deposits (a transaction) and every later one is a signed voucher
    (no transaction); it prints the deposit, the charge for this call (for a chat, what it used;
    for a stream, the final charge from its last event), the channel's charged total, deposit and
    what is left. The state is stored, so the next run pays with one request;
  - by transfer (exact): the settlement transaction.
Then the payer's balance read from the chain. \`refund <service>\` gets back what the channel's
deposits hold beyond what was charged (the official client's cooperative refund).

Examples:
  npm run pay -- chat '{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"Hello!"}]}' --max-price 0.01
  npm run pay -- sentiment '{"text":"great"}' --scheme exact
  npm run pay -- refund sentiment

Exit codes: 0 done (or quote shown), 1 failed (refused, HTTP error, unreachable edge), 2 usage error.`;
