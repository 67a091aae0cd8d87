import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { HOSTILE_IMAGES } from "../support/hostile-images.ts";

// Every image field (the catalog's image services and chat's image_url parts) refuses file paths, URLs
// and non-images with a specific 4xx before any price is asked, even when the request already carries a
// payment. test/e2e/image-inputs.test.ts proves the same against the real stack with valid payments,
// counting what reached the Ollama stand-in.

const IMAGE_SERVICES = SEED_SERVICES.filter((s) => s.imageField !== undefined);
// Decodable, well-formed in shape: the body is judged before the payment is even decoded.
const PAYMENT = btoa(JSON.stringify({ x402Version: 2, accepted: {}, payload: { signature: "0x00", authorization: {} } }));

const post = (path: string, body: unknown) =>
  exports.default.fetch(`http://edge.test${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": PAYMENT },
    body: JSON.stringify(body),
  });

async function expectRefused(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("PAYMENT-REQUIRED")).toBeNull();
  expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
}

describe.each(IMAGE_SERVICES.map((s) => [s.id, s] as const))("%s image field", (id, service) => {
  it.each(HOSTILE_IMAGES.map((h) => [h.name, h] as const))("refuses %s before any 402", async (_name, hostile) => {
    await expectRefused(await post(`/v1/${id}`, { ...service.example.input, [service.imageField!]: hostile.value }), hostile.status, hostile.code);
  });

  it("refuses a short file path (/etc/passwd) as a path, not as a string too short to be an image", async () => {
    // Regression: the schema's 16-character minimum answered "/etc/passwd" with invalid_request (too small).
    await expectRefused(await post(`/v1/${id}`, { ...service.example.input, [service.imageField!]: "/etc/passwd" }), 400, "image_path_not_supported");
  });

  it.each([
    ["a number", 42],
    ["an array holding a path", ["/etc/passwd"]],
    ["an object holding a URL", { url: "file:///etc/passwd" }],
    ["null", null],
    ["an empty string", ""],
  ])("refuses %s as the image with invalid_request", async (_name, value) => {
    await expectRefused(await post(`/v1/${id}`, { ...service.example.input, [service.imageField!]: value }), 400, "invalid_request");
  });
});

describe("chat image_url parts", () => {
  const chat = (url: unknown) => ({
    model: "qwen2.5:7b",
    max_tokens: 16,
    messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: url }] }],
  });

  it.each(HOSTILE_IMAGES.map((h) => [h.name, h] as const))("refuses %s, as a string and as {url}", async (_name, hostile) => {
    await expectRefused(await post("/v1/chat/completions", chat(hostile.value)), hostile.status, hostile.code);
    await expectRefused(await post("/v1/chat/completions", chat({ url: hostile.value, detail: "high" })), hostile.status, hostile.code);
  });
});
