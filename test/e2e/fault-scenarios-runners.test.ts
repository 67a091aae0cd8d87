import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentOf, errorOf, paidRequests, type PaidRequests } from "../support/paid-requests.ts";
import { checkpoint, expectReconciled } from "../support/reconcile.ts";
import { runnerIdOf } from "../../dev/runner-keys.ts";
import { readSse } from "../../dev/sse.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { TunnelPeer } from "../support/tunnel-peer.ts";
import { readReceipt } from "../../dev/x402-payments.ts";

// Runners are processes on someone's desk: they die, get restarted, shut down, and flap on bad
// networks. None of that may hang an agent, charge it for nothing, or put the ledger out of step
// with the chain. Each scenario checks (a) status and reason, (b) on-chain charges, (c) ledger = chain.
let stack: LocalStack;
let paid: PaidRequests;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1, spareRunnerKeys: 4 });
  paid = paidRequests(stack);
});
afterAll(async () => stack?.stop());

const payer = () => stack.chain.accounts.payers[3];
const chat = (extra: Record<string, unknown> = {}) => ({ model: "qwen2.5:7b", messages: [{ role: "user", content: "go" }], max_tokens: 32, ...extra });

/** Signs a payment for `body` and takes a checkpoint of the books just before it is used. */
async function prepare(body: unknown) {
  const { header, price } = await paid.sign(body, payer());
  const since = await checkpoint(stack, [payer().address]);
  return { header, price, since };
}

async function listedRunners(): Promise<Array<{ runnerId: string; models: Array<{ name: string }> }>> {
  return ((await (await stack.admin("/admin/runners")).json()) as { runners: Array<{ runnerId: string; models: Array<{ name: string }> }> }).runners;
}

