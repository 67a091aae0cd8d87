import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ModelOffer } from "../../../protocol/tunnel-messages.ts";
import { systemClock } from "../../../node-runner/clock.ts";
import { createModelCatalog } from "../../../node-runner/models/model-catalog.ts";
import { captureLogger } from "./support/capture-logger.ts";

const tag = (name: string, extra: object = {}) => ({
  name,
  model: name,
  details: { family: "qwen2", parameter_size: "7.6B", quantization_level: "Q4_K_M" },
  ...extra,
});

describe("model catalog", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function make(list: () => Promise<unknown>, allowed: string[] | null = null) {
    const log = captureLogger();
    const changes: Array<readonly ModelOffer[]> = [];
    const catalog = createModelCatalog({
      listModels: list,
      allowed,
      concurrency: { default: 1, perModel: { "qwen2.5:7b": 3 } },
      pollMs: 1000,
      ollamaHost: "http://127.0.0.1:11434",
      clock: systemClock,
      logger: log.logger,
      onChange: (offers) => changes.push(offers),
    });
    return { catalog, changes, log };
  }

  it("offers the allowed installed models with their capacity, in normalized names", async () => {
    const { catalog } = make(async () => ({ models: [tag("qwen2.5:7b", { capabilities: ["completion"] }), tag("All-MiniLM"), tag("llama3:8b")] }), [
      "qwen2.5:7b",
      "all-minilm:latest",
    ]);
    await catalog.refresh();
    expect(catalog.offers()).toEqual([
      { name: "all-minilm:latest", capacity: 1, family: "qwen2", parameterSize: "7.6B", quantization: "Q4_K_M" },
      { name: "qwen2.5:7b", capacity: 3, capabilities: ["completion"], family: "qwen2", parameterSize: "7.6B", quantization: "Q4_K_M" },
    ]);
    expect(catalog.capacityOf("QWEN2.5:7b")).toBe(3);
    expect(catalog.capacityOf("llama3:8b")).toBeNull();
  });

  it("keeps a model whose metadata is odd, with just its name and capacity", async () => {
    const { catalog } = make(async () => ({ models: [tag("m:1", { details: { family: "x".repeat(200) }, capabilities: "nope" })] }));
    await catalog.refresh();
    expect(catalog.offers()).toEqual([{ name: "m:1", capacity: 1 }]);
  });

  it("polls, reports changes once, and offers nothing (logged once) while Ollama is down", async () => {
    let answer: () => Promise<unknown> = async () => ({ models: [tag("qwen2.5:7b")] });
    const { catalog, changes, log } = make(() => answer());
    await catalog.refresh();
    catalog.startPolling();
    expect(changes).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toHaveLength(1); // same list: no new hello

    answer = async () => {
      throw new TypeError("fetch failed");
    };
    await vi.advanceTimersByTimeAsync(3000);
    expect(changes).toHaveLength(2);
    expect(changes[1]).toEqual([]);
    expect(log.lines.filter((l) => l.includes("Ollama is unreachable"))).toHaveLength(1);

    answer = async () => ({ models: [tag("qwen2.5:7b"), tag("all-minilm")] });
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes.at(-1)?.map((o) => o.name)).toEqual(["all-minilm:latest", "qwen2.5:7b"]);
    expect(log.lines.some((l) => l.includes("Ollama is reachable again"))).toBe(true);
    catalog.stopPolling();
  });

  it("warns once about an allowed model Ollama does not have", async () => {
    const { catalog, log } = make(async () => ({ models: [] }), ["qwen2.5:7b"]);
    await catalog.refresh();
    await catalog.refresh();
    expect(log.lines.filter((l) => l.includes("allowed model is not installed"))).toEqual([
      expect.stringMatching(/model=qwen2\.5:7b hint="ollama pull qwen2\.5:7b"/),
    ]);
  });
});
