import { spawn, type ChildProcess } from "node:child_process";
import { ANVIL_KEYS, ANVIL_MNEMONIC } from "./accounts.ts";
import { resolveAnvilBinary } from "./anvil-binary.ts";
import { assertLocalChainId } from "./forbidden-chains.ts";
import { guardAgainstOrphans } from "./orphan-guard.ts";
import { reportProcessOutput } from "../process-output.ts";

export interface AnvilOptions {
  /** 0 or absent: anvil binds a free port itself, so parallel test files cannot race for one. */
  port?: number;
  /** @default 31337. Ethereum and Base mainnet ids throw. */
  chainId?: number;
  /** Seconds between blocks. Absent: a block per transaction (automine). */
  blockTime?: number;
  /** @default "127.0.0.1" */
  host?: string;
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  chainId: number;
  pid: number;
  /** Resolves once the process has exited; SIGKILL follows SIGTERM after a short grace. Idempotent. */
  stop(): Promise<void>;
}

export class AnvilStartError extends Error {
  override name = "AnvilStartError";
  constructor(
    message: string,
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(`${message}\n--- anvil stderr ---\n${stderr.trim() || "(empty)"}`, options);
  }
}

const STARTUP_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 10;
const STOP_GRACE_MS = 2_000;
const STOP_KILL_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_CHARS = 8_192;
// Printed once the RPC socket is bound; with port 0 it is the only place the chosen port appears.
const LISTENING = /Listening on (\S+):(\d+)/;

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const { port = 0, chainId = 31337, blockTime, host = "127.0.0.1" } = options;
  assertLocalChainId(chainId);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  }
  if (blockTime !== undefined && !(blockTime > 0)) {
    throw new RangeError(`blockTime must be a positive number of seconds, got ${blockTime}`);
  }

  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  // Spelled out rather than left to anvil's defaults, so accounts.ts cannot drift from the chain.
  args.push("--mnemonic", ANVIL_MNEMONIC, "--accounts", String(ANVIL_KEYS.length));
  if (blockTime !== undefined) args.push("--block-time", String(blockTime));

  const child = spawn(resolveAnvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  guardAgainstOrphans(child);
  const watched = watchProcess(child);
  const stop = once(() => terminate(child, watched.exited));

  try {
    const exitedEarly = watched.exited.then((how) => Promise.reject(new Error(`anvil exited (${how})`)));
    const boundPort = await withTimeout(
      Promise.race([watched.listeningPort, exitedEarly]),
      STARTUP_TIMEOUT_MS,
      "anvil did not report a listening port",
    );
    const rpcUrl = `http://${connectHost(host)}:${boundPort}`;
    await waitForChainId(rpcUrl, chainId, watched);
    if (child.pid === undefined) throw new Error("anvil has no pid");
    return { rpcUrl, port: boundPort, chainId, pid: child.pid, stop };
  } catch (error) {
    await stop().catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new AnvilStartError(`anvil failed to start on ${host}:${port}: ${reason}`, watched.stderr(), {
      cause: error,
    });
  }
}

interface WatchedProcess {
  listeningPort: Promise<number>;
  /** Resolves with the exit code or signal; never rejects (a failed spawn counts as an exit). */
  exited: Promise<string>;
  hasExited(): boolean;
  stderr(): string;
}

function watchProcess(child: ChildProcess): WatchedProcess {
  let stderrTail = "";
  let stdoutTail = "";
  let exitedFlag = false;
  let onPort: (port: number) => void = () => {};
  const listeningPort = new Promise<number>((resolve) => (onPort = resolve));
  let portFound = false;

  // Both pipes must keep draining for anvil's whole life: it logs every RPC call, and a full pipe
  // would block it.
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    reportProcessOutput("anvil", child.pid ?? 0, "stdout", chunk);
    if (portFound) return;
    stdoutTail = (stdoutTail + chunk).slice(-OUTPUT_TAIL_CHARS);
    const match = LISTENING.exec(stdoutTail);
    if (match?.[2] !== undefined) {
      portFound = true;
      onPort(Number(match[2]));
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    reportProcessOutput("anvil", child.pid ?? 0, "stderr", chunk);
    stderrTail = (stderrTail + chunk).slice(-OUTPUT_TAIL_CHARS);
  });

  const exited = new Promise<string>((resolve) => {
    // "close" rather than "exit": it waits for the pipes to drain, so the stderr in an error is complete.
    child.once("close", (code, signal) => {
      exitedFlag = true;
      resolve(signal !== null ? `signal ${signal}` : `code ${code}`);
    });
    child.once("error", (error) => {
      // "error" with no pid means the process never started (e.g. ENOENT, EACCES) and will not close.
      if (child.pid === undefined) {
        exitedFlag = true;
        stderrTail += `\nspawn failed: ${error.message}`;
        resolve(`spawn failed: ${error.message}`);
      }
    });
  });

  return { listeningPort, exited, hasExited: () => exitedFlag, stderr: () => stderrTail };
}

async function waitForChainId(rpcUrl: string, chainId: number, watched: WatchedProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (watched.hasExited()) throw new Error("anvil exited while starting");
    try {
      const reported = await rpcChainId(rpcUrl);
      // Another node answering on this port would be a silent, confusing failure later on.
      if (reported !== chainId) throw new Error(`${rpcUrl} reports chainId ${reported}, expected ${chainId}`);
      return;
    } catch (error) {
      lastError = error;
    }
    await delay(READY_POLL_MS);
  }
  throw new Error(`no eth_chainId answer from ${rpcUrl} within ${STARTUP_TIMEOUT_MS} ms`, { cause: lastError });
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    signal: AbortSignal.timeout(1_000),
  });
  const body: unknown = await response.json();
  if (typeof body === "object" && body !== null && "result" in body && typeof body.result === "string") {
    return Number.parseInt(body.result, 16);
  }
  throw new Error(`unexpected eth_chainId response: ${JSON.stringify(body)}`);
}

async function terminate(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill("SIGTERM");
  if (await settlesWithin(exited, STOP_GRACE_MS)) return;
  child.kill("SIGKILL");
  if (await settlesWithin(exited, STOP_KILL_TIMEOUT_MS)) return;
  throw new Error(`anvil (pid ${child.pid}) did not exit ${STOP_KILL_TIMEOUT_MS} ms after SIGKILL`);
}

/** The address to connect to: a wildcard bind address is reachable on loopback. */
function connectHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
