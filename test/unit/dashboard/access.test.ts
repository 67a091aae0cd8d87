import { describe, expect, it } from "vitest";
import { ATTEMPT_WINDOW_MS, judgeAttempt, MAX_FAILED_ATTEMPTS, type AttemptRow } from "../../../worker/operator/access/attempt-limit.ts";
import { clientAddressKey } from "../../../worker/operator/access/client-address.ts";

// The admin-token limiter's rules (the AdminGuard object applies them one call at a time).
describe("failed admin-token attempts", () => {
  const run = (verdicts: boolean[], start = 1_000_000) => {
    let row: AttemptRow | null = null;
    return verdicts.map((correct, i) => {
      const { verdict, next } = judgeAttempt(row, correct, start + i);
      row = next;
      return verdict;
    });
  };

  it(`refuses every attempt, the right token too, after ${MAX_FAILED_ATTEMPTS} wrong ones in the window`, () => {
    const verdicts = run([...Array<boolean>(MAX_FAILED_ATTEMPTS).fill(false), false, true]);
    expect(verdicts.slice(0, MAX_FAILED_ATTEMPTS).map((v) => v.ok || v.code)).toEqual(Array(MAX_FAILED_ATTEMPTS).fill("wrong_token"));
    expect(verdicts[MAX_FAILED_ATTEMPTS - 1]).toEqual({ ok: false, code: "wrong_token", attemptsLeft: 0 });
    expect(verdicts.slice(MAX_FAILED_ATTEMPTS).map((v) => v.ok || v.code)).toEqual(["too_many_attempts", "too_many_attempts"]);
  });

  it("says how long the lock lasts, and lifts it when the window that filled up ends", () => {
    let row: AttemptRow | null = null;
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) row = judgeAttempt(row, false, 1000).next;
    const locked = judgeAttempt(row, true, 1000 + ATTEMPT_WINDOW_MS - 30_000);
    expect(locked.verdict).toEqual({ ok: false, code: "too_many_attempts", retryAfterSeconds: 30 });
    expect(judgeAttempt(row, true, 1000 + ATTEMPT_WINDOW_MS).verdict).toEqual({ ok: true });
  });

  it("clears an address's count when it presents the right token before the limit", () => {
    const verdicts = run([false, false, true, ...Array<boolean>(MAX_FAILED_ATTEMPTS - 1).fill(false)]);
    expect(verdicts.at(-1)).toEqual({ ok: false, code: "wrong_token", attemptsLeft: 1 });
  });
});

describe("the address failures are counted against", () => {
  const key = (ip?: string) => clientAddressKey(new Request("https://edge.test/", ip === undefined ? {} : { headers: { "CF-Connecting-IP": ip } }));

  it("is the IPv4 address, or one IPv6 /64 for all of its addresses", () => {
    expect(key("203.0.113.7")).toBe("203.0.113.7");
    expect(key("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(key("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(key("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(key("::ffff:192.0.2.1")).toBe("0:0:0:0::/64");
  });

  it("is one shared bucket when the header is absent or not an address", () => {
    expect(key()).toBe("unknown");
    expect(key("not-an-ip")).toBe("unknown");
    expect(key("203.0.113.7, 198.51.100.1")).toBe("unknown");
  });
});
