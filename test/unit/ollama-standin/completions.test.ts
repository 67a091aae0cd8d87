import { type ChatResponse, type GenerateResponse, Ollama } from "ollama/browser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type OllamaStandin, startOllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { patternExample } from "../../../dev/ollama-standin/pattern-example.ts";
import { exampleForSchema } from "../../../dev/ollama-standin/schema-example.ts";
import { caught, ndjsonLines, postJson } from "./helpers.ts";

describe("/api/chat", () => {
  const RFC3339_NANO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;
  const METRICS = ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"];

  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());
  afterEach(() => standin.clearScripts());

  describe("POST /api/chat through ollama-js", () => {
    it("streams assistant tokens, then a final chunk with done_reason and integer metrics", async () => {
      const stream = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "Hello there, friend!" }], stream: true });
      const chunks: ChatResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      const final = chunks.at(-1);
      const partial = chunks.slice(0, -1);
      expect(partial.length).toBeGreaterThan(1);
      for (const chunk of partial) {
        expect(Object.keys(chunk)).toEqual(["model", "created_at", "message", "done"]);
        expect(chunk.message.role).toBe("assistant");
        expect(String(chunk.created_at)).toMatch(RFC3339_NANO_UTC);
      }
      expect(partial.map((c) => c.message.content).join("")).toBe("You said: Hello there, friend!");
      expect(final).toMatchObject({ done: true, done_reason: "stop", message: { role: "assistant", content: "" } });
      for (const field of METRICS) expect(Number.isInteger((final as unknown as Record<string, unknown>)[field])).toBe(true);
      expect(final?.eval_count).toBe(partial.length);
    });

    it("answers stream:false with one object holding the whole content and the same token counts", async () => {
      const request = { model: "qwen2.5:7b", messages: [{ role: "user", content: "Count my words please" }] };
      const whole = await ollama.chat({ ...request, stream: false });
      const streamed = await ollama.chat({ ...request, stream: true });
      let content = "";
      let last: ChatResponse | undefined;
      for await (const chunk of streamed) {
        content += chunk.message.content;
        last = chunk;
      }
      expect(whole.message.content).toBe(content);
      expect(whole.done).toBe(true);
      expect(whole.eval_count).toBe(last?.eval_count);
      expect(whole.prompt_eval_count).toBe(last?.prompt_eval_count);
    });

    it("streams NDJSON when the client leaves `stream` out, and plain JSON for stream:false", async () => {
      const messages = [{ role: "user", content: "hi" }];
      const streamed = await postJson(standin.url, "/api/chat", { model: "qwen2.5:7b", messages });
      expect(streamed.contentType).toBe("application/x-ndjson");
      const lines = ndjsonLines(streamed.text);
      expect(lines.at(-1)).toMatchObject({ done: true });
      expect(lines.length).toBeGreaterThan(1);

      const whole = await postJson(standin.url, "/api/chat", { model: "qwen2.5:7b", messages, stream: false });
      expect(whole.contentType).toBe("application/json; charset=utf-8");
      expect(whole.body).toMatchObject({ done: true, message: { content: "You said: hi" } });
    });

    it("cuts the reply at num_predict tokens with done_reason length", async () => {
      const reply = await ollama.chat({
        model: "qwen2.5:7b",
        messages: [{ role: "user", content: "one two three four five six" }],
        options: { num_predict: 4 },
      });
      expect(reply.done_reason).toBe("length");
      expect(reply.eval_count).toBe(4);
      expect(reply.message.content).toBe("You said: one");
    });

    it("stops at a stop string with done_reason stop", async () => {
      const reply = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "alpha beta gamma" }], options: { stop: [" beta"] } });
      expect(reply.message.content).toBe("You said: alpha");
      expect(reply.done_reason).toBe("stop");
    });

    it("counts a longer conversation as more prompt tokens", async () => {
      const short = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] });
      const long = await ollama.chat({
        model: "qwen2.5:7b",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello" },
          { role: "user", content: "tell me about the weather in Lisbon today" },
        ],
      });
      expect(long.prompt_eval_count).toBeGreaterThan(short.prompt_eval_count);
      expect(long.message.content).toBe("You said: tell me about the weather in Lisbon today");
    });

    it("matches model names case-insensitively and echoes the name as sent; the tag defaults to latest", async () => {
      const upper = await ollama.chat({ model: "QWEN2.5:7B", messages: [{ role: "user", content: "x" }] });
      expect(upper.model).toBe("QWEN2.5:7B");
      const embeddingLatest = await postJson(standin.url, "/api/embed", { model: "all-minilm:latest", input: "x" });
      expect(embeddingLatest.status).toBe(200);
    });

    it("streams thinking before content for a thinking model, and none with think:false", async () => {
      const thinking = await ollama.chat({ model: "qwen3:0.6b", messages: [{ role: "user", content: "why is the sky blue" }] });
      expect(thinking.message.thinking).toBe("The user wrote 5 words. I will answer briefly.");
      expect(thinking.message.content).toBe("You said: why is the sky blue");

      const plain = await ollama.chat({ model: "qwen3:0.6b", think: false, messages: [{ role: "user", content: "why" }] });
      expect(plain.message.thinking).toBeUndefined();
      expect(plain.eval_count).toBeLessThan(thinking.eval_count);
    });
  });

  describe("load and unload", () => {
    it("answers empty messages with one load object even though streaming is the default", async () => {
      const response = await postJson(standin.url, "/api/chat", { model: "qwen2.5:0.5b", messages: [] });
      expect(response.contentType).toBe("application/json; charset=utf-8");
      expect(response.body).toMatchObject({ model: "qwen2.5:0.5b", message: { role: "assistant", content: "" }, done: true, done_reason: "load" });
      expect(Object.keys(response.body as object)).not.toContain("eval_count");
    });

    it("unloads with keep_alive 0, and ollama-js accepts both answers from a streaming call", async () => {
      const loaded = await ollama.chat({ model: "smollm2:135m", messages: [], stream: true });
      const loadChunks: ChatResponse[] = [];
      for await (const chunk of loaded) loadChunks.push(chunk);
      expect(loadChunks.map((c) => c.done_reason)).toEqual(["load"]);
      expect((await ollama.ps()).models.map((m) => m.name)).toContain("smollm2:135m");

      const unloaded = await ollama.chat({ model: "smollm2:135m", messages: [], keep_alive: 0 });
      expect(unloaded.done_reason).toBe("unload");
      expect((await ollama.ps()).models.map((m) => m.name)).not.toContain("smollm2:135m");
    });
  });

  describe("scripted replies", () => {
    it("win over the default reply, match the last user message, and run out after `times`", async () => {
      standin.script({ model: "qwen2.5:7b", match: /weather/, content: "Sunny, 24°C.", times: 1 });
      const ask = (content: string) => ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content }] });
      expect((await ask("what is the weather?")).message.content).toBe("Sunny, 24°C.");
      expect((await ask("what is the weather?")).message.content).toBe("You said: what is the weather?");
    });

    it("only answer for their model, and may compute the content from the request", async () => {
      standin.script({ model: "qwen2.5:0.5b", content: (request) => `messages=${(request as { messages: unknown[] }).messages.length}` });
      const other = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "a" }] });
      expect(other.message.content).toBe("You said: a");
      const scripted = await ollama.chat({ model: "Qwen2.5:0.5B", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] });
      expect(scripted.message.content).toBe("messages=3");
    });
  });
});

