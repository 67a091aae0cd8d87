import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundEth } from "../../dev/chain/fund-eth.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";

// ALERT_WEBHOOK_URL on the real stack, with a local HTTP receiver: the edge's alert watch (a Durable
// Object alarm, every second here) posts when the runner has been gone for a while and when the
// relayer's gas runs out, and posts again when each is over — once each, not at every check.

interface Posted { source: string; network: string; alert: string; status: string; message: string; at: string; authorization?: string }
let receiver: Server;
const posted: Posted[] = [];
let stack: LocalStack;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      posted.push({ ...(JSON.parse(body) as Posted), authorization: req.headers.authorization });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  stack = await startLocalStack({ runners: 1, edgeEnv: { ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_TOKEN: "hook-token-for-the-test", ALERT_CHECK_SECONDS: "1", ALERT_NO_RUNNER_SECONDS: "2" } });
  await stack.waitForRunners(1);
  // The watch starts with the edge's first request (an uptime monitor's /health, say).
  expect((await fetch(`${stack.edge.url}/health`)).status).toBe(200);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Polls until `count` posts have arrived matching `match` (bounded: the watch checks every second). */
async function waitForPost(match: (p: Posted) => boolean, tries = 300): Promise<Posted[]> {
  for (let i = 0; i < tries && !posted.some(match); i++) await new Promise((r) => setTimeout(r, 100));
  return posted.filter(match);
}

describe("alerts webhook", () => {
  it("no_runner: fires once after the runner has been gone for ALERT_NO_RUNNER_SECONDS, resolves once when it is back", async () => {
    const [runner] = stack.runners.splice(0, 1);
    await runner!.stop();
    const fired = await waitForPost((p) => p.alert === "no_runner" && p.status === "firing");
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ source: "edge402", network: stack.network, authorization: "Bearer hook-token-for-the-test", message: expect.stringContaining("no runner has been connected") });
    const back = stack.startRunner(runner!.key);
    await back.connected;
    const resolved = await waitForPost((p) => p.alert === "no_runner" && p.status === "resolved");
    expect(resolved).toHaveLength(1);
    expect(posted.filter((p) => p.alert === "no_runner" && p.status === "firing")).toHaveLength(1);
  });

  it("relayer_gas_low: fires when the relayer cannot pay for a settlement, resolves when funded", async () => {
    const health = (await (await fetch(`${stack.edge.url}/health`)).json()) as { chain: { relayer: { address: Address } } };
    const relayer = health.chain.relayer.address;
    await fundEth(stack.chain.rpcUrl, relayer, 0n);
    const fired = await waitForPost((p) => p.alert === "relayer_gas_low" && p.status === "firing");
    expect(fired).toHaveLength(1);
    expect(fired[0]!.message).toContain("gone");
    await fundEth(stack.chain.rpcUrl, relayer, 10n ** 21n);
    expect(await waitForPost((p) => p.alert === "relayer_gas_low" && p.status === "resolved")).toHaveLength(1);
  });
});
