import { spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { localPublicClient } from "../../../dev/chain/local-client.ts";

const OWNER = fileURLToPath(new URL("./fixtures/owner-of-anvil.ts", import.meta.url));
// `--import tsx` resolves from the working directory, so run where package.json is.
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const ownerReport = z.object({ rpcUrl: z.url() });

type Owner = ChildProcessByStdio<null, Readable, null>;

/**
 * Starts a Node process that starts anvil; resolves with that anvil's RPC URL. The owner is killed
 * when its own test finishes: the tests run concurrently, and a shared afterEach once killed the
 * other test's owner before it had reported (the "exited before reporting" flake).
 */
async function startOwner(mode: "exit" | "hang", onTestFinished: (cleanup: () => void) => void): Promise<{ owner: Owner; rpcUrl: string }> {
  const owner = spawn(process.execPath, ["--import", "tsx", OWNER, mode], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  onTestFinished(() => owner.kill("SIGKILL"));
  let output = "";
  for await (const chunk of owner.stdout.setEncoding("utf8")) {
    output += String(chunk);
    if (output.includes("\n")) break;
  }
  if (!output.includes("\n")) throw new Error(`owner process exited before reporting its anvil: ${output}`);
  return { owner, rpcUrl: ownerReport.parse(JSON.parse(output)).rpcUrl };
}

/** Polls until nothing answers at rpcUrl; the test timeout bounds it. */
async function waitUntilUnreachable(rpcUrl: string): Promise<void> {
  const client = localPublicClient(rpcUrl);
  for (;;) {
    const answered = await client.getChainId().then(
      () => true,
      () => false,
    );
    if (!answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A zombie (killed, not yet reaped by init) still passes kill(pid, 0), so "gone" is judged by the
// RPC port: a dead anvil can no longer answer.
describe("anvil does not outlive the process that started it", () => {
  it.concurrent("when that process exits without calling stop()", async ({ onTestFinished }) => {
    const { owner, rpcUrl } = await startOwner("exit", onTestFinished);
    await once(owner, "exit");
    await waitUntilUnreachable(rpcUrl);
  });

  it.concurrent("when that process is SIGKILLed and no exit hook can run", async ({ onTestFinished }) => {
    const { owner, rpcUrl } = await startOwner("hang", onTestFinished);
    expect(await localPublicClient(rpcUrl).getChainId()).toBe(31337);
    owner.kill("SIGKILL");
    await once(owner, "exit");
    await waitUntilUnreachable(rpcUrl);
  });
});
