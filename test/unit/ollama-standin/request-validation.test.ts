import { STATUS_CODES } from "node:http";
import { hostname } from "node:os";
import { Ollama } from "ollama/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "../../../dev/ollama-standin/images.ts";
import { type OllamaStandin, startOllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { caught, GIF_1X1, jpegHeader, pngImage, postJson, rawRequest, webpHeader } from "./helpers.ts";

describe("errors", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());

  const hi = [{ role: "user", content: "hi" }];
  const weatherTool = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

  // [case, path, body, status, error] — OLLAMA_API.md §2.9 and Ollama's handlers.
  const CASES: Array<[string, string, unknown, number, string]> = [
    ["chat: empty body", "/api/chat", "", 400, "missing request body"],
    ["generate: empty body", "/api/generate", "", 400, "missing request body"],
    ["embed: whitespace only", "/api/embed", "  \n", 400, "missing request body"],
    ["chat: truncated JSON", "/api/chat", '{"model": ', 400, "unexpected EOF"],
    ["chat: bad key", "/api/chat", "{bad}", 400, "invalid character 'b' looking for beginning of object key string"],
    ["chat: bad literal", "/api/chat", '{"stream": tru}', 400, "invalid character '}' in literal true (expecting 'e')"],
    ["chat: missing colon", "/api/chat", '{"model" "x"}', 400, "invalid character '\"' after object key"],
    ["chat: array body", "/api/chat", "[]", 400, "json: cannot unmarshal array into Go value of type api.ChatRequest"],
    ["chat: model is a number", "/api/chat", { model: 7 }, 400, "json: cannot unmarshal number into Go struct field ChatRequest.model of type string"],
    ["chat: stream is a string", "/api/chat", { model: "qwen2.5:7b", stream: "yes" }, 400, "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"],
    ["chat: content is a number", "/api/chat", { model: "qwen2.5:7b", messages: [{ role: "user", content: 1 }] }, 400, "json: cannot unmarshal number into Go struct field Alias.content of type string"],
    ["chat: {} ", "/api/chat", {}, 400, "model is required"],
    ["chat: null body", "/api/chat", "null", 400, "model is required"],
    ["chat: unknown model", "/api/chat", { model: "qwen9:404b", messages: hi }, 404, "model 'qwen9:404b' not found"],
    ["chat: invalid model name", "/api/chat", { model: "bad name!", messages: hi }, 400, "invalid model name"],
    ["chat: think on a non-thinking model", "/api/chat", { model: "qwen2.5:7b", messages: hi, think: true }, 400, '"qwen2.5:7b" does not support thinking'],
    ["chat: think level on a non-thinking model", "/api/chat", { model: "qwen2.5:7b", messages: hi, think: "high" }, 400, '"qwen2.5:7b" does not support thinking'],
    ["chat: invalid think value", "/api/chat", { model: "qwen3:0.6b", think: "x" }, 400, 'invalid think value: "x" (must be "high", "medium", "low", "max", true, or false)'],
    ["chat: think of the wrong type", "/api/chat", { model: "qwen3:0.6b", think: 1 }, 400, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'],
    ["chat: tools on a non-tool model", "/api/chat", { model: "smollm2:135m", messages: hi, tools: [weatherTool] }, 400, "registry.ollama.ai/library/smollm2:135m does not support tools"],
    ["chat: embedding model", "/api/chat", { model: "all-minilm", messages: hi }, 400, '"all-minilm" does not support chat'],
    ["chat: keep_alive of the wrong type", "/api/chat", { model: "qwen2.5:7b", keep_alive: true }, 400, "Unsupported type: 'bool'"],
    ["chat: keep_alive object", "/api/chat", { model: "qwen2.5:7b", keep_alive: {} }, 400, "Unsupported type: 'map[string]interface {}'"],
    ["chat: keep_alive without unit", "/api/chat", { model: "qwen2.5:7b", keep_alive: "5" }, 400, 'time: missing unit in duration "5"'],
    ["chat: keep_alive bad unit", "/api/chat", { model: "qwen2.5:7b", keep_alive: "5 minutes" }, 400, 'time: unknown unit " minutes" in duration "5 minutes"'],
    ["chat: top_logprobs out of range", "/api/chat", { model: "qwen2.5:7b", messages: hi, top_logprobs: 21 }, 400, "top_logprobs must be between 0 and 20"],
    ["chat: option of the wrong type", "/api/chat", { model: "qwen2.5:7b", messages: hi, options: { num_ctx: "8k" } }, 500, 'option "num_ctx" must be of type integer'],
    ["chat: invalid format", "/api/chat", { model: "qwen2.5:7b", messages: hi, format: "xml", stream: false }, 500, 'invalid format: "\\"xml\\""; expected "json" or a valid JSON Schema object'],
    ["generate: {}", "/api/generate", {}, 404, "model '' not found"],
    ["generate: unknown model", "/api/generate", { model: "nope", prompt: "x" }, 404, "model 'nope' not found"],
    ["generate: suffix without insert", "/api/generate", { model: "qwen2.5:7b", prompt: "a", suffix: "b" }, 400, "registry.ollama.ai/library/qwen2.5:7b does not support insert"],
    ["embed: unknown model", "/api/embed", { model: "nope", input: "x" }, 404, 'model "nope" not found, try pulling it first'],
    ["embed: invalid input type", "/api/embed", { model: "all-minilm", input: 5 }, 400, "invalid input type"],
    ["embed: array with a number", "/api/embed", { model: "all-minilm", input: ["a", 5] }, 400, "invalid input type"],
    ["embeddings: {}", "/api/embeddings", {}, 400, "model is required"],
    ["show: {}", "/api/show", {}, 400, "model is required"],
    ["show: unknown model", "/api/show", { model: "nope" }, 404, "model 'nope:latest' not found"],
  ];

  describe("error statuses and messages", () => {
    it.each(CASES)("%s", async (_, path, body, status, error) => {
      const response = await postJson(standin.url, path, body);
      expect(response.status).toBe(status);
      expect(response.contentType).toBe("application/json; charset=utf-8");
      expect(response.body).toEqual({ error });
    });

    it("surfaces as ResponseError with status_code in ollama-js", async () => {
      const missing = await caught(ollama.chat({ model: "qwen9:404b", messages: hi }));
      expect(missing).toMatchObject({ name: "ResponseError", status_code: 404, message: "model 'qwen9:404b' not found" });
      const embed = await caught(ollama.embed({ model: "nope", input: "x" }));
      expect(embed).toMatchObject({ name: "ResponseError", status_code: 404 });
      expect(embed.message).toMatch(/not found/);
    });

    it("reports an invalid format while streaming as a JSON 500 before any byte, which ollama-js throws before iterating", async () => {
      const error = await caught(ollama.chat({ model: "qwen2.5:7b", messages: hi, format: "xml", stream: true }));
      expect(error).toMatchObject({ name: "ResponseError", status_code: 500 });
      expect(error.message).toMatch(/^invalid format: /);
    });

    it("answers unknown routes with gin's plain-text 404 and wrong methods with 405", async () => {
      const unknown = await rawRequest(standin.url, { path: "/api/nope" });
      expect(unknown).toMatchObject({ status: 404, body: "404 page not found" });
      expect(unknown.headers["content-type"]).toBe("text/plain");
      const wrongMethod = await rawRequest(standin.url, { method: "GET", path: "/api/chat" });
      expect(wrongMethod).toMatchObject({ status: 405, body: "405 method not allowed" });
      const noHeadForPs = await rawRequest(standin.url, { method: "POST", path: "/api/ps" });
      expect(noHeadForPs.status).toBe(405);
    });
  });
});

