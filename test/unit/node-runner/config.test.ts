import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatConfigProblems, loadRunnerConfig, runnerConfig } from "../../../node-runner/config.ts";
import { tunnelUrlFromEdgeUrl } from "../../../node-runner/config/edge-url.ts";
import { normalizeOllamaHost } from "../../../node-runner/config/ollama-host.ts";
import { capacityFor, parseConcurrency } from "../../../node-runner/config/model-settings.ts";
import { isRunnerError } from "../../../node-runner/errors.ts";
import { writeNewRunnerKey } from "../../../node-runner/key-file.ts";

let dir: string;
let keyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "runner-config-"));
  keyFile = join(dir, "key.json");
  await writeNewRunnerKey(keyFile);
});

const base = () => ({ env: {}, home: dir, cwd: dir, hostname: "mini.local", platform: "linux" as const });

describe("loadRunnerConfig", () => {
  it("applies the defaults", async () => {
    const result = await loadRunnerConfig({ ...base(), env: { EDGE_URL: "https://edge.example.com", RUNNER_KEY_FILE: keyFile } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toEqual({
      edgeUrl: "https://edge.example.com",
      tunnelUrl: "wss://edge.example.com/tunnel",
      keyFile,
      ollamaHost: "http://127.0.0.1:11434",
      models: null,
      concurrency: { default: 1, perModel: {} },
      maxQueue: 16,
      jobTimeoutMs: 300_000,
      heartbeatMs: 15_000,
      graceMs: 30_000,
      modelPollMs: 30_000,
      name: "mini.local",
      logLevel: "info",
    });
    expect(result.key.runnerId).toMatch(/^rn_[0-9a-f]{20}$/);
    expect(result.warnings).toEqual([]);
  });

  it("defaults the key file to ~/.edge402/runner-key.json", async () => {
    const result = await loadRunnerConfig({ ...base(), env: { EDGE_URL: "https://e.example" } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.stringContaining(join(dir, ".edge402", "runner-key.json"))]);
  });

  it("lists every problem at once, naming where each value came from", async () => {
    const result = await loadRunnerConfig({
      ...base(),
      env: {
        RUNNER_MAX_QUEUE: "lots",
        RUNNER_CONCURRENCY: "qwen2.5:7b=0,all-minilm=x",
        OLLAMA_HOST: "ftp://box",
        RUNNER_LOG_LEVEL: "chatty",
        RUNNER_KEY_FILE: join(dir, "missing.json"),
      },
      flags: { heartbeatMs: "5", models: "ok-model,bad model" },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.stringMatching(/^edgeUrl: required .*EDGE_URL, --edge-url/),
      "ollamaHost (env OLLAMA_HOST): scheme ftp:// is not supported (use http:// or https://)",
      'models (--models): "bad model" is not an Ollama model name',
      'concurrency (env RUNNER_CONCURRENCY): qwen2.5:7b: "0" is not a whole number from 1 to 64',
      'concurrency (env RUNNER_CONCURRENCY): all-minilm: "x" is not a whole number from 1 to 64',
      "maxQueue (env RUNNER_MAX_QUEUE): must be a whole number",
      "heartbeatMs (--heartbeat-ms): must be at least 100",
      "logLevel (env RUNNER_LOG_LEVEL): must be one of debug, info, warn, error",
      expect.stringMatching(/^keyFile \(env RUNNER_KEY_FILE\): key file .*missing\.json does not exist; create one with `node-runner keygen`/),
    ]);
    expect(formatConfigProblems(result.problems)).toMatch(/^node-runner configuration has 9 problems:\n {2}- edgeUrl/);
  });

  it("takes flags over environment over the config file", async () => {
    const file = join(dir, "runner.json");
    await writeFile(
      file,
      JSON.stringify({ edgeUrl: "https://from-file.example", maxQueue: 3, graceMs: 1000, name: "file", models: ["qwen2.5:7b"] }),
    );
    const result = await loadRunnerConfig({
      ...base(),
      configFile: file,
      env: { EDGE_URL: "https://from-env.example", RUNNER_MAX_QUEUE: "4", RUNNER_KEY_FILE: keyFile },
      flags: { maxQueue: "5" },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      edgeUrl: "https://from-env.example",
      maxQueue: 5,
      graceMs: 1000,
      name: "file",
      models: ["qwen2.5:7b"],
    });
  });

  it("finds the config file through EDGE402_RUNNER_CONFIG and resolves its key path next to it", async () => {
    const file = join(dir, "relative.json");
    await writeFile(file, JSON.stringify({ edgeUrl: "http://127.0.0.1:8787", keyFile: "key.json" }));
    const result = await loadRunnerConfig({ ...base(), cwd: "/", env: { EDGE402_RUNNER_CONFIG: file } });
    expect(result.ok && result.config.keyFile).toBe(keyFile);
  });

  it("reports unknown config-file keys and invalid JSON", async () => {
    const typo = join(dir, "typo.json");
    await writeFile(typo, JSON.stringify({ edgeUrl: "https://e.example", keyFile, maxQeue: 3 }));
    const bad = await loadRunnerConfig({ ...base(), configFile: typo });
    expect(!bad.ok && bad.problems).toEqual([expect.stringContaining('unknown setting "maxQeue"')]);

    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ not json");
    const worse = await loadRunnerConfig({ ...base(), configFile: broken, env: { EDGE_URL: "https://e.example", RUNNER_KEY_FILE: keyFile } });
    expect(!worse.ok && worse.problems).toEqual([expect.stringContaining("is not valid JSON")]);
  });

  it("warns (does not fail) when the key file is readable by others", async () => {
    const loose = join(dir, "loose.json");
    await writeNewRunnerKey(loose);
    await chmod(loose, 0o644);
    const result = await loadRunnerConfig({ ...base(), env: { EDGE_URL: "https://e.example", RUNNER_KEY_FILE: loose } });
    expect(result.ok && result.warnings).toEqual([expect.stringContaining("mode 0644")]);
  });

  it("treats an empty environment variable as unset", async () => {
    const result = await loadRunnerConfig({ ...base(), env: { EDGE_URL: "https://e.example", RUNNER_KEY_FILE: keyFile, OLLAMA_HOST: "" } });
    expect(result.ok && result.config.ollamaHost).toBe("http://127.0.0.1:11434");
  });
});

describe("runnerConfig (programmatic)", () => {
  it("throws one error listing every problem", () => {
    let caught: unknown;
    try {
      runnerConfig({ edgeUrl: "gopher://x", maxQueue: -1, concurrency: "a=100" });
    } catch (error) {
      caught = error;
    }
    expect(isRunnerError(caught) && caught.code).toBe("config_invalid");
    expect(isRunnerError(caught) && caught.details).toHaveLength(3);
  });
});

describe("edge URL → tunnel URL", () => {
  it.each([
    ["https://edge.example.com", "wss://edge.example.com/tunnel"],
    ["https://edge.example.com/", "wss://edge.example.com/tunnel"],
    ["http://127.0.0.1:8787", "ws://127.0.0.1:8787/tunnel"],
    ["wss://edge.example.com:8443/tunnel", "wss://edge.example.com:8443/tunnel"],
    ["ws://localhost:8787", "ws://localhost:8787/tunnel"],
    ["  https://EDGE.example.com  ", "wss://edge.example.com/tunnel"],
  ])("%s → %s", (input, expected) => {
    expect(tunnelUrlFromEdgeUrl(input)).toMatchObject({ ok: true, tunnelUrl: expected, warning: null });
  });

  it.each(["edge.example.com", "ftp://edge.example.com", "https://u:p@edge.example.com", "https://e.example/api", "https://e.example/?x=1"])(
    "rejects %s",
    (input) => {
      expect(tunnelUrlFromEdgeUrl(input).ok).toBe(false);
    },
  );

  it("warns about clear-text ws:// to another machine", () => {
    expect(tunnelUrlFromEdgeUrl("http://edge.example.com")).toMatchObject({ ok: true, warning: expect.stringContaining("unencrypted") });
  });
});

describe("OLLAMA_HOST forms", () => {
  it.each([
    ["127.0.0.1:11434", "http://127.0.0.1:11434"],
    ["localhost", "http://localhost:11434"],
    [":11500", "http://127.0.0.1:11500"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["0.0.0.0:11434", "http://127.0.0.1:11434"],
    ["http://box.local", "http://box.local:80"],
    ["https://ollama.internal/", "https://ollama.internal:443"],
    ["http://box:1234/prefix/", "http://box:1234/prefix"],
    ["[::1]:11434", "http://[::1]:11434"],
    ["::1", "http://[::1]:11434"],
    ["", "http://127.0.0.1:11434"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeOllamaHost(input)).toEqual({ ok: true, url: expected });
  });

  it.each(["ftp://box", "box:99999", "box:abc"])("rejects %j", (input) => {
    expect(normalizeOllamaHost(input).ok).toBe(false);
  });
});

describe("concurrency", () => {
  it("reads per-model entries and a default, in normalized names", () => {
    const parsed = parseConcurrency("qwen2.5:7b=2, all-minilm=4, 3");
    expect(parsed).toEqual({ ok: true, value: { default: 3, perModel: { "qwen2.5:7b": 2, "all-minilm:latest": 4 } } });
    if (!parsed.ok) return;
    expect(capacityFor(parsed.value, "ALL-MINILM")).toBe(4);
    expect(capacityFor(parsed.value, "other")).toBe(3);
  });

  it("accepts the config file's object form", () => {
    expect(parseConcurrency({ "qwen2.5:7b": 2, "*": 1 })).toEqual({ ok: true, value: { default: 1, perModel: { "qwen2.5:7b": 2 } } });
  });
});
