/**
 * npm run earnings -- [--since 7d] [--until TIME] [--csv] [--edge URL]
 * What the edge earned per day, service and scheme, from its admin API; the work is in scripts/earnings/.
 */
import { STACK_FILE } from "./lib/stack-file.ts";
import { runEarnings } from "./earnings/run.ts";

process.exitCode = await runEarnings(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  stackFile: STACK_FILE,
});
