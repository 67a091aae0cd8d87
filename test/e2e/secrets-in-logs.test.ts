import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { fundEth, mintUsdc, usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startLocalChain, type LocalChain } from "../../dev/chain/local-chain.ts";
import { startProcess, type ManagedProcess } from "../../dev/child-process.ts";
import { startEdge, type Edge } from "../../dev/edge.ts";
import { startOllamaStandin, type OllamaStandin } from "../../dev/ollama-standin/index.ts";
import { recordProcessOutput, type OutputRecorder } from "../../dev/process-output.ts";
import { startRpcRelay, type RpcRelay } from "../../dev/rpc-relay.ts";
import { startRunnerProcess, type RunnerProcess } from "../../dev/runner-process.ts";
import { generateRunnerKey } from "../../dev/runner-keys.ts";
import { carelessForms, findSecrets, secretFromBase64Url, secretFromHex, secretFromText, type Secret } from "../support/secret-scan.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";

// A representative session on the real stack, every byte every process prints recorded (wrangler dev
// and workerd, each node-runner, anvil, the pay CLI, node-runner keygen, and wrangler's own debug log
// file): paid calls that succeed, fail at the model and fail at settlement; admin calls with the right
// and wrong tokens; a refused tunnel handshake and a broken key file; runners starting and stopping.
// No private key, relayer key, admin token or payer key may appear in any of it, in any encoding.
//
// The secrets are fresh and distinctive: anvil prints its mnemonic's well-known keys at start-up, so
// the relayer and payers here are new keys (funded on the chain), never those.
const ROOT = resolve(import.meta.dirname, "../..");

const adminToken = `edge402-admin-${randomBytes(18).toString("hex")}`;
const metricsToken = `edge402-metrics-${randomBytes(18).toString("hex")}`;
// The alert webhook's bearer token, for a webhook at a port nothing listens on: the alert watch fails
// to reach it and must say so without the token. (A secret in the URL itself would be in wrangler
// dev's debug log, which records subrequest URLs: README, ALERT_WEBHOOK_TOKEN.)
const webhookToken = `hook-${randomBytes(18).toString("hex")}`;
const relayerKey = generatePrivateKey();
const payerKey = generatePrivateKey();
const cliPayerKey = generatePrivateKey();
// "A real key with a typo": the CLI must refuse it without echoing it.
const cliPayerKeyWithTypo = `${cliPayerKey.slice(0, 20)}z${cliPayerKey.slice(21)}`;
const runnerKeys = { a: generateRunnerKey(), b: generateRunnerKey(), unknown: generateRunnerKey(), broken: generateRunnerKey() };

let recorder: OutputRecorder;
let workDir: string;
let wranglerLogDir: string;
let chain: LocalChain;
let standin: OllamaStandin;
let relay: RpcRelay;
let edge: Edge;
let runners: RunnerProcess[] = [];
let extraProcesses: ManagedProcess[] = [];
let keygenFile: string;

beforeAll(async () => {
  recorder = recordProcessOutput();
  workDir = mkdtempSync(join(tmpdir(), "edge402-secrets-"));
  wranglerLogDir = join(workDir, "wrangler-logs");
  // wrangler writes every message, debug level included, to a log file too; keep this run's apart.
  process.env.WRANGLER_LOG_PATH = wranglerLogDir;
  keygenFile = join(workDir, "keygen", "runner-key.json");
  [chain, standin] = await Promise.all([startLocalChain(), startOllamaStandin()]);
  relay = await startRpcRelay(chain.rpcUrl, { delayMs: 0 });
  await fundEth(chain.rpcUrl, privateKeyToAccount(relayerKey).address, 10n ** 20n);
  for (const key of [payerKey, cliPayerKey]) await mintUsdc(chain.rpcUrl, chain.usdc.address, privateKeyToAccount(key).address, 100_000_000n);
  edge = await startEdge({
    env: {
      NETWORK: `eip155:${chain.chainId}`,
      USDC_ADDRESS: chain.usdc.address,
      USDC_NAME: chain.usdc.name,
      USDC_VERSION: chain.usdc.version,
      PAY_TO: chain.accounts.payTo.address,
      FACILITATOR: "embedded",
      RPC_URL: relay.url,
      RELAYER_KEY: relayerKey,
      ADMIN_TOKEN: adminToken,
      METRICS_TOKEN: metricsToken,
      ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook",
      ALERT_WEBHOOK_TOKEN: webhookToken,
      ALERT_CHECK_SECONDS: "1",
      ALERT_NO_RUNNER_SECONDS: "1",
      RUNNER_KEYS: [runnerKeys.a, runnerKeys.b].map((k) => k.publicKey).join(","),
      CHAT_MODELS: "qwen2.5:7b",
      JOB_TIMEOUT_MS: "5000",
    },
  });
  runners = [
    startRunnerProcess({ edgeUrl: edge.url, ollamaHost: standin.url, key: runnerKeys.a, name: "runner-a", env: { RUNNER_LOG_LEVEL: "debug" } }),
    startRunnerProcess({ edgeUrl: edge.url, ollamaHost: standin.url, key: runnerKeys.b, name: "runner-b" }),
  ];
  await Promise.all(runners.map((r) => r.connected));
  await waitForRunners(2);
});

