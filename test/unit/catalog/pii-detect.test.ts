import { describe, expect, it } from "vitest";
import { type PiiDetectInput, type PiiDetectOutput, piiDetectService, type PiiType } from "../../../protocol/catalog/services/pii-detect.ts";

type Claim = { type: PiiType; text: string; start: number; end: number };

function detect(text: string, claims: Claim[], types?: PiiType[]): PiiDetectOutput {
  const input: PiiDetectInput = piiDetectService.input.parse(types ? { text, types } : { text });
  const result = piiDetectService.finish(input, piiDetectService.modelOutput.parse({ entities: claims }));
  if (!result.ok) throw new Error(`refused: ${result.problem}`);
  expect(piiDetectService.output.safeParse(result.output).error).toBeUndefined();
  // The invariants every answer keeps, whatever the model said.
  const { entities } = result.output;
  expect(entities.filter((e) => text.slice(e.start, e.end) !== e.text)).toEqual([]);
  expect(entities.filter((e, i) => i > 0 && e.start < entities[i - 1]!.end)).toEqual([]);
  return result.output;
}

const spans = (output: PiiDetectOutput) => output.entities.map((e) => [e.type, e.text, e.start, e.end]);

describe("pii-detect: offsets made true", () => {
  const text = "Call Ann Lee on 555-0142 or write to ann@example.com. Ann Lee, Annual report.";

  it.each<[string, Claim[], (string | number)[][]]>([
    ["keeps correct offsets", [{ type: "phone", text: "555-0142", start: 16, end: 24 }], [["phone", "555-0142", 16, 24]]],
    ["fixes wrong offsets", [{ type: "phone", text: "555-0142", start: 3, end: 11 }], [["phone", "555-0142", 16, 24]]],
    ["fixes offsets past the end of the text", [{ type: "phone", text: "555-0142", start: 900, end: 908 }], [["phone", "555-0142", 16, 24]]],
    ["fixes an end that does not match the start", [{ type: "phone", text: "555-0142", start: 16, end: 23 }], [["phone", "555-0142", 16, 24]]],
    ["drops text that does not occur", [{ type: "phone", text: "555-9999", start: 16, end: 24 }], []],
    ["drops blank text", [{ type: "other", text: "  ", start: 0, end: 2 }], []],
    [
      "reports each occurrence of repeated text once, however many times it is claimed",
      [
        { type: "person", text: "Ann Lee", start: 5, end: 12 },
        { type: "person", text: "Ann Lee", start: 5, end: 12 },
        { type: "person", text: "Ann Lee", start: 0, end: 0 },
      ],
      [["person", "Ann Lee", 5, 12], ["person", "Ann Lee", 54, 61]],
    ],
    [
      "reports the other occurrences of a text claimed once, so none stays unredacted",
      [{ type: "person", text: "Ann Lee", start: 54, end: 61 }],
      [["person", "Ann Lee", 5, 12], ["person", "Ann Lee", 54, 61]],
    ],
    [
      "takes the occurrence nearest the claimed start",
      [{ type: "person", text: "Ann Lee", start: 50, end: 57 }, { type: "person", text: "Ann Lee", start: 2, end: 9 }],
      [["person", "Ann Lee", 5, 12], ["person", "Ann Lee", 54, 61]],
    ],
    [
      "does not find a name inside another word (Ann in Annual), nor in another case (ann@)",
      [{ type: "person", text: "Ann", start: 63, end: 66 }],
      [["person", "Ann", 5, 8], ["person", "Ann", 54, 57]],
    ],
    ["ignores case and spacing differences, and reports the text as written", [{ type: "person", text: "ann  LEE", start: 5, end: 13 }], [["person", "Ann Lee", 5, 12], ["person", "Ann Lee", 54, 61]]],
    [
      "keeps the longer of two overlapping entities",
      [{ type: "person", text: "Lee", start: 9, end: 12 }, { type: "person", text: "Ann Lee", start: 5, end: 12 }],
      [["person", "Ann Lee", 5, 12], ["person", "Ann Lee", 54, 61]],
    ],
    [
      "keeps the longer of two partly overlapping entities",
      [{ type: "other", text: "555-0142 or", start: 16, end: 27 }, { type: "other", text: "Lee on 555", start: 9, end: 19 }],
      [["other", "555-0142 or", 16, 27]],
    ],
    [
      "keeps the first of two entities on the same span",
      [{ type: "phone", text: "555-0142", start: 16, end: 24 }, { type: "ssn", text: "555-0142", start: 16, end: 24 }],
      [["phone", "555-0142", 16, 24]],
    ],
    ["trims whitespace the model copied around an entity", [{ type: "phone", text: " 555-0142 ", start: 15, end: 25 }], [["phone", "555-0142", 16, 24]]],
  ])("%s", (_name, claims, expected) => {
    const withoutEmail = detect(text, claims, ["person", "phone", "ssn", "other"]);
    expect(spans(withoutEmail)).toEqual(expected);
  });

  it("sorts entities by start whatever order the model listed them in", () => {
    const output = detect(text, [
      { type: "email", text: "ann@example.com", start: 37, end: 52 },
      { type: "phone", text: "555-0142", start: 16, end: 24 },
    ]);
    expect(output.entities.map((e) => e.start)).toEqual([16, 37]);
  });

  it("counts offsets in UTF-16 code units, as JavaScript strings do (emoji, accents, combining marks)", () => {
    // The emoji is 2 code units; "é" in "Jose\u0301" is e + a combining accent.
    const t = "Grüße 👋🏽 von José Núñez und Jose\u0301 Ruiz — jose.nunez@example.es, Tel. +34 600 12 34 56";
    // Models count code points (or bytes): every offset here is a little off.
    const output = detect(t, [
      { type: "person", text: "José Núñez", start: 13, end: 23 },
      { type: "person", text: "Jose\u0301 Ruiz", start: 28, end: 38 },
      { type: "email", text: "jose.nunez@example.es", start: 41, end: 62 },
      { type: "phone", text: "+34 600 12 34 56", start: 69, end: 85 },
    ]);
    expect(spans(output)).toEqual([
      ["person", "José Núñez", 15, 25],
      ["person", "Jose\u0301 Ruiz", 30, 40],
      ["email", "jose.nunez@example.es", 43, 64],
      ["phone", "+34 600 12 34 56", 71, 87],
    ]);
    expect(output.redacted).toBe("Grüße 👋🏽 von [PERSON] und [PERSON] — [EMAIL], Tel. [PHONE]");
  });

  it("does not take a name that continues into a combining mark (Jose in José)", () => {
    expect(spans(detect("Jose\u0301 and Jose", [{ type: "person", text: "Jose", start: 0, end: 4 }]))).toEqual([["person", "Jose", 10, 14]]);
  });
});

