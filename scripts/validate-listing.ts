/**
 * npm run validate-listing -- [--edge URL]
 * Checks a live edge's listing as x402 indexes read it (/openapi.json's x-payment-info, each paid
 * resource's 402 and its bazaar extension through the official validator); the work is in scripts/validate-listing/.
 */
import { STACK_FILE } from "./lib/stack-file.ts";
import { runValidateListing } from "./validate-listing/run.ts";

process.exitCode = await runValidateListing(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  stackFile: STACK_FILE,
});
