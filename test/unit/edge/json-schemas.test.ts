import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compact, jsonSchemaOf } from "../../../worker/offers/json-schemas.ts";

describe("published JSON Schemas", () => {
  it("drop bounds that only restate the safe-integer range, keep real ones", () => {
    expect(jsonSchemaOf(z.object({ a: z.int(), b: z.int().min(1).max(5) }))).toMatchObject({
      properties: { a: { type: "integer" }, b: { type: "integer", minimum: 1, maximum: 5 } },
    });
    expect((jsonSchemaOf(z.object({ a: z.int() })).properties as { a: object }).a).not.toHaveProperty("minimum");
  });

  it("write nullable fields as a type union and flatten nested anyOf", () => {
    expect(jsonSchemaOf(z.object({ n: z.number().min(0).nullish() }), "input")).toMatchObject({ properties: { n: { type: ["number", "null"], minimum: 0 } } });
    expect(compact({ anyOf: [{ anyOf: [{ type: "string" }, { type: "array" }] }, { type: "null" }] })).toEqual({ anyOf: [{ type: "string" }, { type: "array" }, { type: "null" }] });
  });

  it("keep what validates the same documents (spot check against zod)", () => {
    const schema = z.object({ s: z.string().max(3).nullish(), i: z.int() });
    const json = jsonSchemaOf(schema, "input") as { properties: { s: { type: string[]; maxLength: number } }; required: string[] };
    expect(json.properties.s).toEqual({ type: ["string", "null"], maxLength: 3 });
    expect(json.required).toEqual(["i"]);
  });
});
