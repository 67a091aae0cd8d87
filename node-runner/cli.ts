import { main } from "./main.ts";

// The process boundary: real argv, env, streams and signals. Everything else lives in main.ts.
const code = await main(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  onSignal: (handler) => {
    process.on("SIGINT", () => handler("SIGINT"));
    process.on("SIGTERM", () => handler("SIGTERM"));
  },
});
process.exitCode = code;
// Normally nothing is left running; if something is (a stuck socket), do not hang on it. Unref'd, so
// a clean exit (with stdout/stderr still flushing to a pipe on macOS) is not cut short.
setTimeout(() => process.exit(code), 2_000).unref();
