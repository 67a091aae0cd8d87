import { describe, expect, it } from "vitest";
import { SEED_SERVICES } from "../../../protocol/catalog/catalog.ts";
import { parseServicesConfig } from "../../../worker/config/services-config.ts";

describe("SERVICES config", () => {
  it("sells every catalog service at its defaults when nothing is configured", () => {
    const result = parseServicesConfig(undefined, SEED_SERVICES);
    expect(result.ok && result.offers.map((o) => [o.definition.id, o.price, o.model])).toEqual(SEED_SERVICES.map((s) => [s.id, s.defaultPrice, s.defaultModel]));
  });

  it("reprices, swaps models and turns services off, from a wrangler.toml table or from JSON text", () => {
    const table = { sentiment: { price: "5000", model: "qwen2.5:0.5b" }, "document-intel": { enabled: false } };
    for (const raw of [table, JSON.stringify(table)]) {
      const result = parseServicesConfig(raw, SEED_SERVICES);
      if (!result.ok) throw new Error(result.problems.join("\n"));
      expect(result.offers.find((o) => o.definition.id === "sentiment")).toMatchObject({ price: 5000n, model: "qwen2.5:0.5b" });
      expect(result.offers.some((o) => o.definition.id === "document-intel")).toBe(false);
      expect(result.offers).toHaveLength(SEED_SERVICES.length - 1);
    }
  });

  it("lists every problem: unknown services, float prices, bad model names, unknown keys", () => {
    const result = parseServicesConfig({ astrology: {}, sentiment: { price: "0.01", model: "not a model!", colour: "red" } }, SEED_SERVICES);
    expect(result.ok).toBe(false);
    const text = !result.ok ? result.problems.join("\n") : "";
    expect(text).toMatch(/SERVICES\.sentiment\.price/);
    expect(text).toMatch(/SERVICES\.sentiment\.model/);
    expect(text).toMatch(/colour/);
  });

  it("names unknown services once the shapes are right", () => {
    const result = parseServicesConfig({ astrology: { price: "1" } }, SEED_SERVICES);
    expect(!result.ok && result.problems).toEqual([expect.stringContaining("SERVICES.astrology: no such service")]);
  });

  it("refuses text that is not JSON", () => {
    expect(parseServicesConfig("{sentiment:", SEED_SERVICES)).toEqual({ ok: false, problems: ["SERVICES: not valid JSON"] });
  });
});
