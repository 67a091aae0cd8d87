import { describe, expect, it } from "vitest";
import { issueSession, readSession, sessionCookie, SESSION_SECONDS } from "../../../worker/operator/dashboard/session-cookie.ts";

const TOKEN = "unit-admin-token-0123456789";
const NOW = Date.UTC(2026, 11, 3, 12);

describe("dashboard session cookies", () => {
  it("reads back a session it issued, until it expires", async () => {
    const { value, claims } = await issueSession(TOKEN, NOW);
    expect(await readSession(TOKEN, value, NOW + 1000)).toEqual({ ok: true, claims });
    expect(claims.exp - claims.iat).toBe(SESSION_SECONDS);
    expect(await readSession(TOKEN, value, NOW + SESSION_SECONDS * 1000)).toEqual({ ok: false, code: "session_expired" });
  });

  it("refuses a session signed under another admin token (rotating the token signs everyone out)", async () => {
    const { value } = await issueSession("another-admin-token-0123456789", NOW);
    expect(await readSession(TOKEN, value, NOW)).toEqual({ ok: false, code: "bad_signature" });
  });

  it("refuses claims changed after signing: a longer expiry, another session id", async () => {
    const { value } = await issueSession(TOKEN, NOW);
    const [body, signature] = value.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    for (const forged of [{ ...claims, exp: claims.exp + 86_400 }, { ...claims, sid: "0".repeat(32) }]) {
      const tampered = `${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
      expect(await readSession(TOKEN, tampered, NOW)).toEqual({ ok: false, code: "bad_signature" });
    }
  });

  it("refuses what is not a session at all", async () => {
    for (const value of ["", "x", "a.b", `${"A".repeat(401)}.${"A".repeat(43)}`, "eyJ2IjoxfQ.!!!"]) {
      expect((await readSession(TOKEN, value, NOW)).ok).toBe(false);
    }
    expect(await readSession(TOKEN, undefined, NOW)).toEqual({ ok: false, code: "no_session" });
  });

  it("sets HttpOnly, SameSite=Strict and the dashboard's Path; Secure except on loopback http", () => {
    expect(sessionCookie("v", "https://edge.example/dashboard/sign-in")).toBe(`edge402_dashboard=v; Path=/dashboard; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionCookie("v", "http://127.0.0.1:8787/dashboard/sign-in")).not.toContain("Secure");
    expect(sessionCookie("v", "http://localhost:8787/dashboard/sign-in")).not.toContain("Secure");
    expect(sessionCookie("v", "http://edge.example/dashboard/sign-in")).toContain("; Secure");
  });
});
