import { describe, expect, it } from "vitest";
import { addDecimals, compareDecimals, formatDecimal, multiplyDecimals, parseDecimal, roundsTo } from "../../../protocol/catalog/decimal.ts";

const d = (s: string) => {
  const value = parseDecimal(s);
  if (value === null) throw new Error(`not a decimal: ${s}`);
  return value;
};

describe("decimal", () => {
  it.each([
    ["1234.50", 123450n, 2],
    ["-0.05", -5n, 2],
    ["007", 7n, 0],
    ["0", 0n, 0],
  ])("parses %s", (text, units, scale) => {
    expect(parseDecimal(text)).toEqual({ units, scale });
  });

  it.each(["", "1,234.50", "1e3", "12.", ".5", "+1", "--1", " 1", "0x10", "1.2.3", "NaN", "Infinity"])("refuses %j", (text) => {
    expect(parseDecimal(text)).toBeNull();
  });

  it.each([
    ["1234.50", "1234.50"],
    ["-0.05", "-0.05"],
    ["-0.00", "0.00"],
    ["007.10", "7.10"],
  ])("formats %s as %s", (text, formatted) => {
    expect(formatDecimal(d(text))).toBe(formatted);
  });

  it("adds and multiplies exactly where floats do not", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(formatDecimal(addDecimals(d("0.1"), d("0.2")))).toBe("0.3");
    expect(formatDecimal(multiplyDecimals(d("3"), d("19.99")))).toBe("59.97");
    expect(formatDecimal(multiplyDecimals(d("1.005"), d("1000")))).toBe("1005.000");
    expect(formatDecimal(addDecimals(d("99999999999999999.99"), d("0.01")))).toBe("100000000000000000.00");
  });

  it("compares across scales", () => {
    expect(compareDecimals(d("1.50"), d("1.5"))).toBe(0);
    expect(compareDecimals(d("-2"), d("1.999"))).toBe(-1);
    expect(compareDecimals(d("10.001"), d("10"))).toBe(1);
  });

  it.each([
    ["49.995", "50.00", true],
    ["49.995", "49.99", true],
    ["49.995", "49.98", false],
    ["59.97", "59.97", true],
    ["59.97", "59.970", true],
    ["59.97", "60", true],
    ["59.97", "59.9", false],
    ["-10.125", "-10.13", true],
    ["-10.125", "-10.14", false],
  ])("%s rounds to %s: %s", (exact, rounded, expected) => {
    expect(roundsTo(d(exact), d(rounded))).toBe(expected);
  });
});
