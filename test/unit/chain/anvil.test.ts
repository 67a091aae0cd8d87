import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS, accounts } from "../../../dev/chain/accounts.ts";
import { AnvilStartError, startAnvil } from "../../../dev/chain/anvil.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ESRCH") return false;
    throw error;
  }
}

describe("startAnvil", () => {
  it.each([8453, 1])("refuses mainnet chainId %i", async (chainId) => {
    await expect(startAnvil({ chainId })).rejects.toThrow(RangeError);
  });

  it("runs two chains at once on different ports, and stop() leaves no process", async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 84532 })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.rpcUrl).toBe(`http://127.0.0.1:${a.port}`);
      expect(await localPublicClient(a.rpcUrl).getChainId()).toBe(31337);
      expect(await localPublicClient(b.rpcUrl).getChainId()).toBe(84532);
      expect(isRunning(a.pid)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(isRunning(a.pid)).toBe(false);
    expect(isRunning(b.pid)).toBe(false);
    await expect(localPublicClient(a.rpcUrl).getChainId()).rejects.toThrow();
    // A second stop() must not hang or throw once the process is gone.
    await a.stop();
  });

  // startAnvil passes ANVIL_MNEMONIC, so anvil's own derivation checks ANVIL_KEYS.
  it("funds exactly the accounts in accounts.ts", async () => {
    const anvil = await startAnvil();
    try {
      const funded = await createWalletClient({ transport: http(anvil.rpcUrl) }).getAddresses();
      expect(funded).toEqual(ANVIL_KEYS.map((key) => privateKeyToAccount(key).address));
      expect(accounts.relayer.address).toBe(funded[3]);
      expect(accounts.payers.map((payer) => payer.address)).toEqual(funded.slice(5));
    } finally {
      await anvil.stop();
    }
  });

  it("reports anvil's stderr when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    try {
      const error: unknown = await startAnvil({ port: address.port }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AnvilStartError);
      expect(error instanceof AnvilStartError && error.stderr).toMatch(/address already in use/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
