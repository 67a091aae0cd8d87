// Runs the stand-in as its own process for the local stack:
//   npx tsx dev/ollama-standin/cli.ts --port 11434 --tps 50
import { parseArgs } from "node:util";
import { startOllamaStandin } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "11434" },
    host: { type: "string", default: "127.0.0.1" },
    tps: { type: "string", default: "0" },
    "num-parallel": { type: "string", default: "1" },
    "max-queue": { type: "string", default: "512" },
    version: { type: "string" },
  },
});

const standin = await startOllamaStandin({
  port: numberArg("port", values.port),
  host: values.host,
  tokensPerSecond: numberArg("tps", values.tps),
  numParallel: numberArg("num-parallel", values["num-parallel"]),
  maxQueue: numberArg("max-queue", values["max-queue"]),
  ...(values.version ? { version: values.version } : {}),
}).catch((error: unknown) => {
  // e.g. EADDRINUSE when a real Ollama (or another stand-in) already has the port
  process.stderr.write(`ollama-standin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
process.stdout.write(`ollama-standin listening on ${standin.url}\n`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void standin.close().then(() => process.exit(0));
  });
}

function numberArg(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    process.stderr.write(`ollama-standin: --${name} must be a number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}
