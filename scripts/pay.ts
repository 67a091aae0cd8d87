/**
 * npm run pay -- <service> <json | @file> [--edge URL] [--scheme auto|batch-settlement|exact] [--max-price USDC]
 *   [--max-deposit USDC] [--channels-dir DIR] [--dry-run] [--stream]
 * npm run pay -- refund <service> [--amount USDC]
 * An agent's paid call (by channel or transfer) from the command line; everything but the process lives in scripts/pay/.
 */
import { STACK_FILE } from "./lib/stack-file.ts";
import { runPay } from "./pay/run.ts";

process.exitCode = await runPay(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  stackFile: STACK_FILE,
});
