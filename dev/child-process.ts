import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { reportProcessOutput, type OutputStream } from "./process-output.ts";

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when `pattern` appears in the output; rejects if the process exits first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends a signal (SIGTERM by default), then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
const MAX_OUTPUT_CHARS = 1 << 20;

/** Each child leads its own process group, so grandchildren (workerd under wrangler) die with it. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}
let exitHookInstalled = false;

/** Children must not outlive a crashed test run. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) killGroup(child, "SIGKILL");
  });
}

export function startProcess(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  running.add(child);
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (stream: OutputStream) => (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    reportProcessOutput(name, child.pid!, stream, text);
    output += text;
    // Long-running children (the local stack) must not grow this without bound.
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS / 2);
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData("stdout"));
  child.stderr?.on("data", onData("stderr"));
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code ?? (signal ? null : 0));
    });
  });
  let exitedNow = false;
  void exited.then(() => (exitedNow = true));

  return {
    child,
    pid: child.pid,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) return done(() => resolve(match));
          if (exitedNow || child.exitCode !== null || child.signalCode !== null) {
            return done(() => reject(new Error(`${name} exited before printing ${pattern}:\n${output.slice(-3000)}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-3000)}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop({ signal = "SIGTERM", graceMs = 5_000 } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      killGroup(child, signal);
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // The leader may exit before its children; make sure none of the group is left.
      killGroup(child, "SIGKILL");
      return code;
    },
  };
}
