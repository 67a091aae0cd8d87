import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { encodeFunctionData, zeroAddress, type Address, type Hash, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { accounts } from "../../../dev/chain/accounts.ts";
import { compileSolidity, readSources } from "../../../dev/chain/batch-settlement-build.ts";
import {
  batchSettlementEscrowAbi as escrowAbi,
  installBatchSettlement,
  type BatchSettlementContracts,
} from "../../../dev/chain/batch-settlement.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";
import { startLocalChain, type LocalChain } from "../../../dev/chain/local-chain.ts";
import { mintUsdc, usdcBalanceOf } from "../../../dev/chain/usdc.ts";
import { escrowEvents, localWallet, receiptOf, revertOf, setCode } from "./batch-settlement-harness.ts";

// deposit() takes whatever collector its caller names. Only tokens that actually arrive may count,
// and a collector must not be able to call back into the escrow (two channels credited for one
// payment). Hostile collectors are compiled here from test/unit/chain/fixtures/batch-settlement/.

const FIXTURES = fileURLToPath(new URL("./fixtures/batch-settlement/", import.meta.url));
const AMOUNT = 40_000n;

let chain: LocalChain;
let contracts: BatchSettlementContracts;
const collectors: Record<"paying" | "short" | "reentrant", Address> = {
  paying: privateKeyToAccount(generatePrivateKey()).address,
  short: privateKeyToAccount(generatePrivateKey()).address,
  reentrant: privateKeyToAccount(generatePrivateKey()).address,
};
const relayer = () => localWallet(chain, accounts.relayer);
async function mined(sent: Promise<Hash>): Promise<Hash> {
  const hash = await sent;
  await receiptOf(chain, hash);
  return hash;
}
const escrow = () => ({ address: contracts.escrow, abi: escrowAbi }) as const;

function config(salt: number) {
  return {
    payer: accounts.payers[0].address,
    payerAuthorizer: accounts.payers[0].address,
    receiver: accounts.payTo.address,
    receiverAuthorizer: accounts.payTo.address,
    token: chain.usdc.address,
    withdrawDelay: 900,
    salt: `0x${salt.toString(16).padStart(64, "0")}` as Hex,
  };
}
async function channelBalance(salt: number): Promise<bigint> {
  const client = localPublicClient(chain.rpcUrl);
  const channelId = await client.readContract({ ...escrow(), functionName: "getChannelId", args: [config(salt)] });
  const [balance] = await client.readContract({ ...escrow(), functionName: "channels", args: [channelId] });
  return balance;
}
const depositCall = (salt: number, collector: Address, collectorData: Hex = "0x") =>
  encodeFunctionData({ abi: escrowAbi, functionName: "deposit", args: [config(salt), AMOUNT, collector, collectorData] });

beforeAll(async () => {
  const [started, compiled] = await Promise.all([
    startLocalChain(),
    Promise.resolve().then(() => compileSolidity(readSources(FIXTURES))),
  ]);
  chain = started;
  contracts = await installBatchSettlement(chain);
  const code = (name: string) => compiled.contracts[`Collectors.sol:${name}`]?.deployedBytecode ?? "0x";
  await setCode(chain, collectors.paying, code("PayingCollector"));
  await setCode(chain, collectors.short, code("ShortCollector"));
  await setCode(chain, collectors.reentrant, code("ReentrantCollector"));
  for (const collector of [collectors.paying, collectors.short]) {
    await mintUsdc(chain.rpcUrl, chain.usdc.address, collector, 1_000_000n);
  }
});
afterAll(() => chain?.stop());

describe("deposit with a caller-chosen collector", () => {
  it("credits exactly what arrived from a collector that pays", async () => {
    const escrowBefore = await usdcBalanceOf(chain.rpcUrl, chain.usdc.address, contracts.escrow);
    const args = [config(1), AMOUNT, collectors.paying, "0x"] as const;
    const hash = await mined(relayer().writeContract({ ...escrow(), functionName: "deposit", args }));
    const events = await escrowEvents(chain, hash, contracts.escrow);
    expect(events.map(({ eventName }) => eventName)).toEqual(["ChannelCreated", "Deposited"]);
    expect(await channelBalance(1)).toBe(AMOUNT);
    expect(await usdcBalanceOf(chain.rpcUrl, chain.usdc.address, contracts.escrow)).toBe(escrowBefore + AMOUNT);
  });

  it("refuses a deposit that delivers less than it claims", async () => {
    const simulated = localPublicClient(chain.rpcUrl).simulateContract({
      ...escrow(),
      functionName: "deposit",
      args: [config(2), AMOUNT, collectors.short, "0x"],
      account: accounts.relayer.address,
    });
    expect(await revertOf(simulated)).toBe("DepositCollectionFailed");
    expect(await channelBalance(2)).toBe(0n);
  });

  // Calldata is built inside the test: the chain (and its token address) exists only from beforeAll.
  it.each([
    ["deposit", () => depositCall(3, collectors.paying)],
    [
      "multicall(deposit)",
      () => encodeFunctionData({ abi: escrowAbi, functionName: "multicall", args: [[depositCall(3, collectors.paying)]] }),
    ],
    [
      "settle",
      () => encodeFunctionData({ abi: escrowAbi, functionName: "settle", args: [accounts.payTo.address, zeroAddress] }),
    ],
  ])("refuses a collector that calls back into %s", async (_, reentry) => {
    const simulated = localPublicClient(chain.rpcUrl).simulateContract({
      ...escrow(),
      functionName: "deposit",
      args: [config(4), AMOUNT, collectors.reentrant, reentry()],
      account: accounts.relayer.address,
    });
    expect(await revertOf(simulated)).toBe("ReentrancyGuardReentrantCall");
    expect([await channelBalance(3), await channelBalance(4)]).toEqual([0n, 0n]);
  });

  it("releases the lock between the calls of a multicall", async () => {
    const hash = await mined(relayer().writeContract({
      ...escrow(),
      functionName: "multicall",
      args: [[depositCall(5, collectors.paying), depositCall(6, collectors.paying)]],
    }));
    expect((await escrowEvents(chain, hash, contracts.escrow)).map(({ eventName }) => eventName)).toEqual([
      "ChannelCreated",
      "Deposited",
      "ChannelCreated",
      "Deposited",
    ]);
    expect([await channelBalance(5), await channelBalance(6)]).toEqual([AMOUNT, AMOUNT]);
  });

  it("bubbles an inner call's revert out of a multicall unchanged", async () => {
    const simulated = localPublicClient(chain.rpcUrl).simulateContract({
      ...escrow(),
      functionName: "multicall",
      args: [[depositCall(7, collectors.paying), depositCall(8, collectors.short)]],
      account: accounts.relayer.address,
    });
    expect(await revertOf(simulated)).toBe("DepositCollectionFailed");
  });
});

