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
