import { readFile } from "node:fs/promises";
import { RunnerStatusSchema, statusFileFor, type RunnerStatusFile } from "../status/status-file.ts";

export interface StatusIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Whether a process id is alive, the portable way (signal 0: macOS and Linux; EPERM means it exists). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM";
  }
}

/**
 * `node-runner status`: what the daemon running with this key is doing, from its status file —
 * connection, models, jobs now, jobs served. Exit 0 when it runs and is connected, 1 when it is
 * not running or not connected (so a script can check), 2 when there is no status to read.
 */
export async function statusCommand(keyFile: string, json: boolean, io: StatusIo, now: () => number = Date.now): Promise<number> {
  const path = statusFileFor(keyFile);
  let status: RunnerStatusFile;
  try {
    const parsed = RunnerStatusSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    if (!parsed.success) {
      io.stderr(`node-runner: ${path} is not a status file of this version (${parsed.error.issues[0]?.path.join(".") || "(root)"}: ${parsed.error.issues[0]?.message})\n`);
      return 2;
    }
    status = parsed.data;
  } catch (error) {
    const missing = typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
    io.stderr(missing ? `node-runner: no runner has run with ${keyFile} (no ${path}); start one with \`node-runner start\`\n` : `node-runner: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const running = status.state !== "stopped" && alive(status.pid);
  const state = running ? status.state : "not running";
  if (json) {
    io.stdout(`${JSON.stringify({ ...status, running, state })}\n`);
    return running && status.state === "connected" ? 0 : 1;
  }
  const ago = (t: number) => `${formatDuration(now() - t)} ago`;
  const lines = [
    `runner      ${status.runnerId}${status.name ? ` (${status.name})` : ""}, node-runner ${status.runnerVersion}`,
    `state       ${state}${running ? `, pid ${status.pid}` : ""}${running && status.connectedSince !== null ? `, connected for ${formatDuration(now() - status.connectedSince)}` : ""}`,
    `edge        ${status.edge}`,
    `ollama      ${status.ollamaHost}`,
    `models      ${status.models.length ? status.models.map((m) => `${m.name} (${m.concurrency} at once)`).join(", ") : "none offered"}`,
    `jobs        ${running ? status.jobs.now : 0} now, ${status.jobs.served} served, ${status.jobs.failed} failed since ${new Date(status.startedAt).toISOString()}`,
    `updated     ${ago(status.updatedAt)} (${path})`,
  ];
  io.stdout(`${lines.join("\n")}\n`);
  return running && status.state === "connected" ? 0 : 1;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
