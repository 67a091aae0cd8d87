import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createConnection } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { startProcess, type ManagedProcess } from "../../dev/child-process.ts";
import { freePort } from "../../dev/free-port.ts";
import { startOllamaStandin, type OllamaStandin } from "../../dev/ollama-standin/index.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import type { StackFile } from "../../scripts/lib/stack-file.ts";
import { parseDecimalToBaseUnits } from "../../scripts/pay/usdc-amount.ts";

// The README's first command: `npm start` brings up chain, edge and runner; Ctrl-C leaves nothing.
const ROOT = resolve(import.meta.dirname, "../..");
let standin: OllamaStandin;
let start: ManagedProcess;
let stateDir: string;
let ports: { edge: number; chain: number };

beforeAll(async () => {
  standin = await startOllamaStandin();
  stateDir = mkdtempSync(join(tmpdir(), "edge402-start-"));
  ports = { edge: await freePort(), chain: await freePort() };
  start = startProcess("npm start", process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, EDGE_PORT: String(ports.edge), CHAIN_PORT: String(ports.chain), OLLAMA_HOST: standin.url, EDGE402_STATE_DIR: stateDir },
  });
  await start.waitForOutput(/^ready\.$/m, 60_000);
});
afterAll(async () => {
  await start?.stop({ signal: "SIGKILL" });
  await standin?.close();
});

describe("npm start", () => {
  it("writes stack.json, takes a paid call from the demo payer, and stops cleanly on Ctrl-C", async () => {
    const stack = JSON.parse(readFileSync(join(stateDir, "stack.json"), "utf8")) as StackFile;
    expect(stack).toMatchObject({ edgeUrl: `http://127.0.0.1:${ports.edge}`, rpcUrl: `http://127.0.0.1:${ports.chain}`, chainId: 31337, network: "eip155:31337" });
    expect(stack.runnerIds).toHaveLength(1);

    // The operator console: npm start prints where it is and the token to sign in with.
    expect(stack.dashboardUrl).toBe(`${stack.edgeUrl}/dashboard`);
    expect(start.output()).toContain(`${stack.dashboardUrl}   sign in with the admin token ${stack.adminToken}`);
    const signIn = await fetch(`${stack.edgeUrl}/dashboard/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { Origin: stack.edgeUrl, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: stack.adminToken }).toString(),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("Set-Cookie")).toMatch(/^edge402_dashboard=/);

    // The README's next step: pay once from the terminal with the agent CLI (official @x402/fetch).
    const payer = privateKeyToAccount(stack.payerKey as Hex);
    expect(payer.address).toBe(stack.payerAddress);
    const before = await usdcBalanceOf(stack.rpcUrl, stack.usdc as Hex, payer.address);
    const { EDGE_URL: _edge, PAYER_KEY: _key, RPC_URL: _rpc, ...env } = process.env;
    const cli = startProcess("npm run pay", process.execPath, [join(ROOT, "bin", "edge402-pay.js"), "sentiment", '{"text":"great"}'], {
      cwd: ROOT,
      env: { ...env, EDGE402_STATE_DIR: stateDir },
    });
    expect(await cli.exited).toBe(0);
    const output = cli.output();
    expect(output).toMatch(/"label"/);
    // The stack offers a channel first, so the CLI's first call deposits into one (a transaction the
    // relayer pays for) and is charged the catalog price from it; the deposit is what leaves the wallet.
    expect(output).toMatch(/^scheme {4}batch-settlement/m);
    const deposit = /^deposit {3}(\S+) USDC into the channel, tx 0x[0-9a-f]{64}$/m.exec(output);
    expect(deposit).not.toBeNull();
    expect(/^charged {3}(\S+) USDC for this call/m.exec(output)?.[1]).toBe("0.01");
    const deposited = parseDecimalToBaseUnits(deposit![1]!);
    expect(deposited.ok && deposited.value).toBeGreaterThan(10_000n);
    expect(await usdcBalanceOf(stack.rpcUrl, stack.usdc as Hex, payer.address)).toBe(before - (deposited.ok ? deposited.value : 0n));

    expect(await start.stop({ signal: "SIGINT", graceMs: 20_000 })).toBe(0);
    expect(existsSync(join(stateDir, "stack.json"))).toBe(false);
    for (const pid of Object.values(stack.pids)) expect(isRunning(pid)).toBe(false);
    for (const port of [ports.edge, ports.chain]) expect(await isListening(port)).toBe(false);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited child not yet reaped by init is a zombie: gone in every way that matters.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
  return !/^\d+ \(.*\) Z/.test(stat);
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
