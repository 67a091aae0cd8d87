import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startProcess, type ManagedProcess } from "./child-process.ts";
import { freePort } from "./free-port.ts";

const ROOT = resolve(import.meta.dirname, "..");

export interface EdgeOptions {
  /** Overrides of wrangler.toml vars, and secrets; all are passed through an env file, never argv. */
  env: Record<string, string>;
  port?: number;
  /** Durable Object storage; a fresh temporary directory by default. */
  persistDir?: string;
}

export interface Edge {
  url: string;
  port: number;
  process: ManagedProcess;
  persistDir: string;
  /**
   * Stops wrangler dev (SIGINT, as Ctrl-C does); `crash: true` kills it at once instead (SIGKILL to
   * the whole process group: workerd gets no chance to finish anything), as a machine failure would.
   */
  stop(options?: { crash?: boolean }): Promise<void>;
}

/**
 * The real edge: the Worker under `wrangler dev` (workerd), with its own port, inspector port and
 * Durable Object storage, so several can run side by side.
 */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  // A free port can be taken by a parallel test file between our probe and wrangler's bind: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEdgeOnce(options);
    } catch (error) {
      const portRace = error instanceof Error && /Address already in use/.test(error.message);
      if (!portRace || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startEdgeOnce(options: EdgeOptions): Promise<Edge> {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), "edge402-edge-"));
  const persistDir = options.persistDir ?? join(workDir, "state");
  const envFile = join(workDir, "edge.env");
  writeFileSync(envFile, Object.entries(options.env).map(([k, v]) => `${k}=${envFileValue(v)}`).join("\n"), { mode: 0o600 });

  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const proc = startProcess(
    "wrangler dev",
    process.execPath,
    [
      wrangler, "dev",
      "--config", join(ROOT, "wrangler.toml"),
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", persistDir,
      "--env-file", envFile,
      "--show-interactive-dev-session=false",
      "--log-level", "info",
    ],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  try {
    await proc.waitForOutput(/Ready on http:\/\/127\.0\.0\.1:\d+/, 60_000);
  } catch (error) {
    await proc.stop({ graceMs: 1_000 });
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    process: proc,
    persistDir,
    async stop({ crash = false } = {}) {
      await proc.stop(crash ? { signal: "SIGKILL", graceMs: 0 } : { signal: "SIGINT", graceMs: 5_000 });
      // The env file holds secrets: it never outlives the edge. (A given persistDir lives elsewhere.)
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * A value as wrangler's dotenv reads it back verbatim. Double quotes unescape only \n and \r, so a
 * value with a quote or a backslash in it (JSON, such as SERVICES) goes in single quotes, which are literal.
 */
function envFileValue(value: string): string {
  if (/["\\]/.test(value) && !/['\r\n]/.test(value)) return `'${value}'`;
  return JSON.stringify(value);
}
