import { spawn, type ChildProcess } from "node:child_process";
import { Socket } from "node:net";

// Two layers, because neither covers every way a test process dies:
//  - an "exit" hook kills children when Node exits normally or via process.exit();
//  - a sidecar Node process holds the read end of a pipe from us. A worker killed with SIGKILL (or
//    an uncaught signal) runs no hooks, but the kernel closes the pipe, and the sidecar then kills
//    every pid still registered. It reads pids as "+123"/"-123" lines.
const SIDECAR_SOURCE = `
const pids = new Set();
let pending = "";
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf("\\n")) >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === "+") pids.add(pid);
    else pids.delete(pid);
  }
});
process.stdin.on("close", () => {
  for (const pid of pids) {
    try { process.kill(pid, "SIGKILL"); } catch {}
  }
  process.exit(0);
});
`;

const guarded = new Set<ChildProcess>();
let sidecar: ChildProcess | undefined;
let exitHookInstalled = false;

function killGuardedNow(): void {
  for (const child of guarded) child.kill("SIGKILL");
}

function sidecarInput(): Socket | undefined {
  if (sidecar === undefined) {
    sidecar = spawn(process.execPath, ["-e", SIDECAR_SOURCE], {
      // Own process group: a signal sent to our group must not take the sidecar down with us.
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
      // No NODE_OPTIONS and friends: loaders such as tsx would only slow the sidecar down.
      env: {},
    });
    sidecar.on("error", () => {
      // Spawning Node failed; the exit hook still covers normal exits.
    });
    sidecar.unref();
    const input = sidecar.stdin;
    if (input instanceof Socket) {
      input.on("error", () => {});
      input.unref();
    }
  }
  const input = sidecar.stdin;
  return input instanceof Socket && !input.destroyed ? input : undefined;
}

/** Ensures `child` is SIGKILLed when this process goes away, however it goes away. */
export function guardAgainstOrphans(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  if (!exitHookInstalled) {
    process.on("exit", killGuardedNow);
    exitHookInstalled = true;
  }
  guarded.add(child);
  sidecarInput()?.write(`+${pid}\n`);
  child.once("exit", () => {
    guarded.delete(child);
    // Forget the pid at once so the sidecar can never kill a process that reused it.
    sidecarInput()?.write(`-${pid}\n`);
  });
}
