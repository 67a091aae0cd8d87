import { Ollama } from "ollama/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_STANDIN_MODELS, type OllamaStandin, startOllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { postJson, rawRequest } from "./helpers.ts";

describe("model information", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());

  describe("liveness and version", () => {
    it("says Ollama is running on GET / and answers HEAD / without a body", async () => {
      expect(await rawRequest(standin.url, { path: "/" })).toMatchObject({ status: 200, body: "Ollama is running" });
      expect(await rawRequest(standin.url, { method: "HEAD", path: "/" })).toMatchObject({ status: 200, body: "" });
    });

    it("reports the version through ollama-js and on HEAD", async () => {
      expect(await ollama.version()).toEqual({ version: "0.32.15" });
      expect((await rawRequest(standin.url, { method: "HEAD", path: "/api/version" })).status).toBe(200);
    });
  });

  describe("GET /api/tags", () => {
    it("lists every default model, newest first, with Ollama's fields", async () => {
      const { models } = await ollama.list();
      expect(models.map((m) => m.name)).toEqual([
        "qwen2.5:7b",
        "qwen2.5vl:7b",
        "qwen2.5:0.5b",
        "qwen3:0.6b",
        "smollm2:135m",
        "all-minilm:latest",
        "nomic-embed-text:latest",
      ]);
      const qwen = models[0];
      expect(qwen).toMatchObject({
        model: "qwen2.5:7b",
        size: 4_683_087_332,
        details: { format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "7.6B", quantization_level: "Q4_K_M" },
      });
      expect(qwen?.digest).toMatch(/^845dbda0ea48[0-9a-f]{52}$/);
      expect(String(qwen?.modified_at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      const timestamps = models.map((m) => Date.parse(String(m.modified_at)));
      expect([...timestamps].sort((a, b) => b - a)).toEqual(timestamps);
    });

    it("serves the model list a test passes instead", async () => {
      const custom = await startOllamaStandin({ models: [{ name: "tiny", capabilities: ["completion"] }] });
      try {
        const list = await new Ollama({ host: custom.url }).list();
        expect(list.models.map((m) => m.name)).toEqual(["tiny:latest"]);
        expect((await postJson(custom.url, "/api/chat", { model: "qwen2.5:7b", messages: [] })).status).toBe(404);
      } finally {
        await custom.close();
      }
    });
  });

  describe("POST /api/show", () => {
    it("describes a model with model_info keyed by architecture, capabilities and parameters", async () => {
      const shown = await ollama.show({ model: "qwen2.5vl:7b" });
      expect(shown.model_info).toMatchObject({ "general.architecture": "qwen25vl", "qwen25vl.context_length": 128000 });
      expect(shown.capabilities).toEqual(["completion", "vision"]);
      expect(shown.details.family).toBe("qwen25vl");
      expect(shown.template).toContain("<|im_start|>");
      const qwen = await ollama.show({ model: "qwen2.5:7b" });
      expect(qwen.parameters).toMatch(/^temperature\s+0\.7$/m);
    });

    it("accepts `name` as an alias of `model`", async () => {
      const response = await postJson(standin.url, "/api/show", { name: "all-minilm" });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ capabilities: ["embedding"], model_info: { "bert.embedding_length": 384 } });
    });
  });

  describe("GET /api/ps", () => {
    it("lists loaded models with an expiry from keep_alive and the served context length", async () => {
      const fresh = await startOllamaStandin({ models: DEFAULT_STANDIN_MODELS });
      try {
        const client = new Ollama({ host: fresh.url });
        expect((await client.ps()).models).toEqual([]);
        await client.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], keep_alive: "1h", options: { num_ctx: 8192 } });
        await client.embed({ model: "all-minilm", input: "x" });
        const { models } = await client.ps();
        expect(models.map((m) => m.name)).toEqual(["qwen2.5:7b", "all-minilm:latest"]);
        expect(models[0]).toMatchObject({ context_length: 8192 });
        expect(models[1]).toMatchObject({ context_length: 512 });
        const expiresIn = Date.parse(String(models[0]?.expires_at)) - Date.now();
        expect(expiresIn).toBeGreaterThan(50 * 60_000);
        expect(models[0]?.size_vram).toBe(models[0]?.size);
      } finally {
        await fresh.close();
      }
    });
  });
});