afterAll(async () => {
  recorder?.stop();
  await Promise.allSettled([...runners.map((r) => r.kill()), ...extraProcesses.map((p) => p.stop({ signal: "SIGKILL", graceMs: 0 }))]);
  await Promise.allSettled([edge?.stop(), chain?.stop(), standin?.close(), relay?.stop()]);
  delete process.env.WRANGLER_LOG_PATH;
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const admin = (path: string, token = adminToken) => fetch(`${edge.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });

async function waitForRunners(count: number) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const body = (await (await admin("/admin/runners")).json()) as { runners: Array<{ models: unknown[] }> };
    if (body.runners.filter((r) => r.models.length > 0).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the edge never listed ${count} runners`);
}

function cli(name: string, args: string[], env: Record<string, string>): ManagedProcess {
  const { EDGE_URL: _e, PAYER_KEY: _p, RPC_URL: _r, ...inherited } = process.env;
  const proc = startProcess(name, process.execPath, args, { cwd: ROOT, env: { ...inherited, EDGE402_STATE_DIR: join(workDir, "no-stack"), ...env } });
  extraProcesses.push(proc);
  return proc;
}

/** Everything recorded: each process's stdout and stderr, and wrangler's debug log files. */
function allOutput(): Array<{ name: string; text: string }> {
  const files = readdirSync(wranglerLogDir).map((file) => ({ name: `wrangler log file ${file}`, text: readFileSync(join(wranglerLogDir, file), "utf8") }));
  return [...recorder.transcripts().map((t) => ({ name: `${t.name} (pid ${t.pid}) ${t.stream}`, text: t.text })), ...files];
}

function sessionSecrets(): Secret[] {
  const keygenJwk = JSON.parse(readFileSync(keygenFile, "utf8")) as { d: string };
  return [
    secretFromHex("relayer key", relayerKey),
    secretFromHex("payer key", payerKey),
    secretFromHex("CLI payer key", cliPayerKey),
    secretFromText("CLI payer key with a typo", cliPayerKeyWithTypo),
    secretFromText("admin token", adminToken),
    secretFromText("metrics token", metricsToken),
    secretFromText("alert webhook token", webhookToken),
    ...Object.entries(runnerKeys).map(([name, key]) => secretFromBase64Url(`runner key ${name} (JWK d)`, key.jwk.d)),
    secretFromBase64Url("key written by node-runner keygen (JWK d)", keygenJwk.d),
  ];
}

describe("no secret in any log", () => {
  it("the scanner finds a secret however a careless logger prints it (control)", () => {
    const key = runnerKeys.broken;
    const relayer = secretFromHex("relayer", relayerKey);
    const runner = secretFromBase64Url("runner", key.jwk.d);
    const token = secretFromText("token", adminToken);
    const careless = [
      ...carelessForms(relayerKey),
      relayerKey.slice(2).toUpperCase(),
      ...carelessForms(key.jwk),
      key.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      key.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
      ...carelessForms(Buffer.from(key.jwk.d, "base64url")),
      ...carelessForms(new Uint8Array(Buffer.from(key.jwk.d, "base64url"))),
      `Authorization: Basic ${Buffer.from(`admin:${adminToken}`).toString("base64")}`,
      `GET /admin/payments?token=${adminToken} 401`,
    ];
    for (const text of careless) {
      const found = findSecrets([{ name: "careless", text }], [relayer, runner, token]);
      expect(found.length, text).toBeGreaterThan(0);
    }
    expect(findSecrets([{ name: "clean", text: `relayer ${privateKeyToAccount(relayerKey).address} runner ${key.publicKey}` }], [relayer, runner, token])).toEqual([]);
  });

  it("a representative session prints none of them", { timeout: 180_000 }, async () => {
    const network = `eip155:${chain.chainId}`;
    const pay = officialV2Fetch(privateKeyToAccount(payerKey), { network, asset: chain.usdc.address }) as typeof fetch;
    const chat = (content: string) => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content }], max_tokens: 16 }),
    });
    const balance = () => usdcBalanceOf(chain.rpcUrl, chain.usdc.address, privateKeyToAccount(payerKey).address);

    // Paid calls: one that succeeds, one the model fails, one that fails at settlement.
    expect((await pay(`${edge.url}/v1/chat/completions`, chat("hello there"))).status).toBe(200);
    expect((await pay(`${edge.url}/v1/sentiment`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "I love it" }) })).status).toBe(200);
    standin.injectFailure({ mode: "http_500", times: Infinity, message: "model crashed" });
    const before = await balance();
    expect((await pay(`${edge.url}/v1/chat/completions`, chat("this one fails at the model"))).status).toBe(502);
    standin.clearFailures();
    relay.failMethods.add("eth_sendRawTransaction");
    expect((await pay(`${edge.url}/v1/chat/completions`, chat("this one fails at settlement"))).status).toBe(402);
    relay.failMethods.clear();
    expect(await balance()).toBe(before);

    // Admin calls with the right token and wrong ones.
    for (const path of ["/admin/payments", "/admin/payments?format=csv", "/admin/facilitator", "/admin/runners"]) expect((await admin(path)).status).toBe(200);
    for (const token of ["wrong-token-0123456789", adminToken.toUpperCase(), adminToken.slice(0, -1)]) expect((await admin("/admin/payments", token)).status).toBe(401);
    // The operator console's routes: stats, metrics with its token and wrong ones, health.
    expect((await admin("/admin/stats")).status).toBe(200);
    const scrape = (token: string) => fetch(`${edge.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await scrape(metricsToken)).status).toBe(200);
    for (const token of [adminToken, metricsToken.slice(0, -1)]) expect((await scrape(token)).status).toBe(401);
    expect((await fetch(`${edge.url}/health`)).status).toBe(200);

    // The CLIs (each a tsx process, so they run side by side): the pay CLI with a payer key from the
    // environment and with a key that has a typo; node-runner keygen, whose key file must be 0600.
    const paid = cli("edge402-pay", [join(ROOT, "bin", "edge402-pay.js"), "chat", JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi from the CLI" }], max_tokens: 8 })], {
      EDGE_URL: edge.url,
      RPC_URL: chain.rpcUrl,
      PAYER_KEY: cliPayerKey,
    });
    const typo = cli("edge402-pay", [join(ROOT, "bin", "edge402-pay.js"), "chat", "{}"], { EDGE_URL: edge.url, PAYER_KEY: cliPayerKeyWithTypo });
    const keygen = cli("node-runner keygen", [join(ROOT, "bin", "node-runner.js"), "keygen", "--key-file", keygenFile], {});
    // A runner whose key the edge does not list is refused at the handshake (and says why).
    const unknown = startRunnerProcess({ edgeUrl: edge.url, ollamaHost: standin.url, key: runnerKeys.unknown, name: "runner-unknown", env: { RUNNER_LOG_LEVEL: "debug" } });
    runners.push(unknown);
    unknown.connected.catch(() => {}); // it never connects: that is the point
    // A key file whose public half belongs to another key: refused at start, without echoing either.
    const brokenFile = join(workDir, "broken-key.json");
    writeFileSync(brokenFile, JSON.stringify({ ...runnerKeys.broken.jwk, x: runnerKeys.a.jwk.x }), { mode: 0o600 });
    const broken = cli("node-runner", [join(ROOT, "bin", "node-runner.js"), "start"], { EDGE_URL: edge.url, OLLAMA_HOST: standin.url, RUNNER_KEY_FILE: brokenFile });

    expect(await paid.exited).toBe(0);
    expect(paid.output()).toContain(privateKeyToAccount(cliPayerKey).address);
    expect(await typo.exited).toBe(2);
    expect(typo.output()).toContain("PAYER_KEY");
    expect(await keygen.exited).toBe(0);
    expect(statSync(keygenFile).mode & 0o777).toBe(0o600);
    const publicKey = cli("node-runner public-key", [join(ROOT, "bin", "node-runner.js"), "public-key", "--key-file", keygenFile], {});
    await unknown.process.waitForOutput(/does not know this runner's public key/);
    await unknown.stop();
    expect(await broken.exited).toBe(2);
    expect(broken.output()).toContain("does not belong");
    expect(await publicKey.exited).toBe(0);
    expect(publicKey.output()).toContain((JSON.parse(readFileSync(keygenFile, "utf8")) as { x: string }).x);

    // A runner drains and stops; the other stays; then everything stops (flushing every log).
    expect(await runners[1]!.stop()).toBe(0);
    await runners[0]!.stop();
    // No runner for a second: the alert watch tries the webhook, fails, and says so (without its URL).
    await edge.process.waitForOutput(/alert webhook unreachable for no_runner firing/, 60_000);
    await edge.stop();
    await chain.stop();

    const output = allOutput();
    const text = (name: RegExp) => output.filter((o) => name.test(o.name)).map((o) => o.text).join("");
    // The recording is real: each kind of process said what it does.
    expect(text(/^wrangler dev/)).toMatch(/Ready on http:\/\/127\.0\.0\.1:\d+/);
    expect(text(/^wrangler dev/)).toContain("POST /v1/chat/completions");
    expect(text(/^node-runner/)).toContain(" info connected ");
    expect(text(/^node-runner/)).toContain("does not know this runner's public key");
    expect(text(/^anvil/)).toContain("eth_sendRawTransaction");
    expect(text(/^edge402-pay/)).toContain("tx ");
    expect(text(/^node-runner keygen/)).toContain("public key:");
    expect(text(/^wrangler log file/)).toContain("env.RELAYER_KEY"); // the bindings table names the secrets

    // The scanner reads the real transcripts: a public key that the public-key command prints is found.
    const printedPublicKey = (JSON.parse(readFileSync(keygenFile, "utf8")) as { x: string }).x;
    expect(findSecrets(output, [secretFromBase64Url("printed public key", printedPublicKey)]).map((s) => s.source)).toContainEqual(expect.stringMatching(/^node-runner public-key/));

    expect(findSecrets(output, sessionSecrets())).toEqual([]);
  });
});