describe("pii-detect: e-mail addresses and types", () => {
  const text = "From bob.stone+news@mail.example.co.uk to Bob Stone (stone@example.com).";

  it("catches e-mail addresses the model missed, once each", () => {
    const output = detect(text, [{ type: "email", text: "stone@example.com", start: 0, end: 17 }]);
    expect(spans(output)).toEqual([
      ["email", "bob.stone+news@mail.example.co.uk", 5, 38],
      ["email", "stone@example.com", 53, 70],
    ]);
  });

  it("prefers the whole address to a name found inside it", () => {
    const output = detect("Mail bob.stone@example.com now", [{ type: "person", text: "bob.stone", start: 5, end: 14 }]);
    expect(spans(output)).toEqual([["email", "bob.stone@example.com", 5, 26]]);
  });

  it("reports only the requested types, from the model and from the e-mail scan", () => {
    const claims: Claim[] = [{ type: "person", text: "Bob Stone", start: 42, end: 51 }];
    expect(spans(detect(text, claims, ["person"]))).toEqual([["person", "Bob Stone", 42, 51]]);
    expect(spans(detect(text, claims, ["email"])).map((s) => s[0])).toEqual(["email", "email"]);
  });

  it("lists only the requested types in the prompt", () => {
    const { system } = piiDetectService.prompt({ text, types: ["iban", "ssn"] });
    expect(system).toContain('"iban", "ssn"');
    expect(system).not.toContain('"email"');
  });

  it.each([
    ["a sentence end is not part of the address", "Write to a@b.io.", [["email", "a@b.io", 9, 15]]],
    ["no top-level domain, no address", "user@localhost and @handle", []],
    ["no local part, no address", "see @example.com", []],
  ])("%s", (_name, t, expected) => {
    expect(spans(detect(t, []))).toEqual(expected);
  });

  it("stays fast on long hostile texts", () => {
    const started = performance.now();
    detect("a".repeat(19_999) + "@", []);
    detect("a.".repeat(5_000) + "@" + "b.".repeat(4_999) + "c", []);
    detect("x@y".repeat(6_666), []);
    expect(detect("Ann ".repeat(5_000), [{ type: "person", text: "Ann", start: 0, end: 3 }]).entities).toHaveLength(5_000);
    expect(detect("a@b.cd ".repeat(2_857), []).entities).toHaveLength(2_857);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("pii-detect: redaction", () => {
  it.each<[string, string, Claim[], string]>([
    ["replaces each entity with its type", "Mail ann@example.com or call 555-0142.", [{ type: "phone", text: "555-0142", start: 0, end: 0 }], "Mail [EMAIL] or call [PHONE]."],
    ["upper-cases multi-word types", "Card 4111 1111 1111 1111 ok", [{ type: "credit_card", text: "4111 1111 1111 1111", start: 5, end: 24 }], "Card [CREDIT_CARD] ok"],
    ["redacts entities at both ends", "Ann Lee met Ann Lee", [{ type: "person", text: "Ann Lee", start: 0, end: 7 }], "[PERSON] met [PERSON]"],
    ["leaves a text without PII as it is", "Nothing to see here.", [], "Nothing to see here."],
  ])("%s", (_name, text, claims, redacted) => {
    expect(detect(text, claims).redacted).toBe(redacted);
  });
});
