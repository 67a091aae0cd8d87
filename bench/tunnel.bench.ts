/**
 * npm run bench:tunnel — what the edge and the tunnel add on top of calling Ollama directly.
 *
 * One run, one machine, side by side: the same chat request sent (a) straight to the Ollama-API
 * stand-in with ollama-js and (b) through the Worker (wrangler dev), the RunnerPool Durable Object,
 * the WebSocket tunnel and a node-runner process, to the same stand-in. Variants alternate so machine
 * noise hits both; results are printed as ratios. Payment is left out (the benchmark route is the
 * free copy of the chat route that BENCH_ROUTES enables on the local chain); bench:payments measures it.
 */
import { Ollama } from "ollama/browser";
import { startLocalStack } from "../dev/local-stack.ts";
import { readSse } from "../dev/sse.ts";
import { fmt, interleave, median, percentile, ratio, table, timed } from "./lib/stats.ts";

const LATENCY_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const STREAM_ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS ?? 6);
const STREAM_TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 4000);
const MODEL = "qwen2.5:7b";

const stack = await startLocalStack({ runners: 1, edgeEnv: { BENCH_ROUTES: "on" } });
try {
  const ollama = new Ollama({ host: stack.standin.url });
  const benchUrl = `${stack.edge.url}/__bench/v1/chat/completions`;
  const messages = [{ role: "user" as const, content: "ping" }];

  const direct = () => timed(() => ollama.chat({ model: MODEL, messages, stream: false, options: { num_predict: 8 } }));
  const edge = () =>
    timed(async () => {
      const response = await fetch(benchUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, messages, max_tokens: 8 }) });
      if (response.status !== 200) throw new Error(`edge answered ${response.status}: ${await response.text()}`);
      await response.json();
    });

  await interleave(20, { direct, edge }); // warm-up: JIT, connections, Durable Object
  const latency = await interleave(LATENCY_ROUNDS, { direct, edge });

  const story = Array.from({ length: STREAM_TOKENS }, (_, i) => `w${i}`).join(" ");
  stack.standin.script({ match: "stream", content: story });
  const streamMessages = [{ role: "user" as const, content: "stream please" }];
  const directStream = async () => {
    const start = performance.now();
    let tokens = 0;
    for await (const part of await ollama.chat({ model: MODEL, messages: streamMessages, stream: true, options: { num_predict: STREAM_TOKENS * 2 } })) {
      if (part.done) tokens = part.eval_count;
    }
    return tokens / ((performance.now() - start) / 1000);
  };
  const edgeStream = async () => {
    const start = performance.now();
    const response = await fetch(benchUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: streamMessages, stream: true, stream_options: { include_usage: true }, max_tokens: STREAM_TOKENS * 2 }),
    });
    const events = await readSse(response);
    const usage = (events.at(-2) as { usage?: { completion_tokens: number } }).usage;
    if (!usage) throw new Error("no usage chunk in the edge stream");
    return usage.completion_tokens / ((performance.now() - start) / 1000);
  };
  await interleave(1, { directStream, edgeStream });
  const throughput = await interleave(STREAM_ROUNDS, { directStream, edgeStream });

  const p = (s: number[], q: number) => percentile(s, q);
  console.log(`\nedge402 bench:tunnel — ${LATENCY_ROUNDS} requests per variant, ${STREAM_ROUNDS} streams of ${STREAM_TOKENS} tokens per variant\n`);
  console.log(
    table([
      { measure: "latency p50 (ms)", direct: fmt(p(latency.direct, 50)), "edge+tunnel": fmt(p(latency.edge, 50)), added: fmt(p(latency.edge, 50) - p(latency.direct, 50)), ratio: ratio(p(latency.edge, 50), p(latency.direct, 50)) },
      { measure: "latency p99 (ms)", direct: fmt(p(latency.direct, 99)), "edge+tunnel": fmt(p(latency.edge, 99)), added: fmt(p(latency.edge, 99) - p(latency.direct, 99)), ratio: ratio(p(latency.edge, 99), p(latency.direct, 99)) },
      { measure: "streamed tokens/s (median)", direct: fmt(median(throughput.directStream), 0), "edge+tunnel": fmt(median(throughput.edgeStream), 0), added: "", ratio: ratio(median(throughput.edgeStream), median(throughput.directStream)) },
    ]),
  );
  console.log("\nratio = edge+tunnel ÷ direct. Latency: 8-token non-streamed chat. Throughput: tokens the stand-in produced ÷ wall time at the client.");
} finally {
  await stack.stop();
}
