import { defineChain, type Chain } from "viem";
import { accounts, type ChainAccounts } from "./accounts.ts";
import { startAnvil, type Anvil } from "./anvil.ts";
import { deployUsdc, mintUsdcBatch, type UsdcDeployment } from "./usdc.ts";
import { installBatchSettlement, type BatchSettlementContracts } from "./batch-settlement.ts";

export interface LocalChainOptions {
  /** @default 31337 */
  chainId?: number;
  /** 0 or absent: a free port. */
  port?: number;
  /** USDC base units minted to every payer. @default 1_000_000_000n (1,000 USDC) */
  payerFunds?: bigint;
  /** Seconds between blocks; absent: a block per transaction (automine). See AnvilOptions.blockTime. */
  blockTime?: number;
}

export interface LocalChain {
  anvil: Anvil;
  rpcUrl: string;
  chainId: number;
  /** For viem clients: `createWalletClient({ chain, transport: http(rpcUrl) })`. */
  chain: Chain;
  usdc: UsdcDeployment;
  /** The x402 batch-settlement escrow and its ERC-3009 collector, at their canonical addresses. */
  batchSettlement: BatchSettlementContracts;
  accounts: ChainAccounts;
  stop(): Promise<void>;
}

export const DEFAULT_PAYER_FUNDS = 1_000_000_000n;

/** Anvil plus Circle's USDC and the batch-settlement escrow, with every payer funded; what a test file or the dev stack starts with. */
export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const { chainId, port, blockTime, payerFunds = DEFAULT_PAYER_FUNDS } = options;
  if (payerFunds < 0n) throw new RangeError(`payerFunds must not be negative, got ${payerFunds}`);
  const anvil = await startAnvil({ chainId, port, ...(blockTime === undefined ? {} : { blockTime }) });
  try {
    const [usdc, batchSettlement] = await Promise.all([deployUsdc(anvil.rpcUrl), installBatchSettlement(anvil)]);
    if (payerFunds > 0n) {
      await mintUsdcBatch(
        anvil.rpcUrl,
        usdc.address,
        accounts.payers.map((payer) => ({ to: payer.address, amount: payerFunds })),
      );
    }
    return {
      anvil,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      chain: localChainDefinition(anvil.chainId, anvil.rpcUrl),
      usdc,
      batchSettlement,
      accounts,
      stop: anvil.stop,
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

function localChainDefinition(id: number, rpcUrl: string): Chain {
  return defineChain({
    id,
    name: `edge402 local (${id})`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  });
}
