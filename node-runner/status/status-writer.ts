import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import type { Clock, Timer } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { RunnerStatusFile } from "./status-file.ts";

/** Changes within this long go out in one write (a busy runner changes many times a second). */
const COALESCE_MS = 200;

export type StatusUpdate = Partial<Omit<RunnerStatusFile, "version" | "pid" | "updatedAt" | "jobs">>;

export interface StatusWriter {
  update(change: StatusUpdate): void;
  jobStarted(): void;
  jobEnded(ok: boolean): void;
  /** Writes what is pending now (at stop). */
  flush(): Promise<void>;
}

/**
 * Keeps the daemon's status and writes it to `path` atomically (a temporary file renamed over it,
 * so a reader never sees half a file), coalescing bursts. A failed write is logged once and never
 * stops the daemon: the status file is for the person at the machine, not for serving.
 */
export function createStatusWriter(path: string, initial: Omit<RunnerStatusFile, "version" | "pid" | "updatedAt">, deps: { clock: Clock; logger: Logger }): StatusWriter {
  const status: RunnerStatusFile = { version: 1, pid: process.pid, ...initial, updatedAt: deps.clock.now() };
  let timer: Timer | null = null;
  let writing: Promise<void> = Promise.resolve();
  let warned = false;

  const write = () => {
    timer = null;
    status.updatedAt = deps.clock.now();
    const text = `${JSON.stringify(status, null, 2)}\n`;
    writing = writing.then(async () => {
      const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(temp, text, { mode: 0o644 });
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        if (!warned) deps.logger.warn("cannot write the status file (node-runner status will not see this daemon)", { path, error: error instanceof Error ? error.message : String(error) });
        warned = true;
      }
    });
  };
  const schedule = () => {
    timer ??= deps.clock.setTimeout(write, COALESCE_MS);
  };
  write();

  return {
    update(change) {
      Object.assign(status, change);
      schedule();
    },
    jobStarted() {
      status.jobs.now += 1;
      schedule();
    },
    jobEnded(ok) {
      status.jobs.now = Math.max(0, status.jobs.now - 1);
      if (ok) status.jobs.served += 1;
      else status.jobs.failed += 1;
      schedule();
    },
    async flush() {
      timer?.cancel();
      write();
      await writing;
    },
  };
}
