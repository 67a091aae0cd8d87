import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseArgs } from "../../../node-runner/args.ts";
import { statusCommand } from "../../../node-runner/commands/status.ts";
import { systemClock } from "../../../node-runner/clock.ts";
import { RunnerStatusSchema, statusFileFor } from "../../../node-runner/status/status-file.ts";
import { createStatusWriter } from "../../../node-runner/status/status-writer.ts";

// `node-runner status` reads the file the daemon keeps beside its key; the daemon's side is
// exercised end to end in test/e2e/operator-console.test.ts (a real runner process).

const dirs: string[] = [];
const tempKey = () => {
  const dir = mkdtempSync(join(tmpdir(), "runner-status-"));
  dirs.push(dir);
  return join(dir, "runner-key.json");
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} } as never;
const initial = {
  runnerId: "rn_0123456789abcdef0123", name: "mac-mini", runnerVersion: "0.1.0", edge: "wss://edge.example/tunnel", ollamaHost: "http://127.0.0.1:11434",
  state: "connecting" as const, startedAt: Date.now(), connectedSince: null, models: [], jobs: { now: 0, served: 0, failed: 0 },
};
const run = async (keyFile: string, json = false) => {
  let out = "";
  let err = "";
  const code = await statusCommand(keyFile, json, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
};

describe("node-runner status", () => {
  it("puts the status file beside the key, named after it", () => {
    expect(statusFileFor("/home/me/.edge402/runner-key.json")).toBe("/home/me/.edge402/runner-key.status.json");
    expect(statusFileFor("/keys/second")).toBe("/keys/second.status.json");
  });

  it("shows what the writer wrote: connected, models, jobs now and served (exit 0)", async () => {
    const keyFile = tempKey();
    const writer = createStatusWriter(statusFileFor(keyFile), initial, { clock: systemClock, logger: quietLogger });
    writer.update({ state: "connected", connectedSince: Date.now(), models: [{ name: "qwen2.5:7b", concurrency: 2 }] });
    writer.jobStarted();
    writer.jobStarted();
    writer.jobEnded(true);
    await writer.flush();
    expect(RunnerStatusSchema.parse(JSON.parse(readFileSync(statusFileFor(keyFile), "utf8"))).jobs).toEqual({ now: 1, served: 1, failed: 0 });
    const { code, out } = await run(keyFile);
    expect(code).toBe(0);
    expect(out).toContain("state       connected, pid ");
    expect(out).toContain("qwen2.5:7b (2 at once)");
    expect(out).toContain("jobs        1 now, 1 served, 0 failed");
    const json = await run(keyFile, true);
    expect(JSON.parse(json.out)).toMatchObject({ running: true, state: "connected", jobs: { served: 1 } });
  });

  it("a daemon that is gone is `not running` (exit 1), whatever its file last said", async () => {
    const keyFile = tempKey();
    const writer = createStatusWriter(statusFileFor(keyFile), { ...initial, state: "connected" }, { clock: systemClock, logger: quietLogger });
    await writer.flush();
    const file = JSON.parse(readFileSync(statusFileFor(keyFile), "utf8"));
    writeFileSync(statusFileFor(keyFile), JSON.stringify({ ...file, pid: 2 ** 30 })); // no such process
    const { code, out } = await run(keyFile);
    expect(code).toBe(1);
    expect(out).toContain("state       not running");
  });

  it("no status file, or one of another shape: exit 2 with the path", async () => {
    const keyFile = tempKey();
    expect(await run(keyFile)).toMatchObject({ code: 2, err: expect.stringContaining("runner-key.status.json") });
    writeFileSync(statusFileFor(keyFile), JSON.stringify({ version: 9 }));
    expect(await run(keyFile)).toMatchObject({ code: 2, err: expect.stringContaining("not a status file") });
  });

  it("parses `status` with --key-file and --json, and refuses start's options there", () => {
    expect(parseArgs(["status", "--key-file", "/k.json", "--json"])).toMatchObject({ command: "status", flags: { keyFile: "/k.json" }, json: true, problems: [] });
    expect(parseArgs(["status", "--edge-url", "https://e"]).problems).toEqual(["--edge-url is not an option of `status`"]);
  });
});