describe("embeddings", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());

  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

  describe("POST /api/embed", () => {
    it("returns one L2-normalised vector per input, of the model's length, with the total token count", async () => {
      const one = await ollama.embed({ model: "all-minilm", input: "hello world" });
      const two = await ollama.embed({ model: "all-minilm", input: ["hello world", "something else entirely"] });
      expect(one.embeddings).toHaveLength(1);
      expect(two.embeddings).toHaveLength(2);
      for (const vector of two.embeddings) {
        expect(vector).toHaveLength(384);
        expect(norm(vector)).toBeCloseTo(1, 5);
      }
      expect(two.prompt_eval_count).toBeGreaterThan(one.prompt_eval_count);
      expect(Number.isInteger(two.total_duration) && Number.isInteger(two.load_duration)).toBe(true);
    });

    it("is deterministic per text and differs between texts and models", async () => {
      const [a, b] = (await ollama.embed({ model: "all-minilm", input: ["same text", "other text"] })).embeddings;
      const again = (await ollama.embed({ model: "all-minilm", input: "same text" })).embeddings[0];
      const nomic = (await ollama.embed({ model: "nomic-embed-text", input: "same text" })).embeddings[0];
      expect(again).toEqual(a);
      expect(dot(a ?? [], b ?? [])).toBeLessThan(0.99);
      expect(nomic).toHaveLength(768);
    });

    it("truncates to `dimensions` and renormalises", async () => {
      const full = (await ollama.embed({ model: "nomic-embed-text", input: "x" })).embeddings[0] ?? [];
      const short = (await ollama.embed({ model: "nomic-embed-text", input: "x", dimensions: 8 })).embeddings[0] ?? [];
      expect(short).toHaveLength(8);
      expect(norm(short)).toBeCloseTo(1, 5);
      const scale = (short[0] ?? 0) / (full[0] ?? 1);
      short.forEach((value, i) => expect(value).toBeCloseTo((full[i] ?? 0) * scale, 5));
    });

    it("loads the model on empty input and answers with no vectors and no metrics", async () => {
      for (const input of ["", []]) {
        const response = await postJson(standin.url, "/api/embed", { model: "all-minilm", input });
        expect(response.body).toEqual({ model: "all-minilm", embeddings: [] });
      }
    });

    it("refuses input longer than the context when truncate is false", async () => {
      const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(" ");
      const refused = await postJson(standin.url, "/api/embed", { model: "all-minilm", input: long, truncate: false });
      expect(refused).toMatchObject({ status: 400, body: { error: "the input length exceeds the context length" } });
      const truncated = await ollama.embed({ model: "all-minilm", input: long });
      expect(truncated.prompt_eval_count).toBe(512);
    });
  });

  describe("POST /api/embeddings (legacy)", () => {
    it("returns a single vector that is not normalised, and [] for an empty prompt", async () => {
      const { embedding } = await ollama.embeddings({ model: "all-minilm", prompt: "hello world" });
      expect(embedding).toHaveLength(384);
      expect(Math.abs(norm(embedding) - 1)).toBeGreaterThan(0.1);
      const normalised = (await ollama.embed({ model: "all-minilm", input: "hello world" })).embeddings[0] ?? [];
      expect(dot(embedding, normalised) / norm(embedding)).toBeCloseTo(1, 5);
      expect(await postJson(standin.url, "/api/embeddings", { model: "all-minilm" })).toMatchObject({ status: 200, body: { embedding: [] } });
    });
  });
});
