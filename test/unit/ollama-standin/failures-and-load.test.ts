import { type ChatResponse, Ollama } from "ollama/browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type OllamaStandin, type StandinOptions, startOllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { caught, ndjsonLines, postJson } from "./helpers.ts";

describe("injected failures and disconnects", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  // A fresh stand-in per test, so every stats assertion starts from zero.
  beforeEach(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterEach(() => standin.close());

  // ollama-js writes `stream` into the object it is given, so every call gets a fresh one.
  const request = () => ({ model: "qwen2.5:7b", messages: [{ role: "user", content: "one two three four five six seven" }] });

  async function readAll(stream: AsyncIterable<ChatResponse>, into: ChatResponse[]): Promise<void> {
    for await (const chunk of stream) into.push(chunk);
  }

  describe("injected failures", () => {
    it("http_500 answers 500 JSON before any byte; ollama-js throws ResponseError before iterating", async () => {
      standin.injectFailure({ mode: "http_500" });
      const error = await caught(ollama.chat({ ...request(), stream: true }));
      expect(error).toMatchObject({ name: "ResponseError", status_code: 500, message: "llama runner process has terminated: exit status 2" });
      expect(standin.stats()).toMatchObject({ streamsStarted: 1, streamsFailed: 1, streamsCompleted: 0, active: 0 });
      // Consumed: the next request succeeds.
      expect((await ollama.chat(request())).done).toBe(true);
    });

    it("error_mid_stream keeps status 200, sends afterTokens chunks, then an error line and no done", async () => {
      standin.injectFailure({ mode: "error_mid_stream", afterTokens: 2 });
      const response = await fetch(`${standin.url}/api/chat`, { method: "POST", body: JSON.stringify(request()) });
      expect(response.status).toBe(200);
      const lines = ndjsonLines(await response.text());
      expect(lines).toHaveLength(3);
      expect(lines.slice(0, 2).every((line) => line.done === false)).toBe(true);
      expect(lines[2]).toEqual({ error: "an error was encountered while running the model" });
    });

    it("error_mid_stream makes ollama-js throw Error(<the error line>) after the chunks it got", async () => {
      standin.injectFailure({ mode: "error_mid_stream" });
      const chunks: ChatResponse[] = [];
      const error = await caught(readAll(await ollama.chat({ ...request(), stream: true }), chunks));
      expect(error.message).toBe("an error was encountered while running the model");
      expect(error.name).toBe("Error");
      expect(chunks).toHaveLength(3);
      expect(standin.stats()).toMatchObject({ streamsFailed: 1, streamsCompleted: 0 });
    });

    it("drop_mid_stream ends the body without done: ollama-js reports the missing done", async () => {
      standin.injectFailure({ mode: "drop_mid_stream", afterTokens: 4 });
      const chunks: ChatResponse[] = [];
      const error = await caught(readAll(await ollama.chat({ ...request(), stream: true }), chunks));
      expect(error.message).toBe("Did not receive done or success response in stream.");
      expect(chunks).toHaveLength(4);
    });

    it("drop_mid_stream with dropStyle reset cuts a chunked body: fetch fails with 'terminated'", async () => {
      standin.injectFailure({ mode: "drop_mid_stream", dropStyle: "reset" });
      const chunks: ChatResponse[] = [];
      const error = await caught(readAll(await ollama.chat({ ...request(), stream: true }), chunks));
      expect(error).toMatchObject({ name: "TypeError", message: "terminated" });
      expect(chunks).toHaveLength(3);
    });

    it("hang sends nothing until the client gives up, then counts the generation as aborted", async () => {
      standin.injectFailure({ mode: "hang" });
      const controller = new AbortController();
      const client = new Ollama({ host: standin.url, fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }) });
      const pending = caught(client.chat({ ...request(), stream: true }));
      await standin.waitFor((s) => s.active === 1);
      controller.abort();
      expect((await pending).name).toBe("AbortError");
      expect(await standin.waitFor((s) => s.streamsAborted === 1)).toMatchObject({ active: 0, streamsCompleted: 0 });
    });

    it("never_ending streams until ollama-js aborts the iterator; the stand-in stops and records the abort", async () => {
      standin.injectFailure({ mode: "never_ending" });
      const stream = await ollama.chat({ ...request(), stream: true });
      let received = 0;
      const error = await caught(
        (async () => {
          for await (const chunk of stream) {
            expect(chunk.done).toBe(false);
            if (++received === 50) stream.abort();
          }
        })(),
      );
      expect(error.name).toBe("AbortError");
      expect(received).toBeGreaterThanOrEqual(50);
      expect(await standin.waitFor((s) => s.streamsAborted === 1)).toMatchObject({ active: 0, streamsStarted: 1 });
    });

    it("applies only to the named model, and `times` failures in a row", async () => {
      standin.injectFailure({ mode: "http_500", model: "QWEN2.5:0.5b", times: 2, message: "boom" });
      expect((await ollama.chat(request())).done).toBe(true);
      const small = { ...request(), model: "qwen2.5:0.5b" };
      expect(await caught(ollama.chat(small))).toMatchObject({ status_code: 500, message: "boom" });
      expect(await caught(ollama.chat(small))).toMatchObject({ status_code: 500, message: "boom" });
      expect((await ollama.chat(small)).done).toBe(true);
    });

    it("clearFailures removes pending plans, including endless ones", async () => {
      standin.injectFailure({ mode: "http_500", times: Infinity });
      expect((await caught(ollama.chat(request()))).status_code).toBe(500);
      standin.clearFailures();
      expect((await ollama.chat(request())).done).toBe(true);
    });
  });

  describe("client disconnect", () => {
    it("stops a paced stream as soon as the client closes it", async () => {
      standin.setTokensPerSecond(0.01); // one token per 100 s: only the disconnect can end this stream in time
      const stream = await ollama.chat({ ...request(), stream: true });
      const seen: boolean[] = [];
      const error = await caught(
        (async () => {
          for await (const chunk of stream) {
            seen.push(chunk.done);
            stream.abort();
          }
        })(),
      );
      expect(error.name).toBe("AbortError");
      expect(seen).toEqual([false]);
      expect(await standin.waitFor((s) => s.streamsAborted === 1)).toMatchObject({ active: 0, streamsCompleted: 0 });
    });

    it("drops a request that was still waiting for a slot", async () => {
      standin.setTokensPerSecond(0.01);
      const first = await ollama.chat({ ...request(), stream: true });
      const controller = new AbortController();
      const client = new Ollama({ host: standin.url, fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }) });
      const queued = caught(client.chat({ ...request(), stream: true }));
      await standin.waitFor((s) => s.queued === 1);
      controller.abort();
      expect((await queued).name).toBe("AbortError");
      expect(await standin.waitFor((s) => s.queued === 0)).toMatchObject({ streamsStarted: 1, active: 1 });
      first.abort();
    });
  });

  describe("lifecycle", () => {
    it("close() resolves while requests hang, stream forever and wait in the queue, and their clients see the connection end", async () => {
      standin.injectFailure({ mode: "hang" });
      const hanging = caught(ollama.chat({ ...request(), stream: true }));
      await standin.waitFor((s) => s.active === 1);
      const queued = caught(ollama.chat({ ...request(), stream: true }));
      await standin.waitFor((s) => s.queued === 1);
      standin.injectFailure({ mode: "never_ending", model: "qwen2.5:0.5b" });
      const endless = await ollama.chat({ ...request(), model: "qwen2.5:0.5b", stream: true });
      const reading = caught(
        (async () => {
          for await (const chunk of endless) expect(chunk.done).toBe(false);
        })(),
      );
      await standin.close();
      expect((await hanging).message).toMatch(/fetch failed|terminated|other side closed/);
      expect((await queued).message).toMatch(/fetch failed|terminated|other side closed/);
      expect((await reading).message).toMatch(/terminated|Did not receive done/);
    });

    it("waitFor rejects after its timeout with the stats it last saw", async () => {
      await expect(standin.waitFor((s) => s.streamsCompleted === 99, 20)).rejects.toThrow(/waitFor timed out after 20 ms; stats are \{"requests":0/);
    });
  });
});