describe("images", () => {
  let standin: OllamaStandin;
  let ollama: Ollama;

  beforeAll(async () => {
    standin = await startOllamaStandin();
    ollama = new Ollama({ host: standin.url });
  });
  afterAll(() => standin.close());

  const ask = (images: Uint8Array[], model = "qwen2.5vl:7b") =>
    ollama.chat({ model, messages: [{ role: "user", content: "describe this", images }] });

  describe("images", () => {
    it("reads the kind and size of PNG, JPEG and WebP headers", () => {
      expect(inspectImage(pngImage(30, 20))).toEqual({ kind: "png", width: 30, height: 20 });
      expect(inspectImage(jpegHeader(640, 480))).toEqual({ kind: "jpeg", width: 640, height: 480 });
      expect(inspectImage(webpHeader(100, 50))).toEqual({ kind: "webp", width: 100, height: 50 });
      expect(inspectImage(GIF_1X1)).toBeNull();
    });

    it("accepts PNG, JPEG and WebP on a vision model; each adds at least 1024 prompt tokens", async () => {
      const textOnly = await ollama.chat({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "describe this" }] });
      for (const image of [pngImage(8, 8), jpegHeader(16, 16), webpHeader(4, 4)]) {
        const reply = await ask([image]);
        expect(reply.prompt_eval_count - textOnly.prompt_eval_count).toBe(1024);
      }
      const two = await ask([pngImage(8, 8), pngImage(8, 8)]);
      expect(two.prompt_eval_count - textOnly.prompt_eval_count).toBe(2048);
    });

    it("charges large images by 28×28-pixel patches", async () => {
      const textOnly = await ollama.generate({ model: "qwen2.5vl:7b", prompt: "describe this" });
      const big = await ollama.generate({ model: "qwen2.5vl:7b", prompt: "describe this", images: [jpegHeader(1400, 1400)] });
      expect(big.prompt_eval_count - textOnly.prompt_eval_count).toBe(50 * 50);
    });

    it("refuses a GIF with 400", async () => {
      const error = await caught(ask([GIF_1X1]));
      expect(error).toMatchObject({ name: "ResponseError", status_code: 400, message: "image: unknown format" });
    });

    it("refuses a data: URI the way Go's base64 decoder does", async () => {
      const dataUri = `data:image/png;base64,${pngImage(2, 2).toString("base64")}`;
      const response = await postJson(standin.url, "/api/chat", { model: "qwen2.5vl:7b", messages: [{ role: "user", content: "x", images: [dataUri] }] });
      expect(response).toMatchObject({ status: 400, body: { error: "illegal base64 data at input byte 4" } });
    });

    it("refuses images sent to a model without vision", async () => {
      const error = await caught(ask([pngImage(2, 2)], "qwen2.5:7b"));
      expect(error).toMatchObject({ status_code: 400, message: "registry.ollama.ai/library/qwen2.5:7b does not support vision" });
    });
  });
});

