import { describe, expect, it } from "vitest";
import { formatBaseUnits, parseBaseUnits, parseDecimalToBaseUnits } from "../../../scripts/pay/usdc-amount.ts";

describe("formatBaseUnits", () => {
  it.each([
    [0n, "0"],
    [1n, "0.000001"],
    [1005n, "0.001005"],
    [10_000n, "0.01"],
    [1_000_000n, "1"],
    [1_500_000n, "1.5"],
    [123_456_789n, "123.456789"],
    [1_000_000_000_000_000_000_000n, "1000000000000000"],
    [-1005n, "-0.001005"],
  ])("%s base units → %s USDC", (amount, text) => {
    expect(formatBaseUnits(amount)).toBe(text);
  });

  it("takes other decimals", () => {
    expect(formatBaseUnits(15n, 1)).toBe("1.5");
    expect(formatBaseUnits(1n, 18)).toBe("0.000000000000000001");
  });
});

describe("parseDecimalToBaseUnits", () => {
  it.each([
    ["0.001005", 1005n],
    ["0.01", 10_000n],
    ["0.1", 100_000n], // a float would make this 0.1000000000000000055…
    ["1", 1_000_000n],
    ["1.", 1_000_000n],
    [".5", 500_000n],
    ["  2.25 ", 2_250_000n],
    ["0.000001", 1n],
    ["0", 0n],
    ["9007199254740993.000001", 9_007_199_254_740_993_000_001n], // beyond Number's exact integers
  ])("%s USDC → %s base units", (text, units) => {
    expect(parseDecimalToBaseUnits(text)).toEqual({ ok: true, value: units });
  });

  it.each(["", ".", "-1", "+1", "1e-3", "1,5", "0x10", "1.2.3", "abc", "1 000", "Infinity", "NaN", "0.0000001"])("refuses %j", (text) => {
    const result = parseDecimalToBaseUnits(text);
    expect(result.ok).toBe(false);
  });

  it("says why too many decimals cannot be paid", () => {
    expect(parseDecimalToBaseUnits("0.0000001")).toEqual({ ok: false, error: '"0.0000001" has more than 6 decimal places (the smallest unit is 0.000001)' });
  });

  it("round-trips with formatBaseUnits", () => {
    for (const units of [0n, 1n, 999_999n, 1_000_001n, 42_000_000n]) {
      expect(parseDecimalToBaseUnits(formatBaseUnits(units))).toEqual({ ok: true, value: units });
    }
  });
});

describe("parseBaseUnits", () => {
  it("reads atomic integer strings only", () => {
    expect(parseBaseUnits("1005")).toBe(1005n);
    expect(parseBaseUnits("1.5")).toBeNull();
    expect(parseBaseUnits("-1")).toBeNull();
    expect(parseBaseUnits("")).toBeNull();
  });
});
