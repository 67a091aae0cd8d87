import {
  toClientEvmSigner,
  type AuthorizerSigner,
  type ClientEvmSigner,
  type FacilitatorEvmSigner,
} from "@x402/evm";
import { BatchSettlementEvmScheme as BatchSettlementClient } from "@x402/evm/batch-settlement/client";
import type { PaymentRequirements } from "@x402/core/types";
import {
  BaseError,
  ContractFunctionRevertedError,
  createTestClient,
  createWalletClient,
  http,
  parseEventLogs,
  publicActions,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type TypedDataDefinition,
} from "viem";
import { batchSettlementEscrowAbi } from "../../../dev/chain/batch-settlement.ts";
import { fiatTokenAbi } from "../../../dev/chain/fiat-token-abi.ts";
import type { LocalChain } from "../../../dev/chain/local-chain.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";
import { facilitatorSignerOf } from "../../../dev/chain/facilitator-signer.ts";

/** Helpers for driving the batch-settlement escrow on anvil: wallets, receipts, events, reverts. */

/** A wallet client that polls like localPublicClient (10 ms), for sending and awaiting transactions. */
export function localWallet(chain: LocalChain, account: LocalAccount) {
  return createWalletClient({
    account,
    chain: chain.chain,
    transport: http(chain.rpcUrl, { retryCount: 0 }),
    pollingInterval: 10,
  }).extend(publicActions);
}

/**
 * The official facilitator signer shape (as bench/reference builds it) on a fast-polling client: the
 * reference's 4 s default polling would make every settlement wait seconds for anvil's instant blocks.
 */
export function facilitatorSigner(chain: LocalChain, account: LocalAccount): FacilitatorEvmSigner {
  return facilitatorSignerOf(localWallet(chain, account));
}

/** A viem account as the signer shape @x402/evm takes (client vouchers, authorizer signatures). */
export function x402Signer(account: LocalAccount): ClientEvmSigner & AuthorizerSigner {
  return {
    address: account.address,
    // Loose typed-data shapes on @x402/evm's side, precise ones on viem's: a library boundary.
    signTypedData: (message: Parameters<ClientEvmSigner["signTypedData"]>[0]) =>
      account.signTypedData(message as TypedDataDefinition),
  };
}

/** The official client scheme for one payer and one channel salt, reading channel state on chain. */
export function batchClient(
  chain: LocalChain,
  payer: Pick<ClientEvmSigner, "address" | "signTypedData">,
  options: { salt?: Hex; payerAuthorizer?: Address } = {},
): BatchSettlementClient {
  const reader = localPublicClient(chain.rpcUrl);
  const signer = toClientEvmSigner(payer, {
    readContract: (args) => reader.readContract({ ...args, abi: args.abi as Abi, args: args.args ?? [] }),
  });
  return new BatchSettlementClient(signer, options);
}

export interface RequirementsInput {
  chain: LocalChain;
  receiver: Address;
  receiverAuthorizer: Address;
  /** Per-call maximum, base units. */
  amount: bigint;
  /** Announced in extra.minDeposit: what the client deposits (at least). */
  minDeposit: bigint;
  withdrawDelay: number;
}

export function batchRequirements(input: RequirementsInput): PaymentRequirements {
  const { chain, receiver, receiverAuthorizer, amount, minDeposit, withdrawDelay } = input;
  return {
    scheme: "batch-settlement",
    network: `eip155:${chain.chainId}`,
    amount: amount.toString(),
    asset: chain.usdc.address,
    payTo: receiver,
    maxTimeoutSeconds: 300,
    extra: {
      receiverAuthorizer,
      withdrawDelay,
      name: chain.usdc.name,
      version: chain.usdc.version,
      minDeposit: minDeposit.toString(),
    },
  };
}

/** The custom error (or require message) a call reverted with; throws if it did not revert. */
export async function revertOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError) {
        const name = reverted.data?.errorName;
        if (name !== undefined && name !== "Error") return name;
        if (reverted.reason !== undefined) return reverted.reason;
        if (reverted.signature !== undefined) return `unknown error ${reverted.signature}`;
      }
    }
    throw error;
  }
  throw new Error("expected the call to revert; it succeeded");
}

export async function receiptOf(chain: LocalChain, hash: Hash) {
  const receipt = await localPublicClient(chain.rpcUrl).waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/** The escrow's events in a transaction, in log order, as [name, args]. */
export async function escrowEvents(chain: LocalChain, hash: Hash, escrow: Address) {
  const { logs } = await receiptOf(chain, hash);
  return parseEventLogs({ abi: batchSettlementEscrowAbi, logs: logs.filter((log) => log.address === escrow.toLowerCase()) });
}

/** USDC Transfer events in a transaction, as {from, to, value}. */
export async function usdcTransfers(chain: LocalChain, hash: Hash) {
  const { logs } = await receiptOf(chain, hash);
  const fromToken = logs.filter((log) => log.address === chain.usdc.address.toLowerCase());
  return parseEventLogs({ abi: fiatTokenAbi, eventName: "Transfer", logs: fromToken }).map(({ args }) => args);
}

export async function gasUsed(chain: LocalChain, hash: Hash): Promise<bigint> {
  return (await receiptOf(chain, hash)).gasUsed;
}

/** Moves anvil's clock forward and mines a block at the new time. */
export async function advanceTime(chain: LocalChain, seconds: number): Promise<void> {
  const test = createTestClient({ mode: "anvil", transport: http(chain.rpcUrl, { retryCount: 0 }) });
  await test.increaseTime({ seconds });
  await test.mine({ blocks: 1 });
}

/** Replaces the code at an address (anvil_setCode). */
export async function setCode(chain: LocalChain, address: Address, bytecode: Hex): Promise<void> {
  await createTestClient({ mode: "anvil", transport: http(chain.rpcUrl, { retryCount: 0 }) }).setCode({ address, bytecode });
}

/**
 * Hand-assembled ERC-1271 wallets, for payers with code. ACCEPTS_ALL answers every call with the
 * magic value 0x1626ba7e (PUSH4 1626ba7e, PUSH1 e0, SHL, PUSH1 0, MSTORE, PUSH1 20, PUSH1 0, RETURN);
 * REJECTS_ALL answers 32 zero bytes.
 */
export const ERC1271_ACCEPTS_ALL: Hex = "0x631626ba7e60e01b60005260206000f3";
export const ERC1271_REJECTS_ALL: Hex = "0x60206000f3";
