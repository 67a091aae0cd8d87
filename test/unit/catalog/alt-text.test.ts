import { describe, expect, it } from "vitest";
import { altTextService, MAX_ALT_CHARS, shortenAlt } from "../../../protocol/catalog/services/alt-text.ts";
import { PNG_BASE64 } from "../../../dev/catalog-model-outputs.ts";

function finish(alt: string, description = "A description.") {
  const result = altTextService.finish({ image: PNG_BASE64 }, altTextService.modelOutput.parse({ alt, description }));
  if (result.ok) expect(altTextService.output.safeParse(result.output).error).toBeUndefined();
  return result;
}

const LONG =
  "A golden retriever puppy sits on a wooden porch next to a red watering can and a pair of muddy green rubber boots while rain falls on the garden behind it";

describe("alt-text: shortening", () => {
  it.each<[string, string, number, string]>([
    ["leaves a short alt alone", "A cat asleep on a sofa.", 125, "A cat asleep on a sofa."],
    ["leaves an alt of exactly the limit alone", "x".repeat(125), 125, "x".repeat(125)],
    ["cuts at a word boundary", LONG, 125, "A golden retriever puppy sits on a wooden porch next to a red watering can and a pair of muddy green rubber boots while rain"],
    ["does not end on a dangling word", "A dog sits on a bench with a red ball and a blue leash beside the lake", 30, "A dog sits on a bench"],
    ["drops trailing punctuation", "A harbour at dusk, fishing boats moored, gulls overhead", 30, "A harbour at dusk, fishing"],
    [
      "prefers a sentence end in the second half of the budget",
      "A red tram crosses a bridge in Lisbon. Passengers wave from the windows while a street musician plays",
      60,
      "A red tram crosses a bridge in Lisbon.",
    ],
    ["ignores a sentence end that would waste most of the budget", "A map. It shows the bus routes of the northern districts of the city", 40, "A map. It shows the bus routes"],
    ["cuts a single over-long word hard", "a".repeat(200), 125, "a".repeat(125)],
    ["never splits an emoji", `${"a".repeat(124)}😀 tail`, 125, "a".repeat(124)],
  ])("%s", (_name, text, max, expected) => {
    const short = shortenAlt(text, max);
    expect(short).toBe(expected);
    expect(short.length).toBeLessThanOrEqual(max);
  });
});

describe("alt-text: finish()", () => {
  it("shortens an over-long alt instead of failing, and keeps the description", () => {
    const result = finish(LONG, "Details.");
    expect(result).toEqual({ ok: true, output: { alt: shortenAlt(LONG, MAX_ALT_CHARS), description: "Details." } });
    if (result.ok) expect(result.output.alt.length).toBeLessThanOrEqual(MAX_ALT_CHARS);
  });

  it("trims and joins whitespace", () => {
    expect(finish("  A cat\n asleep  on a sofa. ", " Long\n\ndescription. ")).toEqual({ ok: true, output: { alt: "A cat asleep on a sofa.", description: "Long description." } });
  });

  it.each([
    ["Image of a cat on a sofa", "A cat on a sofa"],
    ["An image showing two cyclists", "Two cyclists"],
    ["picture of the Eiffel Tower at night", "The Eiffel Tower at night"],
    ["Image of", "Image of"],
    ["Imagery of war", "Imagery of war"],
  ])("removes a redundant lead-in: %j", (alt, expected) => {
    const result = finish(alt);
    expect(result.ok && result.output.alt).toBe(expected);
  });

  it("uses the whole alt as the description when the model wrote none", () => {
    const result = finish(LONG, "  ");
    expect(result.ok && result.output.description).toBe(LONG);
  });

  it("refuses an empty alt", () => {
    expect(finish(" \n ")).toEqual({ ok: false, problem: "the model returned an empty alt text" });
  });
});

describe("alt-text: input and prompt", () => {
  it.each([
    ["an empty context", { image: PNG_BASE64, context: "" }],
    ["a blank context", { image: PNG_BASE64, context: "   " }],
    ["an oversized context", { image: PNG_BASE64, context: "c".repeat(501) }],
    ["a context that is not a string", { image: PNG_BASE64, context: { page: "home" } }],
  ])("refuses %s", (_name, body) => {
    expect(altTextService.input.safeParse(body).success).toBe(false);
  });

  it("accepts a context of 500 characters, and no context", () => {
    expect(altTextService.input.safeParse({ image: PNG_BASE64, context: "c".repeat(500) }).success).toBe(true);
    expect(altTextService.input.safeParse({ image: PNG_BASE64 }).success).toBe(true);
  });

  it("puts the context in the prompt only when given", () => {
    expect(altTextService.prompt({ image: PNG_BASE64, context: "Hiking gear shop" }).user).toContain("<context>\nHiking gear shop\n</context>");
    expect(altTextService.prompt({ image: PNG_BASE64 }).user).not.toContain("context");
  });
});