describe("/api/generate", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());

  describe("POST /api/generate through ollama-js", () => {
    it("streams `response` pieces; the final chunk carries context = prompt tokens + answer tokens", async () => {
      const stream = await ollama.generate({ model: "qwen2.5:7b", prompt: "Why is the sky blue?", stream: true });
      const chunks: GenerateResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const final = chunks.at(-1);
      const partial = chunks.slice(0, -1);
      for (const chunk of partial) expect(Object.keys(chunk)).toEqual(["model", "created_at", "response", "done"]);
      expect(partial.map((c) => c.response).join("")).toBe("You said: Why is the sky blue?");
      expect(final).toMatchObject({ done: true, done_reason: "stop", response: "" });
      expect(final?.context).toHaveLength((final?.prompt_eval_count ?? 0) + (final?.eval_count ?? 0));
      expect(final?.context?.every((id) => Number.isInteger(id))).toBe(true);
    });

    it("omits context for raw prompts and counts only the raw prompt's tokens", async () => {
      const templated = await ollama.generate({ model: "qwen2.5:7b", prompt: "hello world" });
      const raw = await ollama.generate({ model: "qwen2.5:7b", prompt: "hello world", raw: true });
      expect(raw.context).toBeUndefined();
      expect(templated.context?.length).toBeGreaterThan(0);
      expect(raw.prompt_eval_count).toBe(2);
      expect(templated.prompt_eval_count).toBeGreaterThan(raw.prompt_eval_count);
    });

    it("refuses raw together with system", async () => {
      const error = await caught(ollama.generate({ model: "qwen2.5:7b", prompt: "x", raw: true, system: "be brief" }));
      expect(error).toMatchObject({ name: "ResponseError", status_code: 400, message: "raw mode does not support template, system, or context" });
    });

    it("loads on an empty prompt (response is present and empty) and unloads with keep_alive 0", async () => {
      const load = await postJson(standin.url, "/api/generate", { model: "qwen2.5:0.5b" });
      expect(load.body).toEqual({ model: "qwen2.5:0.5b", created_at: expect.any(String), response: "", done: true, done_reason: "load" });
      const unload = await ollama.generate({ model: "qwen2.5:0.5b", prompt: "", keep_alive: 0 });
      expect(unload.done_reason).toBe("unload");
    });

    it("answers `{}` with 404 model '' not found (chat says 400 model is required)", async () => {
      expect(await postJson(standin.url, "/api/generate", {})).toMatchObject({ status: 404, body: { error: "model '' not found" } });
      expect(await postJson(standin.url, "/api/chat", {})).toMatchObject({ status: 400, body: { error: "model is required" } });
    });

    it("refuses an embedding model", async () => {
      const error = await caught(ollama.generate({ model: "all-minilm", prompt: "x" }));
      expect(error).toMatchObject({ status_code: 400, message: '"all-minilm" does not support generate' });
    });

    it("adds the tokens of an earlier context to the prompt count", async () => {
      const first = await ollama.generate({ model: "qwen2.5:7b", prompt: "remember this" });
      const second = await ollama.generate({ model: "qwen2.5:7b", prompt: "remember this", context: first.context });
      expect(second.prompt_eval_count).toBe(first.prompt_eval_count + (first.context?.length ?? 0));
    });
  });
});