/** Waits (bounded) until the edge lists exactly these runner ids, once each. */
async function waitForListedRunners(ids: string[], timeoutMs = 15_000): Promise<void> {
  const want = [...ids].sort();
  const deadline = Date.now() + timeoutMs;
  let listed: string[] = [];
  while (Date.now() < deadline) {
    listed = (await listedRunners()).map((r) => r.runnerId).sort();
    if (JSON.stringify(listed) === JSON.stringify(want)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the edge lists runners ${JSON.stringify(listed)}, expected exactly ${JSON.stringify(want)}`);
}

/** Resolves with the close events of the first `count` peers to be closed. */
function firstClosed(peers: TunnelPeer[], count: number): Promise<Array<{ code: number; reason: string }>> {
  return new Promise((resolve) => {
    const closes: Array<{ code: number; reason: string }> = [];
    for (const peer of peers) void peer.closed.then((c) => closes.push(c) === count && resolve(closes));
  });
}

describe("runner killed", () => {
  it("before any output, with no other runner: 502 runner_disconnected at once, nothing charged, ledger = chain", async () => {
    const [victim] = stack.runners;
    const body = chat();
    const { header, since } = await prepare(body);
    stack.standin.injectFailure({ mode: "hang" });
    try {
      const pending = paid.post(body, header);
      await stack.standin.waitFor((s) => s.active > 0, 15_000); // the job reached Ollama through the runner
      await victim!.kill();
      const response = await pending;
      expect(response.status).toBe(502);
      expect((await errorOf(response)).code).toBe("runner_disconnected");
      await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
    } finally {
      stack.standin.clearFailures();
    }
  });

  it("with no runner left, a paid call gets 503 + Retry-After, nothing charged, ledger = chain", async () => {
    await waitForListedRunners([]);
    const body = chat();
    const { header, since } = await prepare(body);
    const response = await paid.post(body, header);
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await errorOf(response)).code).toBe("no_runner");
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it("mid-stream: the stream ends with a runner_disconnected error event, paid once at the first chunk, ledger = chain", async () => {
    const runner = stack.startRunner(stack.spareKeys[0]!, { name: "streamer" });
    await runner.connected;
    await stack.waitForRunners(1);
    const body = chat({ stream: true });
    const { header, price, since } = await prepare(body);
    stack.standin.injectFailure({ mode: "never_ending" });
    stack.standin.setTokensPerSecond(20);
    try {
      const response = await paid.post(body, header);
      expect(response.status).toBe(200);
      const receipt = readReceipt(response);
      let killed = false;
      const events = await readSse(response, (event) => {
        if (contentOf(event) && !killed) {
          killed = true;
          void runner.kill();
        }
      });
      expect(killed).toBe(true);
      expect(events.at(-1)).toMatchObject({ error: { code: "runner_disconnected" } });
      expect(events).not.toContain("[DONE]");
      const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
      expect(newEntries).toEqual([expect.objectContaining({ txHash: receipt.transaction.toLowerCase(), runnerId: await runnerIdOf(runner.key) })]);
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearFailures();
    }
  });

  it("before any output while another runner is connected: the job is retried there, 200, paid once, ledger = chain", async () => {
    await waitForListedRunners([]);
    const a = stack.startRunner(stack.spareKeys[0]!, { name: "a" });
    await a.connected;
    await stack.waitForRunners(1);
    const body = chat();
    const { header, price, since } = await prepare(body);
    stack.standin.injectFailure({ mode: "hang", times: 1 });
    const pending = paid.post(body, header);
    await stack.standin.waitFor((s) => s.active > 0, 15_000); // the job hangs in Ollama behind runner a
    const b = stack.startRunner(stack.spareKeys[1]!, { name: "b" });
    await b.connected;
    await stack.waitForRunners(2);
    await a.kill();
    const response = await pending;
    expect(response.status).toBe(200);
    const receipt = readReceipt(response);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    expect(newEntries).toEqual([expect.objectContaining({ txHash: receipt.transaction.toLowerCase(), runnerId: await runnerIdOf(b.key) })]);
    await b.kill();
  });
});

describe("two runners, one dies", () => {
  it("the next jobs go to the other, each paid once, ledger = chain", async () => {
    await waitForListedRunners([]);
    const a = stack.startRunner(stack.spareKeys[0]!, { name: "a" });
    const b = stack.startRunner(stack.spareKeys[1]!, { name: "b" });
    await Promise.all([a.connected, b.connected]);
    await stack.waitForRunners(2);
    await a.kill(); // not waiting for the edge to notice: the next job may be sent to the dead socket
    const body = chat();
    const since = await checkpoint(stack, [payer().address]);
    let price = 0n;
    for (let i = 0; i < 3; i++) {
      const signed = await paid.sign(body, payer());
      price = signed.price;
      const response = await paid.post(body, signed.header);
      expect(response.status).toBe(200);
    }
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: 3n * price } });
    const survivor = await runnerIdOf(b.key);
    expect(newEntries.map((e) => e.runnerId)).toEqual([survivor, survivor, survivor]);
    await b.kill();
  });

  it("a runner stopped with SIGTERM finishes its job (paid once), then exits 0", async () => {
    await waitForListedRunners([]);
    const runner = stack.startRunner(stack.spareKeys[0]!, { name: "graceful" });
    await runner.connected;
    await stack.waitForRunners(1);
    stack.standin.script({ match: "slow", content: Array.from({ length: 20 }, (_, i) => `t${i}`).join(" ") });
    stack.standin.setTokensPerSecond(40);
    try {
      const body = chat({ messages: [{ role: "user", content: "slow" }] });
      const { header, price, since } = await prepare(body);
      const pending = paid.post(body, header);
      await stack.standin.waitFor((s) => s.active > 0, 15_000);
      const exit = runner.stop("SIGTERM");
      const response = await pending;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toContain("t19");
      expect(await exit).toBe(0);
      await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearScripts();
    }
  });
});

describe("reconnect storm", () => {
  const models = [{ name: "qwen2.5:7b", capacity: 8 }];
  beforeAll(async () => {
    // Each scenario here brings its own runners.
    await Promise.all(stack.runners.map((r) => r.kill()));
  });

  it("a runner's clean close is answered by the edge (was: never answered; the runner waited out its close timeout, then saw 1006)", async () => {
    const key = stack.spareKeys[3]!;
    const peer = await TunnelPeer.connect(stack.edge.url, key, models);
    await waitForListedRunners([peer.runnerId]);
    expect(await peer.close()).toEqual({ code: 1000, reason: "closed" });
    const half = await TunnelPeer.open(stack.edge.url, key);
    await half.expect("challenge");
    expect(await half.close()).toEqual({ code: 1000, reason: "closed" });
    await waitForListedRunners([]);
  });

  it("45 connects and drops in a row, every way a socket can go: no ghost runners, no job lost, each paid once", async () => {
    await waitForListedRunners([]);
    const steady = stack.startRunner(stack.spareKeys[2]!, { name: "steady" });
    const peers: TunnelPeer[] = [];
    try {
      await steady.connected;
      await stack.waitForRunners(1);
      const steadyId = await runnerIdOf(steady.key);
      const flapKey = stack.spareKeys[3]!;
      const flapId = await runnerIdOf(flapKey);
      const url = stack.edge.url;
      const connect = async () => {
        const peer = await TunnelPeer.connect(url, flapKey, models);
        peers.push(peer);
        return peer;
      };

      for (let round = 0; round < 9; round++) {
        // 1. ready, then a clean close
        await (await connect()).close();
        // 2. ready, then the TCP connection cut without a close frame
        await (await connect()).terminate();
        // 3. ready, then replaced by a newer connection of the same runner before the old one closed
        const older = await connect();
        const newer = await connect();
        expect((await older.closed).code).toBe(4007);
        await newer.close();
        // 4. several connections of the same runner at once: the last one to authenticate wins
        const racing = await Promise.all([connect(), connect(), connect()]);
        const replaced = await firstClosed(racing, 2);
        expect(replaced.map((c) => c.code)).toEqual([4007, 4007]);
        expect(racing.filter((p) => p.open)).toHaveLength(1);
        await Promise.all(racing.map((p) => p.terminate()));
        // 5. dropped in the middle of the handshake
        const half = await TunnelPeer.open(url, flapKey);
        await half.expect("challenge");
        await half.terminate();
      }
      await waitForListedRunners([steadyId]);

      // It comes back once more and stays: listed exactly once beside the steady runner, with its models.
      const flapper = await connect();
      await waitForListedRunners([steadyId, flapId]);
      expect((await listedRunners()).find((r) => r.runnerId === flapId)?.models).toEqual([expect.objectContaining({ name: "qwen2.5:7b", capacity: 8 })]);

      // The flapper has the most free capacity, so it gets the next job, serves it, and it is paid once.
      const body = chat();
      let { header, price, since } = await prepare(body);
      const served = paid.post(body, header);
      await flapper.serveJob("from the flapper");
      const response = await served;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("from the flapper");
      let { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
      expect(newEntries.map((e) => e.runnerId)).toEqual([flapId]);

      // It dies holding the next job, before any output: the job is not lost with the socket, the steady runner serves it.
      ({ header, price, since } = await prepare(body));
      const rescued = paid.post(body, header);
      await flapper.expect("job");
      await flapper.terminate();
      const second = await rescued;
      expect(second.status).toBe(200);
      ({ newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } }));
      expect(newEntries.map((e) => e.runnerId)).toEqual([steadyId]);
      await waitForListedRunners([steadyId]);
    } finally {
      await Promise.all(peers.map((p) => p.terminate()));
      await steady.kill();
    }
  });

  it("100 handshakes abandoned in a row do not lock runners out of the edge", async () => {
    await waitForListedRunners([]);
    const key = stack.spareKeys[3]!;
    for (let i = 0; i < 100; i++) {
      const peer = await TunnelPeer.open(stack.edge.url, key);
      await peer.expect("challenge");
      if (i % 2 === 0) await peer.terminate();
      else await peer.close();
    }
    const peer = await TunnelPeer.connect(stack.edge.url, key, [{ name: "qwen2.5:7b", capacity: 1 }]);
    await waitForListedRunners([peer.runnerId]);
    await peer.close();
    await waitForListedRunners([]);
  });
});
