import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usdcBalanceOf } from "../support/chain/usdc.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";
import { readSse } from "../support/sse.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

// Runners are processes on someone's desk: they die, get restarted and shut down. None of that may
// hang an agent or charge it for nothing.
let stack: TestStack;
let pay: typeof fetch;

beforeAll(async () => {
  stack = await startTestStack({ runners: 1, spareRunnerKeys: 2 });
  pay = officialV2Fetch(stack.chain.accounts.payers[3], { network: stack.network, asset: stack.usdc }) as typeof fetch;
});
afterAll(async () => stack?.stop());

const chat = (extra: Record<string, unknown> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "go" }], max_tokens: 32, ...extra }),
});
const payer = () => stack.chain.accounts.payers[3].address;
const balance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer());

describe("runner failures", () => {
  it("a runner killed before any output: 502 runner_disconnected at once, nothing charged", async () => {
    const [victim] = stack.runners;
    stack.standin.injectFailure({ mode: "hang" });
    const before = await balance();
    const pending = pay(`${stack.edge.url}/v1/chat/completions`, chat());
    await stack.standin.waitFor((s) => s.active > 0, 15_000); // the job reached Ollama through the runner
    await victim!.kill();
    const response = await pending;
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("runner_disconnected");
    expect(await balance()).toBe(before);
    stack.standin.clearFailures();
  });

  it("with no runner left, a paid call gets 503 + Retry-After and is not charged", async () => {
    await waitUntilNoRunners();
    const before = await balance();
    const response = await pay(`${stack.edge.url}/v1/chat/completions`, chat());
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBeTruthy();
    expect(await balance()).toBe(before);
  });

  it("a runner killed mid-stream ends the agent's stream with an error event, not a hang", async () => {
    const runner = stack.startRunner(stack.spareKeys[0]!, { name: "streamer" });
    await runner.connected;
    await stack.waitForRunners(1);
    stack.standin.injectFailure({ mode: "never_ending" });
    stack.standin.setTokensPerSecond(20);
    try {
      const response = await pay(`${stack.edge.url}/v1/chat/completions`, chat({ stream: true }));
      expect(response.status).toBe(200);
      let killed = false;
      const events = await readSse(response, (event) => {
        const content = (event as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
        if (content && !killed) {
          killed = true;
          void runner.kill();
        }
      });
      expect(killed).toBe(true);
      expect(events.at(-1)).toMatchObject({ error: { code: "runner_disconnected" } });
      expect(events).not.toContain("[DONE]");
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearFailures();
    }
  });

  it("two runners, one dies: the next jobs go to the other", async () => {
    const a = stack.startRunner(stack.spareKeys[0]!, { name: "a" });
    const b = stack.startRunner(stack.spareKeys[1]!, { name: "b" });
    await Promise.all([a.connected, b.connected]);
    await stack.waitForRunners(2);
    await a.kill();
    for (let i = 0; i < 3; i++) {
      const response = await pay(`${stack.edge.url}/v1/chat/completions`, chat());
      expect(response.status).toBe(200);
    }
    await b.kill();
  });

  it("a runner stopped with SIGTERM finishes its job, then exits 0", async () => {
    const runner = stack.startRunner(stack.spareKeys[0]!, { name: "graceful" });
    await runner.connected;
    await stack.waitForRunners(1);
    stack.standin.script({ match: "slow", content: Array.from({ length: 20 }, (_, i) => `t${i}`).join(" ") });
    stack.standin.setTokensPerSecond(40);
    try {
      const pending = pay(`${stack.edge.url}/v1/chat/completions`, chat({ messages: [{ role: "user", content: "slow" }] }));
      await stack.standin.waitFor((s) => s.active > 0, 15_000);
      const exit = runner.stop("SIGTERM");
      const response = await pending;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toContain("t19");
      expect(await exit).toBe(0);
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearScripts();
    }
  });
});

async function waitUntilNoRunners() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const body = (await (await stack.admin("/admin/runners")).json()) as { runners: unknown[] };
    if (body.runners.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("a runner is still listed");
}
