import { readFileSync } from "node:fs";
import { createTestClient, getAddress, http, isHex, zeroAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { batchSettlementEscrowAbi } from "./batch-settlement-abi.ts";
import { ARTIFACT_PATH } from "./batch-settlement-build.ts";
import { assertLocalChainId } from "./forbidden-chains.ts";
import { localPublicClient } from "./local-client.ts";

export { batchSettlementEscrowAbi, erc3009DepositCollectorAbi } from "./batch-settlement-abi.ts";

/**
 * The canonical x402 batch-settlement addresses (CREATE2, the same on every chain). @x402/evm's
 * client and facilitator hard-code them, so a local chain must have the contracts exactly here.
 */
export const BATCH_SETTLEMENT_ESCROW_ADDRESS: Address = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003";
export const ERC3009_DEPOSIT_COLLECTOR_ADDRESS: Address = "0x4020806089470a89826cB9fB1f4059150b550004";

export interface BatchSettlementContracts {
  /** X402BatchSettlement: channels, vouchers, claims, settlement, withdrawals, refunds. */
  escrow: Address;
  /** ERC3009DepositCollector: the `collector` argument of `deposit` for ERC-3009 tokens (USDC). */
  erc3009Collector: Address;
}

const compiledContract = z.object({
  abi: z.array(z.unknown()),
  deployedBytecode: z.string().refine((code): code is Hex => isHex(code) && code.length > 2, "runtime bytecode"),
});
const artifactFile = z.object({
  compiler: z.string(),
  contracts: z.object({ escrow: compiledContract, erc3009Collector: compiledContract }),
});

let runtimeCode: { escrow: Hex; erc3009Collector: Hex } | undefined;

/** The committed runtime code (contracts/batch-settlement/artifacts.json; `npm run build:contracts`). */
export function batchSettlementRuntimeCode(): { escrow: Hex; erc3009Collector: Hex } {
  if (runtimeCode === undefined) {
    const { contracts } = artifactFile.parse(JSON.parse(readFileSync(ARTIFACT_PATH, "utf8")));
    runtimeCode = {
      escrow: contracts.escrow.deployedBytecode,
      erc3009Collector: contracts.erc3009Collector.deployedBytecode,
    };
  }
  return runtimeCode;
}

/**
 * Installs edge402's batch-settlement escrow and ERC-3009 deposit collector at the canonical
 * addresses with `anvil_setCode`. No constructor runs and none is needed: the contracts keep no
 * immutables, their storage starts empty, and the EIP-712 domain is computed from the chain id and
 * the address at call time. Re-installing keeps the storage already there (channels survive).
 *
 * @x402/evm's batch-settlement facilitator also reads channel state through Multicall3, which anvil
 * lacks: install that too before using it (bench/reference/multicall3.ts).
 */
export async function installBatchSettlement(chain: { rpcUrl: string }): Promise<BatchSettlementContracts> {
  const { rpcUrl } = chain;
  const client = localPublicClient(rpcUrl);
  assertLocalChainId(await client.getChainId());

  const code = batchSettlementRuntimeCode();
  const testClient = createTestClient({ mode: "anvil", transport: http(rpcUrl, { retryCount: 0 }) });
  const installs = [
    [BATCH_SETTLEMENT_ESCROW_ADDRESS, code.escrow],
    [ERC3009_DEPOSIT_COLLECTOR_ADDRESS, code.erc3009Collector],
  ] as const;
  await Promise.all(installs.map(([address, bytecode]) => testClient.setCode({ address, bytecode })));
  for (const [address, bytecode] of installs) {
    const installed = await client.getCode({ address });
    if (installed?.toLowerCase() !== bytecode.toLowerCase()) throw new Error(`code at ${address} is not what was installed`);
  }

  // The reentrancy lock lives in transient storage: on a chain before Cancun every locked function
  // would fail with an invalid opcode. settle() with nothing to settle takes the lock and returns.
  try {
    await client.simulateContract({
      address: BATCH_SETTLEMENT_ESCROW_ADDRESS,
      abi: batchSettlementEscrowAbi,
      functionName: "settle",
      args: [zeroAddress, zeroAddress],
    });
  } catch (error) {
    throw new Error("the escrow does not run on this chain (it needs EIP-1153 transient storage: Cancun or later)", {
      cause: error,
    });
  }
  return {
    escrow: getAddress(BATCH_SETTLEMENT_ESCROW_ADDRESS),
    erc3009Collector: getAddress(ERC3009_DEPOSIT_COLLECTOR_ADDRESS),
  };
}