describe("load: slots, queue and pacing", () => {
  // Ordering is proved with events and waitFor, never with clocks: a rate of 0.01 tokens/s holds a
  // stream open (100 s per token) until the test releases it with setTokensPerSecond(0).
  const HOLD = 0.01;

  let standin: OllamaStandin;
  let ollama: Ollama;

  async function start(options: StandinOptions): Promise<void> {
    standin = await startOllamaStandin(options);
    ollama = new Ollama({ host: standin.url });
  }
  afterEach(() => standin.close());

  const ask = (model: string, content: string) => ({ model, messages: [{ role: "user", content }] });

  /** Reads a stream, logging "<label>:first" at the first chunk and "<label>:done" at the end. */
  async function follow(label: string, stream: AsyncIterable<{ done: boolean }>, log: string[]): Promise<void> {
    let first = true;
    for await (const chunk of stream) {
      if (first) log.push(`${label}:first`);
      first = false;
      if (chunk.done) log.push(`${label}:done`);
    }
  }

  describe("per-model slots (OLLAMA_NUM_PARALLEL)", () => {
    it("serialises requests to one model FIFO while other models run alongside", async () => {
      await start({ tokensPerSecond: HOLD });
      const log: string[] = [];
      const a = follow("a", await ollama.chat({ ...ask("qwen2.5:7b", "first request"), stream: true }), log);
      await standin.waitFor((s) => s.active === 1);
      const b = ollama.chat({ ...ask("qwen2.5:7b", "second request"), stream: true }).then((stream) => follow("b", stream, log));
      await standin.waitFor((s) => s.queued === 1);
      const other = follow("other", await ollama.chat({ ...ask("qwen2.5:0.5b", "another model"), stream: true }), log);
      const busy = await standin.waitFor((s) => s.active === 2);
      expect(busy).toMatchObject({ queued: 1, streamsStarted: 2 });

      standin.setTokensPerSecond(0);
      await Promise.all([a, b, other]);
      expect(log.indexOf("a:done")).toBeLessThan(log.indexOf("b:first"));
      expect(log.indexOf("a:first")).toBeLessThan(log.indexOf("b:first"));
      expect(standin.stats()).toMatchObject({ streamsStarted: 3, streamsCompleted: 3, active: 0, queued: 0 });
    });

    it("runs numParallel generations of one model at once", async () => {
      await start({ tokensPerSecond: HOLD, numParallel: 2 });
      const streams = await Promise.all([1, 2].map((n) => ollama.chat({ ...ask("qwen2.5:7b", `request ${n}`), stream: true })));
      const reads = streams.map((stream, i) => follow(String(i), stream, []));
      await standin.waitFor((s) => s.active === 2);
      const third = ollama.chat({ ...ask("qwen2.5:7b", "third"), stream: true });
      expect(await standin.waitFor((s) => s.queued === 1)).toMatchObject({ active: 2 });
      standin.setTokensPerSecond(0);
      await Promise.all([...reads, third.then((stream) => follow("third", stream, []))]);
      expect(standin.stats()).toMatchObject({ streamsCompleted: 3, queued: 0 });
    });
  });

  describe("queue limit (OLLAMA_MAX_QUEUE)", () => {
    it("answers 503 with Ollama's message once maxQueue requests are waiting", async () => {
      await start({ tokensPerSecond: HOLD, maxQueue: 1 });
      const running = await ollama.chat({ ...ask("qwen2.5:7b", "running"), stream: true });
      const first = follow("running", running, []);
      const waiting = ollama.chat(ask("qwen2.5:7b", "waiting"));
      await standin.waitFor((s) => s.active === 1 && s.queued === 1);

      const refused = await caught(ollama.chat(ask("qwen2.5:7b", "refused")));
      expect(refused).toMatchObject({ name: "ResponseError", status_code: 503, message: "server busy, please try again.  maximum pending requests exceeded" });
      const raw = await postJson(standin.url, "/api/embed", { model: "qwen2.5:7b", input: "also refused" });
      expect(raw).toMatchObject({ status: 503, contentType: "application/json; charset=utf-8" });

      standin.setTokensPerSecond(0);
      await first;
      expect((await waiting).message.content).toBe("You said: waiting");
    });
  });

  describe("token pacing", () => {
    it("holds a paced stream while an unpaced request finishes, and a new rate applies to the wait under way", async () => {
      await start({ tokensPerSecond: HOLD });
      const log: string[] = [];
      let sawFirst: () => void = () => {};
      const firstChunk = new Promise<void>((resolve) => (sawFirst = resolve));
      const stream = await ollama.chat({ ...ask("qwen2.5:7b", "slow one"), stream: true });
      const reading = (async () => {
        let n = 0;
        for await (const chunk of stream) {
          log.push(chunk.done ? "slow:done" : `slow:${++n}`);
          sawFirst();
        }
      })();
      await firstChunk;
      // Embeddings are not paced, so this completes while the chat waits 100 s for its second token.
      await ollama.embed({ model: "all-minilm", input: "fast" });
      log.push("embed:done");
      standin.setTokensPerSecond(0);
      await reading;
      expect(log.slice(0, 2)).toEqual(["slow:1", "embed:done"]);
      expect(log.at(-1)).toBe("slow:done");
      expect(log).toHaveLength(2 + 5); // "You said: slow one" is 5 tokens, then done
    });
  });
});
