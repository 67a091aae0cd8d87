import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startOllamaStandin, type OllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { FakeEdge } from "./support/fake-edge.ts";
import { newKey } from "./support/runner-fixture.ts";
import { Changes } from "./support/wait-until.ts";

const BIN = fileURLToPath(new URL("../../../bin/node-runner.js", import.meta.url));

/** The real `node-runner` executable as a child process, with its stderr collected. */
function spawnRunner(args: string[], env: Record<string, string>) {
  const changes = new Changes();
  let stderr = "";
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    // Only what the runner needs: no inherited EDGE_URL or OLLAMA_HOST from the developer's shell.
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString("utf8");
    changes.changed();
  });
  child.on("exit", (code, signal) => {
    exit = { code, signal };
    changes.changed();
  });
  return {
    child,
    stderr: () => stderr,
    exited: (timeoutMs = 15_000) => changes.until(() => exit, "the runner process to exit", timeoutMs),
  };
}

describe("bin/node-runner.js as a process", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("exits 2 listing every configuration problem", async () => {
    const { keyFile } = await newKey();
    const runner = spawnRunner([], { HOME: "/nonexistent-home", RUNNER_KEY_FILE: keyFile, RUNNER_MAX_QUEUE: "many", OLLAMA_HOST: "ftp://x" });
    cleanups.push(() => void runner.child.kill("SIGKILL"));
    expect(await runner.exited()).toEqual({ code: 2, signal: null });
    expect(runner.stderr()).toMatch(/node-runner configuration has 3 problems:/);
    expect(runner.stderr()).toMatch(/- edgeUrl: required/);
    expect(runner.stderr()).toMatch(/- ollamaHost \(env OLLAMA_HOST\)/);
    expect(runner.stderr()).toMatch(/- maxQueue \(env RUNNER_MAX_QUEUE\): must be a whole number/);
  });

  it("on SIGTERM drains: the running job finishes, then the process exits 0", async () => {
    const { key, keyFile } = await newKey();
    const edge = await FakeEdge.start({ trust: [key.publicKey] });
    const ollama: OllamaStandin = await startOllamaStandin({ tokensPerSecond: 40 });
    cleanups.push(() => edge.close(), () => ollama.close());
    ollama.script({ model: "qwen2.5:7b", content: "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu" });

    const runner = spawnRunner(["start", "--models", "qwen2.5:7b"], {
      HOME: "/nonexistent-home",
      EDGE_URL: edge.url,
      RUNNER_KEY_FILE: keyFile,
      OLLAMA_HOST: ollama.url.replace(/^http:\/\//, ""),
      RUNNER_GRACE_MS: "20000",
    });
    cleanups.push(() => void runner.child.kill("SIGKILL"));

    const connection = await edge.connection(0, 15_000);
    expect(connection.hellos[0]?.models.map((m) => m.name)).toEqual(["qwen2.5:7b"]);
    const id = connection.sendJob({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "go" }] });
    await connection.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");

    runner.child.kill("SIGTERM");
    await connection.waitFor((c) => c.draining, "the runner to announce draining");
    const outcome = await connection.finished(id, 15_000);
    expect(outcome.done).toBeDefined();
    expect(outcome.content).toBe("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu");
    // draining was announced while the job was still streaming.
    const drainingAt = connection.messages.findIndex((m) => m.type === "draining");
    const doneAt = connection.messages.findIndex((m) => m.type === "done");
    expect(drainingAt).toBeLessThan(doneAt);

    expect(await runner.exited()).toEqual({ code: 0, signal: null });
    expect(await connection.untilClosed()).toEqual({ code: 1000, reason: "shutdown" });
    expect(runner.stderr()).toMatch(/ info draining inFlight=1 /);
    expect(runner.stderr()).toMatch(/ info exit code=0/);
    expect(edge.protocolErrors).toEqual([]);
  });

  it("a second signal aborts running jobs and exits at once", async () => {
    const { key, keyFile } = await newKey();
    const edge = await FakeEdge.start({ trust: [key.publicKey] });
    const ollama = await startOllamaStandin();
    cleanups.push(() => edge.close(), () => ollama.close());
    ollama.injectFailure({ mode: "never_ending", model: "qwen2.5:7b" });

    const runner = spawnRunner([], { HOME: "/nonexistent-home", EDGE_URL: edge.url, RUNNER_KEY_FILE: keyFile, OLLAMA_HOST: ollama.url });
    cleanups.push(() => void runner.child.kill("SIGKILL"));
    const connection = await edge.connection(0, 15_000);
    const id = connection.sendJob({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "go" }] });
    await connection.waitFor((c) => c.outcome(id).chunks.length > 0, "a first chunk");

    runner.child.kill("SIGINT");
    await connection.waitFor((c) => c.draining, "the runner to announce draining");
    runner.child.kill("SIGINT");
    expect((await connection.finished(id)).error).toMatchObject({ code: "runner_shutting_down" });
    expect(await runner.exited()).toEqual({ code: 0, signal: null });
    await ollama.waitFor((s) => s.streamsAborted >= 1);
  });
});
