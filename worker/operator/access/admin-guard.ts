import { DurableObject } from "cloudflare:workers";
import { ATTEMPT_WINDOW_MS, judgeAttempt, type AttemptRow, type AttemptVerdict } from "./attempt-limit.ts";

const PRUNE_INTERVAL_MS = ATTEMPT_WINDOW_MS;

/**
 * Who may use the admin token (one object, named "admin"): failed attempts per client address
 * (attempt-limit.ts), shared by the dashboard's sign-in form and /admin's bearer tokens, and the
 * dashboard sessions signed out before they expired. Durable Object state, so a restart of the
 * Worker forgets neither. Each call runs alone and never awaits between reading and writing, which
 * is what makes 200 simultaneous guesses count as 200.
 */
export class AdminGuard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS failed_attempts (address TEXT PRIMARY KEY, window_start INTEGER NOT NULL, failures INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS revoked_sessions (session_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    `);
  }

  /** Counts one presentation of a token from `address` (`correct`: whether it matched) and says whether it may pass. */
  attempt(address: string, correct: boolean): AttemptVerdict {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ window_start: number; failures: number }>("SELECT window_start, failures FROM failed_attempts WHERE address = ?", address)
      .toArray()
      .map((r): AttemptRow => ({ windowStart: r.window_start, failures: r.failures }))[0];
    const { verdict, next } = judgeAttempt(row ?? null, correct, Date.now());
    if (next === null) sql.exec("DELETE FROM failed_attempts WHERE address = ?", address);
    else if (next !== row) sql.exec("INSERT OR REPLACE INTO failed_attempts (address, window_start, failures) VALUES (?, ?, ?)", address, next.windowStart, next.failures);
    if (next) void this.schedulePrune();
    return verdict;
  }

  /** A signed-out session stays refused until it would have expired anyway. */
  revokeSession(sessionId: string, expiresAt: number): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO revoked_sessions (session_id, expires_at) VALUES (?, ?)", sessionId, expiresAt);
    void this.schedulePrune();
  }

  sessionRevoked(sessionId: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM revoked_sessions WHERE session_id = ?", sessionId).toArray().length > 0;
  }

  private async schedulePrune() {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_INTERVAL_MS);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM failed_attempts WHERE window_start + ? <= ?", ATTEMPT_WINDOW_MS, now);
    sql.exec("DELETE FROM revoked_sessions WHERE expires_at <= ?", now);
    const left = sql.exec<{ n: number }>("SELECT (SELECT COUNT(*) FROM failed_attempts) + (SELECT COUNT(*) FROM revoked_sessions) AS n").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(now + PRUNE_INTERVAL_MS);
  }
}