describe("Host guard", () => {
  let standin: OllamaStandin;

  beforeAll(async () => {
    standin = await startOllamaStandin();
  });
  afterAll(() => standin.close());

  const hostOf = (host: string) => rawRequest(standin.url, { path: "/api/version", headers: { Host: host } });

  describe("loopback Host guard (DNS-rebinding protection)", () => {
    it.each(["api.edge402.example", "edge402.workers.dev:443", "8.8.8.8", "evil.localhost.attacker.com", "[::1]"])(
      "refuses Host %s with 403 and an empty body",
      async (host) => {
        const response = await hostOf(host);
        expect(response.status).toBe(403);
        expect(response.body).toBe("");
      },
    );

    it.each(["127.0.0.1:11434", "localhost", "LOCALHOST:8080", "[::1]:11434", "10.0.0.5", "192.168.1.20:11434", "172.16.0.1", "0.0.0.0", "ollama.local", "box.internal", "app.localhost", hostname()])(
      "allows Host %s",
      async (host) => {
        expect((await hostOf(host)).status).toBe(200);
      },
    );

    it("records the refused request with the Host it carried, so tests can see what a client forwarded", async () => {
      await hostOf("leaked.example.com");
      const last = standin.requests.at(-1);
      expect(last).toMatchObject({ method: "GET", path: "/api/version" });
      expect(last?.headers.host).toBe("leaked.example.com");
    });

    it("reads as 'Error 403: Forbidden' in ollama-js when a client forwards a foreign Host", async () => {
      // A fetch that forwards the edge's Host header, as a careless runner would (fetch itself cannot).
      const forwardingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const raw = await rawRequest(standin.url, {
          method: init?.method ?? "GET",
          path: url.pathname,
          headers: { Host: "edge402.example.com" },
          body: typeof init?.body === "string" ? init.body : undefined,
        });
        const headers = new Headers();
        for (const [name, value] of Object.entries(raw.headers)) if (typeof value === "string") headers.set(name, value);
        return new Response(raw.body === "" ? null : raw.body, { status: raw.status, statusText: STATUS_CODES[raw.status], headers });
      };
      const client = new Ollama({ host: standin.url, fetch: forwardingFetch });
      const error = await caught(client.chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] }));
      expect(error).toMatchObject({ name: "ResponseError", status_code: 403, message: "Error 403: Forbidden" });
    });
  });
});