describe("structured output (format)", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());
  afterEach(() => standin.clearScripts());

  const Sentiment = z.object({
    label: z.enum(["positive", "negative", "neutral"]),
    score: z.number().min(-1).max(1),
    confidence: z.number().gt(0).lte(1),
    reasons: z.array(z.string().min(3).max(40)).min(2).max(3),
  });

  const Invoice = z.object({
    invoiceNumber: z.string().regex(/^INV-\d+$/).optional(),
    issuedOn: z.iso.date(),
    vendor: z.object({ name: z.string().min(1), email: z.email(), website: z.url().nullable() }),
    currency: z.literal("USD"),
    lines: z.array(z.object({ description: z.string(), quantity: z.number().int().positive(), unitPrice: z.number().multipleOf(0.01).nonnegative() })).nonempty(),
    tags: z.array(z.enum(["a", "b", "c"])).min(3).refine((tags) => new Set(tags).size === tags.length, "unique"),
    total: z.number().int().min(10).max(20),
    paid: z.boolean(),
    notes: z.union([z.string(), z.null()]),
    id: z.uuid(),
    createdAt: z.iso.datetime(),
  });

  interface Category {
    name: string;
    children: Category[];
  }
  const CategoryTree: z.ZodType<Category> = z.object({ name: z.string(), children: z.array(z.lazy(() => CategoryTree)) });

  describe("exampleForSchema", () => {
    it.each([
      ["sentiment", Sentiment],
      ["invoice", Invoice],
      ["recursive tree ($ref to $defs)", z.object({ root: CategoryTree })],
      ["tuple", z.tuple([z.string(), z.number().int(), z.boolean()])],
      ["record", z.record(z.string(), z.number())],
      ["intersection (allOf)", z.intersection(z.object({ a: z.string() }), z.object({ b: z.number().min(5) }))],
      ["discriminated union (oneOf)", z.discriminatedUnion("kind", [z.object({ kind: z.literal("x"), x: z.string() }), z.object({ kind: z.literal("y") })])],
    ])("builds a value the %s schema accepts", (_, schema: z.ZodType) => {
      const value = exampleForSchema(z.toJSONSchema(schema));
      expect(schema.safeParse(value).error).toBeUndefined();
    });

    it("honours length bounds on strings and array sizes", () => {
      expect(exampleForSchema({ type: "string", minLength: 12 })).toHaveLength(12);
      expect(exampleForSchema({ type: "string", maxLength: 3 })).toBe("exa");
      expect(exampleForSchema({ type: "array", items: { type: "integer" }, minItems: 4 })).toEqual([0, 1, 2, 3]);
      expect(exampleForSchema({ type: "array", items: { type: "string" }, maxItems: 0 })).toEqual([]);
    });
  });

  describe("patternExample", () => {
    it.each(["^INV-\\d+$", "^[A-Z]{3}$", "^(?:\\+?1)?\\d{10}$", "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", "^#[0-9a-fA-F]{6}$", "^(foo|bar)-\\w{2,4}$", "^(?!admin)[a-z_]+$"])(
      "finds a string that %s accepts",
      (source) => {
        const example = patternExample(source);
        expect(example).toBeDefined();
        expect(new RegExp(source).test(example ?? "")).toBe(true);
      },
    );
  });

  describe("format in /api/chat", () => {
    it("returns content (a string) that parses as JSON matching the schema, streamed token by token", async () => {
      const stream = await ollama.chat({
        model: "qwen2.5:7b",
        messages: [{ role: "user", content: "I love this product" }],
        format: z.toJSONSchema(Sentiment),
        stream: true,
      });
      const pieces: string[] = [];
      for await (const chunk of stream) if (!chunk.done) pieces.push(chunk.message.content);
      expect(pieces.length).toBeGreaterThan(10);
      const parsed = Sentiment.safeParse(JSON.parse(pieces.join("")));
      expect(parsed.error).toBeUndefined();
    });

    it('answers format:"json" with a JSON object', async () => {
      const reply = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], format: "json" });
      expect(JSON.parse(reply.message.content)).toEqual({ reply: "You said: hi" });
    });

    it("lets a scripted reply win over the schema-generated JSON", async () => {
      standin.script({ content: JSON.stringify({ label: "negative", score: -0.5, confidence: 0.9, reasons: ["late", "broken"] }) });
      const reply = await ollama.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "bad" }], format: z.toJSONSchema(Sentiment) });
      expect(Sentiment.parse(JSON.parse(reply.message.content)).label).toBe("negative");
    });

    it("cuts structured output at num_predict like a real model (leaving invalid JSON)", async () => {
      const reply = await ollama.chat({
        model: "qwen2.5:7b",
        messages: [{ role: "user", content: "x" }],
        format: z.toJSONSchema(Sentiment),
        options: { num_predict: 5 },
      });
      expect(reply.done_reason).toBe("length");
      expect(() => JSON.parse(reply.message.content)).toThrow();
    });
  });
});
