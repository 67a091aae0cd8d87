import { describe, expect, it } from "vitest";
import { base64UrlToBytes, bytesToBase64Url, isStrictBase64 } from "../../../protocol/base64.ts";

describe("base64", () => {
  it("round-trips base64url", () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 62, 63]);
    expect(base64UrlToBytes(bytesToBase64Url(bytes))).toEqual(bytes);
  });
  it.each(["abc", "ab=c", "a b=", "/etc/hostname", "ab\ncd=="])("rejects %j as strict base64", (s) => {
    expect(isStrictBase64(s)).toBe(false);
  });
});

describe("isStrictBase64 on large inputs", () => {
  it("checks a 12 MB string without overflowing the regex engine", () => {
    const big = "QUJD".repeat(3_000_000); // 12,000,000 characters
    expect(isStrictBase64(big)).toBe(true);
    expect(isStrictBase64(`${big.slice(0, -4)}QU==`)).toBe(true);
    expect(isStrictBase64(`${big.slice(0, -4)}Q=U=`)).toBe(false);
  });
  it.each(["QQ==", "QUI=", "QUJD"])("accepts %s", (s) => expect(isStrictBase64(s)).toBe(true));
  it.each(["Q===", "=QUJ", "QU=D", "QUJD===="])("refuses %s", (s) => expect(isStrictBase64(s)).toBe(false));
});
