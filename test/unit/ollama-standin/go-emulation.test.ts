import { describe, expect, it } from "vitest";
import { decodeGoBase64 } from "../../../dev/ollama-standin/go/base64.ts";
import { parseGoDuration } from "../../../dev/ollama-standin/go/duration.ts";
import { scanFirstValue } from "../../../dev/ollama-standin/go/json-scan.ts";
import { countTokens, splitTokens } from "../../../dev/ollama-standin/tokenizer.ts";

const scan = (text: string) => scanFirstValue(Buffer.from(text, "utf8"));

describe("Go JSON decoder messages", () => {
  it.each([
    ["", "empty"],
    [" \r\n\t", "empty"],
    ['{"a":', "unexpected EOF"],
    ['{"a":"b', "unexpected EOF"],
    ["-", "unexpected EOF"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ["nul", "unexpected EOF"],
    ["nulx", "invalid character 'x' in literal null (expecting 'l')"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1e+", "unexpected EOF"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["@", "invalid character '@' looking for beginning of value"],
    ["\u00e9", "invalid character 'Ã' looking for beginning of value"],
  ])("%j → %s", (text, expected) => {
    const result = scan(text);
    expect(result.kind === "syntax-error" ? result.message : result.kind).toBe(expected);
  });

  it("reads only the first value, as json.Decoder does", () => {
    expect(scan('{"model":"m"} trailing garbage')).toEqual({ kind: "value", value: { model: "m" } });
    expect(scan("12abc")).toEqual({ kind: "value", value: 12 });
  });
});

describe("Go base64 (StdEncoding)", () => {
  it.each([
    ["aGVsbG8=", "hello"],
    ["aGVs\nbG8=", "hello"],
    ["", ""],
  ])("decodes %j", (text, expected) => {
    const result = decodeGoBase64(text);
    expect(result.ok && Buffer.from(result.bytes).toString("latin1")).toBe(expected);
  });

  it.each([
    ["data:image/png;base64,AAAA", 4],
    ["aGVsbG8", 4],
    ["aGVsbG8==", 8],
    ["a===", 1],
    ["aGVs bG8=", 4],
  ])("refuses %j at input byte %i", (text, at) => {
    expect(decodeGoBase64(text)).toEqual({ ok: false, message: `illegal base64 data at input byte ${at}` });
  });
});

describe("Go durations (keep_alive strings)", () => {
  it.each([
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["300ms", 300],
    ["1.5s", 1500],
    ["0", 0],
    ["-1m", -60_000],
  ])("%s = %i ms", (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ["", 'time: invalid duration ""'],
    ["m", 'time: invalid duration "m"'],
    ["10", 'time: missing unit in duration "10"'],
    ["3 days", 'time: unknown unit " days" in duration "3 days"'],
  ])("%j → %s", (text, message) => {
    expect(parseGoDuration(text)).toEqual({ ok: false, message });
  });
});

describe("tokenizer", () => {
  it.each(["", "Hello, world!", "  leading and trailing  ", "naïve café — ok? 日本語 🙂", '{"a":[1,2.5,"x y"]}', "line\n\nbreaks\t"])(
    "splits %j into pieces that concatenate back to it",
    (text) => {
      expect(splitTokens(text).join("")).toBe(text);
    },
  );

  it("counts words and punctuation", () => {
    expect(countTokens("Hello, world!")).toBe(4);
    expect(countTokens("")).toBe(0);
  });
});
