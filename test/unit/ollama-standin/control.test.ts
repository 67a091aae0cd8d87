import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Ollama } from "ollama/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOllamaStandin, type OllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { caught, postJson } from "./helpers.ts";

let standin: OllamaStandin;
let ollama: Ollama;

beforeAll(async () => {
  standin = await startOllamaStandin();
  ollama = new Ollama({ host: standin.url });
});
afterAll(() => standin.close());

const control = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${standin.url}/__standin/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
};
const hi = () => ({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] });

describe("/__standin control routes", () => {
  it("inject failures (times 'Infinity' stands for Infinity) and clear them", async () => {
    expect(await control("POST", "failures", { mode: "http_500", times: "Infinity", message: "down" })).toEqual({ status: 200, body: { ok: true } });
    expect(await caught(ollama.chat(hi()))).toMatchObject({ status_code: 500, message: "down" });
    expect(await caught(ollama.chat(hi()))).toMatchObject({ status_code: 500, message: "down" });
    await control("DELETE", "failures");
    expect((await ollama.chat(hi())).done).toBe(true);
  });

  it("script replies with string content", async () => {
    await control("POST", "script", { match: "hi", content: "scripted over HTTP", times: 1 });
    expect((await ollama.chat(hi())).message.content).toBe("scripted over HTTP");
    expect((await ollama.chat(hi())).message.content).toBe("You said: hi");
  });

  it("report stats and the request log without counting themselves", async () => {
    const before = (await control("GET", "stats")).body as { requests: number };
    await ollama.version();
    const after = (await control("GET", "stats")).body as { requests: number; streamsStarted: number };
    expect(after.requests).toBe(before.requests + 1);
    const log = (await control("GET", "requests")).body as Array<{ path: string }>;
    expect(log.at(-1)?.path).toBe("/api/version");
    expect(log.every((entry) => !entry.path.startsWith("/__standin"))).toBe(true);
  });

  it("set the token rate", async () => {
    expect(await control("POST", "tps", { tokensPerSecond: 1000 })).toEqual({ status: 200, body: { ok: true } });
    expect((await ollama.chat(hi())).done).toBe(true);
    await control("POST", "tps", { tokensPerSecond: 0 });
  });

  it.each([
    ["failures", { mode: "explode" }],
    ["failures", { mode: "hang", afterTokens: -1 }],
    ["script", { content: 5 }],
    ["tps", { tokensPerSecond: -1 }],
  ])("refuse an invalid %s body with 400", async (path, body) => {
    const response = await postJson(standin.url, `/__standin/${path}`, body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: expect.any(String) });
  });
});

describe.concurrent("cli.ts", () => {
  const cli = fileURLToPath(new URL("../../../dev/ollama-standin/cli.ts", import.meta.url));

  it.each(["SIGTERM", "SIGINT"] as const)("prints its URL, serves the API and exits 0 on %s", async (signal) => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0", "--tps", "50"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
      const match = /^ollama-standin listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      expect(match).not.toBeNull();
      const client = new Ollama({ host: match?.[1] ?? "" });
      expect(await client.version()).toEqual({ version: "0.32.15" });
      expect((await client.chat(hi())).message.content).toBe("You said: hi");
      child.kill(signal);
      const [code] = (await once(child, "exit")) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
