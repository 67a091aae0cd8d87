import { afterEach, describe, expect, it } from "vitest";
import { TunnelCloseCode } from "../../../protocol/close-codes.ts";
import { startOllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { startFixture, type RunnerFixture } from "./support/runner-fixture.ts";

const chat = (content = "hello", model = "qwen2.5:7b") => ({ kind: "chat" as const, model, messages: [{ role: "user" as const, content }] });

describe("node-runner against a fake edge and the Ollama stand-in", () => {
  let fixture: RunnerFixture | null = null;
  const start = async (...args: Parameters<typeof startFixture>) => (fixture = await startFixture(...args));

  afterEach(async () => {
    const current = fixture;
    fixture = null;
    if (!current) return;
    await current.close();
    // Every frame the runner sent was valid under the protocol's schema.
    expect(current.edge.protocolErrors).toEqual([]);
  });

  it("authenticates, then says hello with the allowed models Ollama has", async () => {
    const { edge, key, runner, log } = await start();
    const connection = await edge.connection(0);
    expect(connection.runnerId).toBe(key.runnerId);
    expect(runner.runnerId).toBe(key.runnerId);
    expect(connection.hellos[0]).toEqual({
      type: "hello",
      runnerId: key.runnerId,
      name: expect.any(String),
      version: expect.any(String),
      maxQueue: 16,
      models: [
        { name: "all-minilm:latest", capacity: 1, capabilities: ["embedding"], family: "bert", parameterSize: "23M", quantization: "F16" },
        { name: "qwen2.5:7b", capacity: 1, capabilities: ["completion", "tools"], family: "qwen2", parameterSize: "7.6B", quantization: "Q4_K_M" },
        { name: "qwen2.5vl:7b", capacity: 1, capabilities: ["completion", "vision"], family: "qwen25vl", parameterSize: "8.3B", quantization: "Q4_K_M" },
      ],
    });
    await log.waitForLine(/ info connected edge=ws:\/\/127\.0\.0\.1:\d+\/tunnel runnerId=rn_\w+ models=all-minilm:latest,qwen2\.5:7b,qwen2\.5vl:7b$/);
    // Nothing secret in the logs.
    const secret = JSON.stringify(key.privateKey.export({ format: "jwk" }).d);
    expect(log.lines.join("\n")).not.toContain(secret.slice(1, -1));
  });

  it("streams a chat job: chunks in order, then done with Ollama's metrics", async () => {
    const { edge, ollama, log } = await start();
    ollama.script({ model: "qwen2.5:7b", content: "The quick brown fox jumps over the lazy dog." });
    const connection = await edge.connection(0);
    const outcome = await connection.run(chat("say it"));
    expect(outcome.error).toBeUndefined();
    expect(outcome.chunks.map((c) => c.seq)).toEqual(outcome.chunks.map((_, i) => i));
    expect(outcome.content).toBe("The quick brown fox jumps over the lazy dog.");
    expect(outcome.done).toEqual({
      type: "done",
      id: expect.any(String),
      doneReason: "stop",
      metrics: {
        prompt_eval_count: expect.any(Number),
        eval_count: expect.any(Number),
        total_duration: expect.any(Number),
        load_duration: expect.any(Number),
        prompt_eval_duration: expect.any(Number),
        eval_duration: expect.any(Number),
      },
    });
    expect(outcome.done?.metrics.eval_count).toBeGreaterThan(0);
    expect(outcome.done?.metrics.prompt_eval_count).toBeGreaterThan(0);
    const end = await log.waitForLine(/ info job end /);
    expect(end).toMatch(/ model=qwen2\.5:7b status=ok promptTokens=\d+ outputTokens=\d+ durationMs=\d+/);
    expect(log.lines.join("\n")).not.toContain("say it");
    expect(log.lines.join("\n")).not.toContain("quick brown fox");
  });

  it("runs an embed job", async () => {
    const { edge } = await start();
    const connection = await edge.connection(0);
    const outcome = await connection.run({ kind: "embed", model: "all-minilm", input: ["one", "two"] });
    expect(outcome.error).toBeUndefined();
    expect(outcome.chunks).toEqual([]);
    expect(outcome.done?.embeddings).toHaveLength(2);
    expect(outcome.done?.embeddings?.[0]).toHaveLength(384);
    expect(outcome.done?.metrics.prompt_eval_count).toBeGreaterThan(0);
  });

  it("answers model_not_found for a model it does not offer, without calling Ollama", async () => {
    const { edge, ollama } = await start();
    const connection = await edge.connection(0);
    // qwen2.5:0.5b is installed in Ollama but not in the runner's allowed list.
    for (const model of ["llama3:8b", "qwen2.5:0.5b"]) {
      const outcome = await connection.run(chat("x", model));
      expect(outcome.error).toMatchObject({ code: "model_not_found" });
    }
    expect(ollama.requests.filter((r) => r.path === "/api/chat")).toEqual([]);
  });

  it("answers invalid_job for a job it cannot parse; an image path never reaches Ollama", async () => {
    const { edge, ollama } = await start();
    const connection = await edge.connection(0);
    const id = "job_badimage1";
    connection.send({
      type: "job",
      id,
      spec: { kind: "chat", model: "qwen2.5vl:7b", messages: [{ role: "user", content: "x", images: ["/etc/hostname"] }] },
      timeoutMs: 60_000,
    });
    const outcome = await connection.finished(id);
    expect(outcome.error).toMatchObject({ code: "invalid_job", message: expect.stringContaining("image") });
    expect(ollama.requests.filter((r) => r.path.startsWith("/api/chat"))).toEqual([]);
  });

  it("ignores frames it cannot read and carries on", async () => {
    const { edge, log } = await start();
    const connection = await edge.connection(0);
    connection.send("not json");
    connection.send({ type: "surprise" });
    connection.send({ type: "cancel", id: "x" });
    const outcome = await connection.run(chat());
    expect(outcome.done).toBeDefined();
    expect(log.lines.filter((l) => l.includes("ignoring invalid frame from edge"))).toHaveLength(3);
  });

  it("cancel mid-stream aborts the Ollama call", async () => {
    const { edge, ollama } = await start();
    ollama.injectFailure({ mode: "never_ending", model: "qwen2.5:7b" });
    const connection = await edge.connection(0);
    const id = connection.sendJob(chat());
    await connection.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");
    connection.cancel(id);
    const outcome = await connection.finished(id);
    expect(outcome.error).toMatchObject({ code: "cancelled" });
    await ollama.waitFor((s) => s.streamsAborted >= 1);
  });

  it("times out a job at its timeoutMs and aborts the Ollama call", async () => {
    const { edge, ollama } = await start();
    ollama.injectFailure({ mode: "hang", model: "qwen2.5:7b" });
    const connection = await edge.connection(0);
    const outcome = await connection.run(chat(), { timeoutMs: 1_000 });
    expect(outcome.error).toEqual({ type: "error", id: expect.any(String), code: "timeout", message: "job did not finish within 1000 ms" });
    await ollama.waitFor((s) => s.active === 0 && s.queued === 0);
  });

  it("reports Ollama's 500 as ollama_error with Ollama's message", async () => {
    const { edge, ollama } = await start();
    ollama.injectFailure({ mode: "http_500", model: "qwen2.5:7b", message: "llama runner process has terminated" });
    const connection = await edge.connection(0);
    const outcome = await connection.run(chat());
    expect(outcome.error).toMatchObject({ code: "ollama_error", message: expect.stringContaining("llama runner process has terminated") });
  });

  it("reports an error line mid-stream as ollama_error, after the chunks before it", async () => {
    const { edge, ollama } = await start();
    ollama.injectFailure({ mode: "error_mid_stream", model: "qwen2.5:7b", afterTokens: 3 });
    const connection = await edge.connection(0);
    const outcome = await connection.run(chat());
    expect(outcome.chunks.length).toBeGreaterThan(0);
    expect(outcome.error).toMatchObject({ code: "ollama_error" });
  });

  it.each(["eof", "reset"] as const)("reports a stream dropped mid-way (%s) as ollama_error", async (dropStyle) => {
    const { edge, ollama } = await start();
    ollama.injectFailure({ mode: "drop_mid_stream", model: "qwen2.5:7b", afterTokens: 2, dropStyle });
    const connection = await edge.connection(0);
    const outcome = await connection.run(chat());
    const message = dropStyle === "eof" ? "Ollama's stream ended without a final message" : "Ollama closed the connection before the response was complete";
    expect(outcome.error).toMatchObject({ code: "ollama_error", message });
  });

  it("reports Ollama going away as ollama_unavailable, and then offers no models", async () => {
    const ollama = await startOllamaStandin();
    const { edge } = await start({ ollama });
    const connection = await edge.connection(0);
    expect(connection.hellos[0]?.models.length).toBe(3);
    await ollama.close();
    const outcome = await connection.run(chat());
    expect(outcome.error).toMatchObject({ code: "ollama_unavailable", message: expect.stringContaining("cannot reach Ollama") });
    // The failure triggers an early model refresh, and the edge is told the runner has nothing to offer.
    const hello = await connection.waitFor((c) => c.hellos.length > 1 && c.hellos.at(-1), "a second hello");
    expect(hello.models).toEqual([]);
  });

  it("advertises nothing while Ollama is down at start, and logs it once", async () => {
    const down = await startOllamaStandin();
    await down.close();
    const { edge, log } = await start({ ollama: down });
    const connection = await edge.connection(0);
    expect(connection.hellos[0]?.models).toEqual([]);
    expect(log.lines.filter((l) => l.includes("Ollama is unreachable"))).toHaveLength(1);
  });

  it("reconnects after the edge closes the socket, sends hello again, and fails nothing on the new link", async () => {
    const { edge, ollama, log } = await start();
    ollama.injectFailure({ mode: "never_ending", model: "qwen2.5:7b" });
    const first = await edge.connection(0);
    const id = first.sendJob(chat());
    await first.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");
    first.close(1012, "service restart");
    const second = await edge.connection(1);
    expect(second.hellos).toHaveLength(1);
    // The in-flight job was aborted (the edge has failed it); nothing about it goes to the new link.
    await ollama.waitFor((s) => s.streamsAborted >= 1);
    expect(second.messages.filter((m) => "id" in m && m.id === id)).toEqual([]);
    await log.waitForLine(/ warn disconnected .*code=1012 reason="service restart" retryInMs=0/);
    const outcome = await second.run(chat("again"));
    expect(outcome.done).toBeDefined();
  });

  it("drops a silent link after two heartbeat intervals and reconnects", async () => {
    const { edge, log } = await start({ config: { heartbeatMs: 100 } });
    edge.answerPings = false;
    await edge.connection(0);
    await log.waitForLine(/ warn edge silent; dropping the connection /);
    edge.answerPings = true;
    await edge.connection(1);
  });

  it("logs what the operator must do when the edge does not know the key", async () => {
    const { edge, log, key } = await start({ trustKey: false });
    const closed = await edge.waitFor(() => edge.connections[0]?.closed, "the edge to close the first connection");
    expect(closed.code).toBe(TunnelCloseCode.unknown_runner);
    const line = await log.waitForLine(/ error could not connect: the edge does not know this runner's public key/);
    expect(line).toContain("RUNNER_KEYS");
    expect(line).toContain(`code=${TunnelCloseCode.unknown_runner}`);
    expect(line).toContain("retryInMs=30000");
    expect(line).toContain(`runnerId=${key.runnerId}`);
  });

  it("on stop() drains: tells the edge, refuses new jobs, finishes the running one, closes with 1000", async () => {
    const { edge, ollama, runner } = await start();
    ollama.setTokensPerSecond(50);
    ollama.script({ model: "qwen2.5:7b", content: "one two three four five six seven eight nine ten eleven twelve" });
    const connection = await edge.connection(0);
    const id = connection.sendJob(chat());
    await connection.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");
    const stopping = runner.stop();
    await connection.waitFor((c) => c.draining, "draining");
    const refused = await connection.run(chat("late"));
    expect(refused.error).toMatchObject({ code: "runner_shutting_down" });
    const outcome = await connection.finished(id);
    expect(outcome.done).toBeDefined();
    expect(outcome.content).toBe("one two three four five six seven eight nine ten eleven twelve");
    await stopping;
    expect(await connection.untilClosed()).toEqual({ code: 1000, reason: "shutdown" });
  });

  it("stopNow() aborts a running job and reports runner_shutting_down", async () => {
    const { edge, ollama, runner } = await start();
    ollama.injectFailure({ mode: "never_ending", model: "qwen2.5:7b" });
    const connection = await edge.connection(0);
    const id = connection.sendJob(chat());
    await connection.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");
    await runner.stopNow();
    expect((await connection.finished(id)).error).toMatchObject({ code: "runner_shutting_down" });
    await ollama.waitFor((s) => s.streamsAborted >= 1);
  });
});
