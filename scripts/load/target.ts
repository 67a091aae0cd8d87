import { serviceById } from "../../protocol/catalog/catalog.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";

/** One paid request, sent N times: the same body, so the same quoted price every time. */
export interface LoadTarget {
  service: string;
  path: string;
  body: string;
  /** What the stand-in should answer for it (a catalog service's realistic model output), if anything. */
  standinReply: string | null;
}

/**
 * A catalog service posts its own `example.input`, and the stand-in answers with the model output
 * the catalog tests use for that example (so finish() repairs and validates a realistic answer);
 * chat and embeddings send a short request the stand-in answers on its own.
 */
export function loadTarget(service: string): LoadTarget {
  if (service === "chat") {
    return {
      service,
      path: "/v1/chat/completions",
      body: JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "Say hello in five words." }], max_tokens: 16 }),
      standinReply: null,
    };
  }
  if (service === "embeddings") {
    return { service, path: "/v1/embeddings", body: JSON.stringify({ model: "nomic-embed-text", input: "edge402 load test" }), standinReply: null };
  }
  const definition = serviceById(service);
  if (!definition) throw new Error(`unknown service ${service}`);
  const reply = MODEL_OUTPUT_FOR_EXAMPLE[service];
  return { service, path: `/v1/${service}`, body: JSON.stringify(definition.example.input), standinReply: reply === undefined ? null : JSON.stringify(reply) };
}
