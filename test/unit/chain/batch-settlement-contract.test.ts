import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BATCH_SETTLEMENT_ADDRESS,
  BATCH_SETTLEMENT_DOMAIN,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  claimBatchTypes,
  isBatchSettlementDepositPayload,
  isBatchSettlementVoucherPayload,
  refundTypes,
  voucherTypes,
  type BatchSettlementClaimPayload,
  type BatchSettlementEnrichedRefundPayload,
  type BatchSettlementSettlePayload,
  type BatchSettlementVoucherClaim,
  type ChannelConfig,
} from "@x402/evm";
import {
  computeChannelId,
  createBatchSettlementEIP3009DepositPayload,
  signVoucher,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import {
  encodeAbiParameters,
  getAddress,
  hashTypedData,
  keccak256,
  toFunctionSelector,
  toHex,
  zeroAddress,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { installMulticall3 } from "../../../bench/reference/multicall3.ts";
import { accounts } from "../../../dev/chain/accounts.ts";
import {
  batchSettlementEscrowAbi as escrowAbi,
  erc3009DepositCollectorAbi,
  installBatchSettlement,
  type BatchSettlementContracts,
} from "../../../dev/chain/batch-settlement.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";
import { startLocalChain, type LocalChain } from "../../../dev/chain/local-chain.ts";
import { authorizationState, mintUsdc, usdcBalanceOf } from "../../../dev/chain/usdc.ts";
import {
  ERC1271_ACCEPTS_ALL,
  ERC1271_REJECTS_ALL,
  advanceTime,
  batchClient,
  batchRequirements,
  escrowEvents,
  facilitatorSigner,
  gasUsed,
  localWallet,
  receiptOf,
  revertOf,
  setCode,
  usdcTransfers,
  x402Signer,
} from "./batch-settlement-harness.ts";

// The escrow and collector are edge402's own Solidity (contracts/batch-settlement/), installed at the
// canonical addresses; everything that talks to them here is the official @x402/evm 2.27 code where
// it exists: the client scheme builds deposits and signs vouchers, the facilitator scheme verifies and
// settles deposits, claims, settlements and refunds. Direct contract calls cover what neither sends
// (payer withdrawals, direct refunds) and the refusals.

const AMOUNT = 1_000n; // per-call maximum: 0.001 USDC
const MIN_DEPOSIT = 100_000n; // what the client deposits when it opens a channel: 0.10 USDC
const WITHDRAW_DELAY = 900;
const ZERO_SALT: Hex = `0x${"00".repeat(32)}`;
const salt = (n: number): Hex => toHex(n, { size: 32 });

// Measured on the upstream contracts with Circle's USDC on anvil (shared/X402_NOTES.md §10).
const REFERENCE_GAS: Record<string, string> = {
  "deposit (new channel)": "158k",
  "claim, 1 voucher": "78k",
  "claim, 10 channels": "276k",
  settle: "57–74k",
  initiateWithdraw: "53k",
  finalizeWithdraw: "62k",
  "refund (claim + refundWithSignature, multicall)": "113k",
};
// Generous ceilings: they catch a gross regression (a loop that rehashes, a forgotten cold slot), not noise.
const GAS_CEILING: Record<string, bigint> = {
  "deposit (new channel)": 190_000n,
  "deposit (top-up)": 150_000n,
  "claim, 1 voucher": 95_000n,
  "claim, 10 channels": 330_000n,
  settle: 90_000n,
  initiateWithdraw: 65_000n,
  finalizeWithdraw: 75_000n,
  "refund (claim + refundWithSignature, multicall)": 135_000n,
  "refundWithSignature (closes the channel)": 100_000n,
};
const measured = new Map<string, bigint>();

let chain: LocalChain;
let contracts: BatchSettlementContracts;
let facilitator: BatchSettlementFacilitator;
let requirements: PaymentRequirements;
let network: `eip155:${number}`;
const receiver = accounts.payTo;
const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());
const stranger = accounts.deployer;

beforeAll(async () => {
  chain = await startLocalChain({ chainId: 84532 });
  // The official facilitator reads channel state through Multicall3, which anvil lacks.
  await installMulticall3(chain.rpcUrl);
  contracts = await installBatchSettlement(chain);
  facilitator = new BatchSettlementFacilitator(facilitatorSigner(chain, accounts.relayer), x402Signer(receiverAuthorizer));
  network = `eip155:${chain.chainId}`;
  requirements = batchRequirements({
    chain,
    receiver: receiver.address,
    receiverAuthorizer: receiverAuthorizer.address,
    amount: AMOUNT,
    minDeposit: MIN_DEPOSIT,
    withdrawDelay: WITHDRAW_DELAY,
  });
});

afterAll(async () => {
  if (measured.size > 0) {
    const rows = [...measured].map(([operation, gas]) => {
      const reference = REFERENCE_GAS[operation] ?? "–";
      return `  ${operation.padEnd(50)} ${String(gas).padStart(8)}   reference ${reference}`;
    });
    console.info(`batch-settlement gas (ours vs the upstream contracts):\n${rows.join("\n")}`);
  }
  await chain?.stop();
});

async function recordGas(operation: string, hash: Hash): Promise<bigint> {
  const gas = await gasUsed(chain, hash);
  measured.set(operation, gas);
  const ceiling = GAS_CEILING[operation];
  if (ceiling !== undefined) expect(gas, `${operation} gas`).toBeLessThan(ceiling);
  return gas;
}

// ---------------------------------------------------------------------------------------------------
// Reading and writing the escrow
// ---------------------------------------------------------------------------------------------------

const reader = () => localPublicClient(chain.rpcUrl);
const escrow = () => ({ address: contracts.escrow, abi: escrowAbi }) as const;
/** A wallet that sends (and pays gas) as `account`. */
const as = (account: LocalAccount) => localWallet(chain, account);
/** A sent transaction's hash once it is mined (and succeeded): reads after it then see its effects. */
async function mined(sent: Promise<Hash>): Promise<Hash> {
  const hash = await sent;
  await receiptOf(chain, hash);
  return hash;
}
const usdcOf = (who: Address) => usdcBalanceOf(chain.rpcUrl, chain.usdc.address, who);
const domain = () => ({ ...BATCH_SETTLEMENT_DOMAIN, chainId: chain.chainId, verifyingContract: contracts.escrow });

async function channelState(channelId: Hex) {
  const [balance, totalClaimed] = await reader().readContract({ ...escrow(), functionName: "channels", args: [channelId] });
  return { balance, totalClaimed };
}
async function pendingWithdrawal(channelId: Hex) {
  const [amount, initiatedAt] = await reader().readContract({
    ...escrow(),
    functionName: "pendingWithdrawals",
    args: [channelId],
  });
  return { amount, initiatedAt };
}
async function receiverState() {
  const [totalClaimed, totalSettled] = await reader().readContract({
    ...escrow(),
    functionName: "receivers",
    args: [receiver.address, chain.usdc.address],
  });
  return { totalClaimed, totalSettled };
}
function refundNonce(channelId: Hex) {
  return reader().readContract({ ...escrow(), functionName: "refundNonce", args: [channelId] });
}

/** The escrow's events in a transaction as [name, args] pairs, in log order. */
async function eventsOf(hash: Hash) {
  return (await escrowEvents(chain, hash, contracts.escrow)).map(({ eventName, args }) => [eventName, args] as const);
}
async function eventNamesOf(hash: Hash) {
  return (await escrowEvents(chain, hash, contracts.escrow)).map(({ eventName }) => eventName);
}

function claimRow(config: ChannelConfig, maxClaimableAmount: bigint, signature: Hex, totalClaimed: bigint) {
  return { voucher: { channel: config, maxClaimableAmount }, signature, totalClaimed };
}
type ClaimRow = ReturnType<typeof claimRow>;

/** The receiverAuthorizer's ClaimBatch signature over rows, as the official facilitator signs it. */
function signClaimBatch(rows: ClaimRow[], signer: LocalAccount = receiverAuthorizer): Promise<Hex> {
  return signer.signTypedData({
    domain: domain(),
    types: claimBatchTypes,
    primaryType: "ClaimBatch",
    message: {
      claims: rows.map((row) => ({
        channelId: computeChannelId(row.voucher.channel, network),
        maxClaimableAmount: row.voucher.maxClaimableAmount,
        totalClaimed: row.totalClaimed,
      })),
    },
  });
}

function signRefund(channelId: Hex, nonce: bigint, amount: bigint, signer: LocalAccount = receiverAuthorizer) {
  return signer.signTypedData({
    domain: domain(),
    types: refundTypes,
    primaryType: "Refund",
    message: { channelId, nonce, amount },
  });
}

/** A voucher for `maxClaimableAmount`, signed by the official client code (`signVoucher`). */
async function voucher(payer: LocalAccount, channelId: Hex, maxClaimableAmount: bigint): Promise<Hex> {
  return (await signVoucher(x402Signer(payer), channelId, maxClaimableAmount.toString(), network)).signature;
}

/** What claimWithSignature reverts with for these rows (signed by the receiverAuthorizer unless given). */
async function claimRefusal(rows: ClaimRow[], signature?: Hex): Promise<string> {
  const args = [rows, signature ?? (await signClaimBatch(rows))] as const;
  return revertOf(reader().simulateContract({ ...escrow(), functionName: "claimWithSignature", args }));
}

function toFacilitatorClaims(rows: ClaimRow[]): BatchSettlementVoucherClaim[] {
  return rows.map((row) => ({
    voucher: { channel: row.voucher.channel, maxClaimableAmount: row.voucher.maxClaimableAmount.toString() },
    signature: row.signature,
    totalClaimed: row.totalClaimed.toString(),
  }));
}

function settleThroughFacilitator(
  payload: BatchSettlementClaimPayload | BatchSettlementSettlePayload | BatchSettlementEnrichedRefundPayload,
): Promise<SettleResponse> {
  const paymentPayload: PaymentPayload = { x402Version: 2, accepted: requirements, payload };
  return facilitator.settle(paymentPayload, requirements);
}
function claimThroughFacilitator(rows: ClaimRow[], claimAuthorizerSignature?: Hex): Promise<SettleResponse> {
  return settleThroughFacilitator({
    type: "claim",
    claims: toFacilitatorClaims(rows),
    ...(claimAuthorizerSignature === undefined ? {} : { claimAuthorizerSignature }),
  });
}
function settleReceiver(): Promise<SettleResponse> {
  return settleThroughFacilitator({ type: "settle", receiver: receiver.address, token: chain.usdc.address });
}

async function expectSettled(response: SettleResponse): Promise<Hash> {
  expect(response, response.errorMessage).toMatchObject({ success: true });
  return response.transaction as Hash;
}

interface OpenedChannel {
  payer: LocalAccount;
  config: ChannelConfig;
  channelId: Hex;
  deposited: bigint;
  paymentPayload: PaymentPayload;
  settled: SettleResponse;
}

/** The whole official deposit path: client payload → facilitator verify → facilitator settle. */
async function openChannel(payer: LocalAccount, channelSalt: Hex = ZERO_SALT): Promise<OpenedChannel> {
  const client = batchClient(chain, x402Signer(payer), { salt: channelSalt });
  const { payload } = await client.createPaymentPayload(2, requirements);
  if (!isBatchSettlementDepositPayload(payload)) throw new Error(`not a deposit payload: ${JSON.stringify(payload)}`);
  const paymentPayload: PaymentPayload = { x402Version: 2, accepted: requirements, payload };
  const verified = await facilitator.verify(paymentPayload, requirements);
  expect(verified, verified.invalidMessage).toMatchObject({ isValid: true, payer: payer.address });
  const settled = await facilitator.settle(paymentPayload, requirements);
  await expectSettled(settled);
  return {
    payer,
    config: payload.channelConfig,
    channelId: payload.voucher.channelId,
    deposited: BigInt(payload.deposit.amount),
    paymentPayload,
    settled,
  };
}

/** A deposit into an existing channel, signed by the official client's ERC-3009 payload builder. */
async function topUpPayload(opened: OpenedChannel, amount: bigint): Promise<PaymentPayload> {
  const { payload } = await createBatchSettlementEIP3009DepositPayload(
    x402Signer(opened.payer),
    2,
    requirements,
    opened.config,
    amount.toString(),
    AMOUNT.toString(),
  );
  return { x402Version: 2, accepted: requirements, payload };
}

/** The deposit call the facilitator sends, rebuilt from a client payload (for replays and refusals). */
function depositArgs(paymentPayload: PaymentPayload) {
  const { payload } = paymentPayload;
  if (!isBatchSettlementDepositPayload(payload)) throw new Error("not a deposit payload");
  const auth = payload.deposit.authorization.erc3009Authorization;
  if (auth === undefined) throw new Error("not an ERC-3009 deposit");
  const collectorData = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes" }],
    [BigInt(auth.validAfter), BigInt(auth.validBefore), BigInt(auth.salt), auth.signature],
  );
  return { config: payload.channelConfig, amount: BigInt(payload.deposit.amount), collectorData, authSalt: auth.salt };
}

// Channels shared by the tests below, in the order they run.
let first: OpenedChannel; // payers[0], salt 0: deposit, top-up, vouchers, the one-voucher claim, refunds
const batch: OpenedChannel[] = []; // ten channels claimed in one transaction
let firstClaimed = 0n;

// ---------------------------------------------------------------------------------------------------

describe("installation", () => {
  it("puts both contracts where @x402/evm looks for them", async () => {
    expect(contracts.escrow).toBe(getAddress(BATCH_SETTLEMENT_ADDRESS));
    expect(contracts.erc3009Collector).toBe(getAddress(ERC3009_DEPOSIT_COLLECTOR_ADDRESS));
    const served = await reader().readContract({
      address: contracts.erc3009Collector,
      abi: erc3009DepositCollectorAbi,
      functionName: "x402BatchSettlement",
    });
    expect(served).toBe(contracts.escrow);
  });

  it("computes channel ids and every digest exactly as the official code does", async () => {
    const config: ChannelConfig = {
      payer: accounts.payers[0].address,
      payerAuthorizer: accounts.payers[1].address,
      receiver: receiver.address,
      receiverAuthorizer: receiverAuthorizer.address,
      token: chain.usdc.address,
      withdrawDelay: 3_600,
      salt: salt(42),
    };
    const read = reader();
    const channelId = computeChannelId(config, network);
    expect(await read.readContract({ ...escrow(), functionName: "getChannelId", args: [config] })).toBe(channelId);
    // Any other field value (here the salt) is another channel.
    const other = { ...config, salt: salt(43) };
    expect(await read.readContract({ ...escrow(), functionName: "getChannelId", args: [other] })).not.toBe(channelId);

    const voucherDigest = hashTypedData({
      domain: domain(),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { channelId, maxClaimableAmount: 12_345n },
    });
    expect(await read.readContract({ ...escrow(), functionName: "getVoucherDigest", args: [channelId, 12_345n] })).toBe(
      voucherDigest,
    );
    const refundDigest = hashTypedData({
      domain: domain(),
      types: refundTypes,
      primaryType: "Refund",
      message: { channelId, nonce: 7n, amount: 500n },
    });
    expect(await read.readContract({ ...escrow(), functionName: "getRefundDigest", args: [channelId, 7n, 500n] })).toBe(
      refundDigest,
    );
    const rows = [claimRow(config, 9_000n, "0x", 8_000n), claimRow({ ...config, salt: salt(1) }, 5n, "0x", 5n)];
    const batchDigest = hashTypedData({
      domain: domain(),
      types: claimBatchTypes,
      primaryType: "ClaimBatch",
      message: {
        claims: rows.map((row) => ({
          channelId: computeChannelId(row.voucher.channel, network),
          maxClaimableAmount: row.voucher.maxClaimableAmount,
          totalClaimed: row.totalClaimed,
        })),
      },
    });
    expect(await read.readContract({ ...escrow(), functionName: "getClaimBatchDigest", args: [rows] })).toBe(batchDigest);

    const [fields, name, version, chainId, verifyingContract] = await read.readContract({
      ...escrow(),
      functionName: "eip712Domain",
    });
    expect({ fields, name, version, chainId, verifyingContract }).toEqual({
      fields: "0x0f",
      name: "x402 Batch Settlement",
      version: "1",
      chainId: 84532n,
      verifyingContract: contracts.escrow,
    });
    const configType =
      "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer," +
      "address token,uint40 withdrawDelay,bytes32 salt)";
    const configTypehash = await read.readContract({ ...escrow(), functionName: "CHANNEL_CONFIG_TYPEHASH" });
    expect(configTypehash).toBe(keccak256(toHex(configType)));
  });
});

describe("deposit", () => {
  it("lands a deposit the official client built and the official facilitator settled, to the base unit", async () => {
    const payer = accounts.payers[0];
    const before = { payer: await usdcOf(payer.address), escrow: await usdcOf(contracts.escrow) };

    first = await openChannel(payer);

    expect(first.deposited).toBe(MIN_DEPOSIT);
    expect(first.settled).toMatchObject({ amount: MIN_DEPOSIT.toString(), payer: payer.address });
    expect(first.settled.extra?.channelState).toMatchObject({
      balance: MIN_DEPOSIT.toString(),
      totalClaimed: "0",
      refundNonce: "0",
    });
    expect(await usdcOf(payer.address)).toBe(before.payer - MIN_DEPOSIT);
    expect(await usdcOf(contracts.escrow)).toBe(before.escrow + MIN_DEPOSIT);
    expect(await usdcOf(contracts.erc3009Collector)).toBe(0n);
    expect(await channelState(first.channelId)).toEqual({ balance: MIN_DEPOSIT, totalClaimed: 0n });

    const hash = first.settled.transaction as Hash;
    // The token moved payer → collector (receiveWithAuthorization) → escrow, nothing else.
    expect(await usdcTransfers(chain, hash)).toEqual([
      { from: payer.address, to: contracts.erc3009Collector, value: MIN_DEPOSIT },
      { from: contracts.erc3009Collector, to: contracts.escrow, value: MIN_DEPOSIT },
    ]);
    expect(await eventsOf(hash)).toEqual([
      ["ChannelCreated", { channelId: first.channelId, config: first.config }],
      [
        "Deposited",
        { channelId: first.channelId, sender: accounts.relayer.address, amount: MIN_DEPOSIT, newBalance: MIN_DEPOSIT },
      ],
    ]);
    // The authorization's nonce is keccak256(abi.encode(channelId, salt)), now spent.
    const { authSalt } = depositArgs(first.paymentPayload);
    const nonce = keccak256(
      encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [first.channelId, BigInt(authSalt)]),
    );
    expect(await authorizationState(chain.rpcUrl, chain.usdc.address, payer.address, nonce)).toBe(true);
    await recordGas("deposit (new channel)", hash);
  });

  it("tops a channel up without announcing it again", async () => {
    const topUp = 50_000n;
    const paymentPayload = await topUpPayload(first, topUp);
    expect(await facilitator.verify(paymentPayload, requirements)).toMatchObject({ isValid: true });
    const hash = await expectSettled(await facilitator.settle(paymentPayload, requirements));

    const newBalance = MIN_DEPOSIT + topUp;
    expect(await eventsOf(hash)).toEqual([
      ["Deposited", { channelId: first.channelId, sender: accounts.relayer.address, amount: topUp, newBalance }],
    ]);
    expect(await channelState(first.channelId)).toEqual({ balance: newBalance, totalClaimed: 0n });
    first.deposited += topUp;
    await recordGas("deposit (top-up)", hash);
  });

  it("refuses a replayed deposit authorization, through the facilitator and on chain", async () => {
    const escrowBefore = await usdcOf(contracts.escrow);
    const replay = await facilitator.settle(first.paymentPayload, requirements);
    expect(replay).toMatchObject({ success: false, errorReason: "invalid_batch_settlement_evm_deposit_simulation_failed" });
    expect(replay.errorMessage).toContain("FiatTokenV2: authorization is used or canceled");

    // Sent on chain anyway (fixed gas, so no estimate stops it): the token refuses the spent nonce.
    const { config, amount, collectorData } = depositArgs(first.paymentPayload);
    const args = [config, amount, contracts.erc3009Collector, collectorData] as const;
    const account = accounts.relayer.address;
    const simulated = reader().simulateContract({ ...escrow(), functionName: "deposit", args, account });
    expect(await revertOf(simulated)).toBe("FiatTokenV2: authorization is used or canceled");
    const hash = await as(accounts.relayer).writeContract({ ...escrow(), functionName: "deposit", args, gas: 300_000n });
    expect((await reader().waitForTransactionReceipt({ hash })).status).toBe("reverted");

    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: 0n });
    expect(await usdcOf(contracts.escrow)).toBe(escrowBefore);
  });

  it("binds an authorization to its channel and amount, and refuses configs the escrow must not open", async () => {
    // A fresh authorization, never used: every refusal below is the escrow's or the token's, not a replay.
    const { config, collectorData } = depositArgs(await topUpPayload(first, 5_000n));
    const collector = contracts.erc3009Collector;
    const deposit = (channel: ChannelConfig, amount: bigint, via: Address = collector) =>
      reader().simulateContract({
        ...escrow(),
        functionName: "deposit",
        args: [channel, amount, via, collectorData],
        account: accounts.relayer.address,
      });

    // The nonce names the channel: the same signature cannot fund another channel of the same payer.
    expect(await revertOf(deposit({ ...config, salt: salt(99) }, 5_000n))).toBe("FiatTokenV2: invalid signature");
    // The amount is signed too.
    expect(await revertOf(deposit(config, 5_001n))).toBe("FiatTokenV2: invalid signature");
    // As signed it goes through (simulated only, so it stays unused).
    await deposit(config, 5_000n);

    expect(await revertOf(deposit({ ...config, withdrawDelay: 899 }, 5_000n))).toBe("WithdrawDelayOutOfRange");
    expect(await revertOf(deposit({ ...config, withdrawDelay: 30 * 86_400 + 1 }, 5_000n))).toBe("WithdrawDelayOutOfRange");
    expect(await revertOf(deposit({ ...config, receiverAuthorizer: zeroAddress }, 5_000n))).toBe("InvalidChannel");
    expect(await revertOf(deposit(config, 0n))).toBe("ZeroDeposit");
    expect(await revertOf(deposit(config, 5_000n, zeroAddress))).toBe("InvalidCollector");
    // Only the escrow may make the collector pull: otherwise a relayed authorization could strand funds.
    const direct = reader().simulateContract({
      address: collector,
      abi: erc3009DepositCollectorAbi,
      functionName: "collect",
      args: [config.payer, config.token, 5_000n, first.channelId, collectorData],
      account: stranger.address,
    });
    expect(await revertOf(direct)).toBe("OnlyX402BatchSettlement");
  });
});

describe("vouchers", () => {
  it("verifies the vouchers the official client signs, with state read from the escrow's views", async () => {
    // A client with no local record recovers the channel from channels(id) and signs a plain voucher.
    const client = batchClient(chain, x402Signer(first.payer));
    const { payload } = await client.createPaymentPayload(2, requirements);
    if (!isBatchSettlementVoucherPayload(payload)) throw new Error(`not a voucher payload: ${JSON.stringify(payload)}`);
    expect(payload.voucher).toMatchObject({ channelId: first.channelId, maxClaimableAmount: AMOUNT.toString() });
    const verified = await facilitator.verify({ x402Version: 2, accepted: requirements, payload }, requirements);
    expect(verified).toMatchObject({
      isValid: true,
      extra: {
        channelId: first.channelId,
        balance: first.deposited.toString(),
        totalClaimed: "0",
        withdrawRequestedAt: 0,
        refundNonce: "0",
      },
    });
  });

  it("refuses a voucher another key signed, off chain and on chain", async () => {
    const forged = await voucher(accounts.payers[1], first.channelId, 2_000n);
    const payload = {
      type: "voucher" as const,
      channelConfig: first.config,
      voucher: { channelId: first.channelId, maxClaimableAmount: "2000", signature: forged },
    };
    expect(await facilitator.verify({ x402Version: 2, accepted: requirements, payload }, requirements)).toMatchObject({
      isValid: false,
      invalidReason: "invalid_batch_settlement_evm_voucher_signature",
    });
    expect(await claimRefusal([claimRow(first.config, 2_000n, forged, 2_000n)])).toBe("InvalidSignature");
    // A malformed signature is refused with ECDSA's own error.
    const truncated = forged.slice(0, 130) as Hex;
    expect(await claimRefusal([claimRow(first.config, 2_000n, truncated, 2_000n)])).toBe("ECDSAInvalidSignatureLength");
  });
});

describe("claims", () => {
  it("claims one voucher through the official facilitator, which signs the batch as receiverAuthorizer", async () => {
    const ceiling = 3_000n;
    firstClaimed = 2_500n; // the server charged less than the voucher allowed
    const signature = await voucher(first.payer, first.channelId, ceiling);
    const rows = [claimRow(first.config, ceiling, signature, firstClaimed)];
    const hash = await expectSettled(await claimThroughFacilitator(rows));

    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: firstClaimed });
    expect(await receiverState()).toEqual({ totalClaimed: firstClaimed, totalSettled: 0n });
    const sender = accounts.relayer.address;
    expect(await eventsOf(hash)).toEqual([
      ["Claimed", { channelId: first.channelId, sender, claimAmount: firstClaimed, newTotalClaimed: firstClaimed }],
    ]);
    expect(await usdcTransfers(chain, hash)).toEqual([]); // a claim is accounting only
    await recordGas("claim, 1 voucher", hash);
  });

  it("claims ten channels in one transaction", async () => {
    for (const channelSalt of [salt(1), salt(2)]) {
      for (const payer of accounts.payers) batch.push(await openChannel(payer, channelSalt));
    }
    const rows = await Promise.all(
      batch.map(async (opened, index) => {
        const total = 1_000n * BigInt(index + 1);
        const ceiling = total + 500n;
        return claimRow(opened.config, ceiling, await voucher(opened.payer, opened.channelId, ceiling), total);
      }),
    );
    const before = await receiverState();
    const hash = await expectSettled(await claimThroughFacilitator(rows));

    const sum = rows.reduce((total, row) => total + row.totalClaimed, 0n);
    expect(await receiverState()).toEqual({ totalClaimed: before.totalClaimed + sum, totalSettled: 0n });
    for (const [index, opened] of batch.entries()) {
      const { totalClaimed } = rows[index]!;
      expect(await channelState(opened.channelId)).toEqual({ balance: MIN_DEPOSIT, totalClaimed });
    }
    expect(await eventsOf(hash)).toEqual(
      batch.map((opened, index) => {
        const total = rows[index]!.totalClaimed;
        const sender = accounts.relayer.address;
        return ["Claimed", { channelId: opened.channelId, sender, claimAmount: total, newTotalClaimed: total }];
      }),
    );
    await recordGas("claim, 10 channels", hash);
  });

  it("treats a row at or below the claimed total as a no-op, without even checking its signature", async () => {
    const stale = [claimRow(first.config, 3_000n, "0xdeadbeef", firstClaimed), claimRow(first.config, 3_000n, "0x", 1_000n)];
    const hash = await expectSettled(await claimThroughFacilitator(stale));
    expect(await eventsOf(hash)).toEqual([]);
    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: firstClaimed });
  });

  it("refuses to claim beyond the voucher's ceiling or the channel's balance", async () => {
    const signed3000 = await voucher(first.payer, first.channelId, 3_000n);
    expect(await claimRefusal([claimRow(first.config, 3_000n, signed3000, 3_001n)])).toBe("ClaimExceedsCeiling");

    const huge = first.deposited + 1_000n;
    const signedHuge = await voucher(first.payer, first.channelId, huge);
    const overBalance = [claimRow(first.config, huge, signedHuge, first.deposited + 1n)];
    expect(await claimRefusal(overBalance)).toBe("ClaimExceedsBalance");
    // Exactly the balance is fine.
    const wholeBalance = [claimRow(first.config, huge, signedHuge, first.deposited)];
    await reader().simulateContract({
      ...escrow(),
      functionName: "claimWithSignature",
      args: [wholeBalance, await signClaimBatch(wholeBalance)],
    });

    // The official facilitator simulates first and reports the refusal without sending anything.
    const refused = await claimThroughFacilitator(overBalance);
    expect(refused).toMatchObject({ success: false, errorReason: "invalid_batch_settlement_evm_claim_simulation_failed" });
    // Its ABI names no errors, so the reason arrives as the bare selector (decode it with ours).
    expect(refused.errorMessage).toContain(toFunctionSelector("ClaimExceedsBalance()"));
    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: firstClaimed });
  });

  it("refuses claim batches the receiverAuthorizer did not sign, and claims from outside the receiver side", async () => {
    const signed = await voucher(first.payer, first.channelId, 3_000n);
    const rows = [claimRow(first.config, 3_000n, signed, 2_800n)];
    const bySomeoneElse = await signClaimBatch(rows, accounts.payers[3]);
    expect(await claimRefusal(rows, bySomeoneElse)).toBe("InvalidSignature");
    // A signature over other rows does not cover these.
    expect(await claimRefusal(rows, await signClaimBatch([claimRow(first.config, 3_000n, signed, 2_900n)]))).toBe(
      "InvalidSignature",
    );
    expect(await claimThroughFacilitator(rows, bySomeoneElse)).toMatchObject({
      success: false,
      errorReason: "invalid_batch_settlement_evm_claim_simulation_failed",
    });

    // Every row must share the first row's receiverAuthorizer.
    const elsewhere = { ...first.config, receiverAuthorizer: accounts.payers[3].address };
    expect(await claimRefusal([...rows, claimRow(elsewhere, 1n, "0x", 1n)])).toBe("NotReceiverAuthorizer");
    expect(await claimRefusal([])).toBe("EmptyBatch");

    // claim() without a batch signature: only the receiver or receiverAuthorizer may send it.
    const account = stranger.address;
    const byStranger = reader().simulateContract({ ...escrow(), functionName: "claim", args: [rows], account });
    expect(await revertOf(byStranger)).toBe("NotAuthorizedToClaim");
    const hash = await mined(as(receiver).writeContract({ ...escrow(), functionName: "claim", args: [rows] }));
    const claimAmount = 2_800n - firstClaimed;
    expect(await eventsOf(hash)).toEqual([
      ["Claimed", { channelId: first.channelId, sender: receiver.address, claimAmount, newTotalClaimed: 2_800n }],
    ]);
    firstClaimed = 2_800n;
    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: firstClaimed });
  });

  it("checks a contract wallet payer's vouchers with ERC-1271 when there is no payerAuthorizer", async () => {
    // A payer with code, driven by the official client (its signer returns whatever the wallet takes).
    const wallet = privateKeyToAccount(generatePrivateKey()).address;
    await setCode(chain, wallet, ERC1271_ACCEPTS_ALL);
    await mintUsdc(chain.rpcUrl, chain.usdc.address, wallet, 1_000_000n);
    const walletSigner = { address: wallet, signTypedData: async () => `0x${"ab".repeat(65)}` as Hex };
    const client = batchClient(chain, walletSigner, { payerAuthorizer: zeroAddress, salt: salt(1_271) });
    const { payload } = await client.createPaymentPayload(2, requirements);
    if (!isBatchSettlementDepositPayload(payload)) throw new Error("not a deposit payload");
    expect(payload.channelConfig.payerAuthorizer).toBe(zeroAddress);
    const paymentPayload: PaymentPayload = { x402Version: 2, accepted: requirements, payload };
    expect(await facilitator.verify(paymentPayload, requirements)).toMatchObject({ isValid: true });
    await expectSettled(await facilitator.settle(paymentPayload, requirements));
    const { channelId } = payload.voucher;
    expect(await channelState(channelId)).toEqual({ balance: MIN_DEPOSIT, totalClaimed: 0n });

    const rows = [claimRow(payload.channelConfig, 2_000n, "0x01", 2_000n)];
    const batchSignature = await signClaimBatch(rows);
    await reader().simulateContract({ ...escrow(), functionName: "claimWithSignature", args: [rows, batchSignature] });
    // The same claim once the wallet refuses the signature: the escrow did ask the wallet.
    await setCode(chain, wallet, ERC1271_REJECTS_ALL);
    expect(await claimRefusal(rows, batchSignature)).toBe("InvalidSignature");
    const voucherPayload = {
      type: "voucher" as const,
      channelConfig: payload.channelConfig,
      voucher: { channelId, maxClaimableAmount: "2000", signature: "0x01" as Hex },
    };
    const voucherPayment: PaymentPayload = { x402Version: 2, accepted: requirements, payload: voucherPayload };
    const verified = await facilitator.verify(voucherPayment, requirements);
    expect(verified).toMatchObject({ isValid: false, invalidReason: "invalid_batch_settlement_evm_voucher_signature" });
  });
});

describe("settle", () => {
  it("moves every claimed unit to the receiver in one transfer, once", async () => {
    const state = await receiverState();
    const owed = state.totalClaimed - state.totalSettled;
    expect(owed).toBeGreaterThan(0n);
    const before = { receiver: await usdcOf(receiver.address), escrow: await usdcOf(contracts.escrow) };

    const response = await settleReceiver();
    const hash = await expectSettled(response);
    expect(response.amount).toBe(owed.toString());
    expect(await usdcOf(receiver.address)).toBe(before.receiver + owed);
    expect(await usdcOf(contracts.escrow)).toBe(before.escrow - owed);
    expect(await receiverState()).toEqual({ totalClaimed: state.totalClaimed, totalSettled: state.totalClaimed });
    expect(await usdcTransfers(chain, hash)).toEqual([{ from: contracts.escrow, to: receiver.address, value: owed }]);
    const token = chain.usdc.address;
    expect(await eventsOf(hash)).toEqual([
      ["Settled", { receiver: receiver.address, token, sender: accounts.relayer.address, amount: owed }],
    ]);
    // Settling pays out the receiver's total, not the channels': their balances still include what was claimed.
    expect(await channelState(first.channelId)).toEqual({ balance: first.deposited, totalClaimed: firstClaimed });
    await recordGas("settle", hash);

    expect(await settleReceiver()).toMatchObject({
      success: false,
      errorReason: "invalid_batch_settlement_evm_nothing_to_settle",
    });
    // Permissionless, and a no-op with nothing owed.
    const args = [receiver.address, token] as const;
    const noop = await mined(as(stranger).writeContract({ ...escrow(), functionName: "settle", args }));
    expect(await eventsOf(noop)).toEqual([]);
    expect(await usdcTransfers(chain, noop)).toEqual([]);
  });
});

describe("cooperative refund", () => {
  it("claims the last voucher and refunds part of the rest in one multicall, through the official facilitator", async () => {
    const opened = batch[1]!; // payers[1], salt 1: claimed 2,000 of 100,000
    const charged = 2_700n; // charged since the claim, not yet claimed
    const signature = await voucher(opened.payer, opened.channelId, charged);
    const refund = 10_000n;
    const payerBefore = await usdcOf(opened.payer.address);

    const response = await settleThroughFacilitator({
      type: "refund",
      channelConfig: opened.config,
      voucher: { channelId: opened.channelId, maxClaimableAmount: charged.toString(), signature },
      amount: refund.toString(),
      refundNonce: "0",
      claims: toFacilitatorClaims([claimRow(opened.config, charged, signature, charged)]),
    });
    const hash = await expectSettled(response);
    expect(response).toMatchObject({ amount: refund.toString(), payer: opened.payer.address });
    expect(await channelState(opened.channelId)).toEqual({ balance: MIN_DEPOSIT - refund, totalClaimed: charged });
    expect(await refundNonce(opened.channelId)).toBe(1n);
    expect(await usdcOf(opened.payer.address)).toBe(payerBefore + refund);
    const events = await eventsOf(hash);
    expect(events.map(([name]) => name)).toEqual(["Claimed", "Refunded"]);
    expect(events[1]).toEqual([
      "Refunded",
      { channelId: opened.channelId, sender: accounts.relayer.address, amount: refund },
    ]);
    await recordGas("refund (claim + refundWithSignature, multicall)", hash);
  });

  it("takes a signed refund only at the current nonce, for the signed amount, from the receiverAuthorizer", async () => {
    const opened = batch[1]!;
    const signedRefund = (amount: bigint, nonce: bigint, signature: Hex) =>
      reader().simulateContract({
        ...escrow(),
        functionName: "refundWithSignature",
        args: [opened.config, amount, nonce, signature],
        account: stranger.address,
      });
    const directRefund = (amount: bigint, account: Address) =>
      reader().simulateContract({ ...escrow(), functionName: "refund", args: [opened.config, amount], account });

    // Nonce 0 was used by the refund above.
    expect(await revertOf(signedRefund(1_000n, 0n, await signRefund(opened.channelId, 0n, 1_000n)))).toBe(
      "InvalidRefundNonce",
    );
    const atOne = await signRefund(opened.channelId, 1n, 1_000n);
    expect(await revertOf(signedRefund(1_001n, 1n, atOne))).toBe("InvalidSignature");
    const notTheAuthorizer = await signRefund(opened.channelId, 1n, 1_000n, accounts.payers[3]);
    expect(await revertOf(signedRefund(1_000n, 1n, notTheAuthorizer))).toBe("InvalidSignature");
    await signedRefund(1_000n, 1n, atOne); // valid as signed

    expect(await revertOf(directRefund(1_000n, stranger.address))).toBe("NotAuthorizedToRefund");
    expect(await revertOf(directRefund(0n, receiver.address))).toBe("ZeroRefund");
    // A direct refund by the receiver side takes nonce 1 first: the signature for it is now dead.
    await mined(as(receiver).writeContract({ ...escrow(), functionName: "refund", args: [opened.config, 1_000n] }));
    expect(await refundNonce(opened.channelId)).toBe(2n);
    expect(await revertOf(signedRefund(1_000n, 1n, atOne))).toBe("InvalidRefundNonce");
    expect(await channelState(opened.channelId)).toEqual({ balance: MIN_DEPOSIT - 11_000n, totalClaimed: 2_700n });
  });

  it("advances the nonce even when there is nothing left to refund", async () => {
    const opened = batch[2]!; // payers[2], salt 1: claimed 3,000
    const available = MIN_DEPOSIT - 3_000n;
    const full = await mined(as(receiver).writeContract({
      ...escrow(),
      functionName: "refund",
      args: [opened.config, available + 1_000_000n],
    }));
    // Capped at the unclaimed rest; claims remain, so the channel is not closed.
    expect(await eventsOf(full)).toEqual([
      ["Refunded", { channelId: opened.channelId, sender: receiver.address, amount: available }],
    ]);
    expect(await channelState(opened.channelId)).toEqual({ balance: 3_000n, totalClaimed: 3_000n });

    const nonceBefore = await refundNonce(opened.channelId);
    const signature = await signRefund(opened.channelId, nonceBefore, 1n);
    const empty = await mined(as(stranger).writeContract({
      ...escrow(),
      functionName: "refundWithSignature",
      args: [opened.config, 1n, nonceBefore, signature],
    }));
    expect(await eventsOf(empty)).toEqual([]);
    expect(await usdcTransfers(chain, empty)).toEqual([]);
    expect(await refundNonce(opened.channelId)).toBe(nonceBefore + 1n);
  });

  it("closes a never-claimed channel that a refund empties, and opens it again on the next deposit", async () => {
    const opened = await openChannel(accounts.payers[3], salt(77));
    const payerBefore = await usdcOf(opened.payer.address);
    // The zero-charge voucher a client signs for a refund: nothing was charged on this channel.
    const signature = await voucher(opened.payer, opened.channelId, 0n);
    const response = await settleThroughFacilitator({
      type: "refund",
      channelConfig: opened.config,
      voucher: { channelId: opened.channelId, maxClaimableAmount: "0", signature },
      amount: MIN_DEPOSIT.toString(),
      refundNonce: "0",
      claims: [],
    });
    const hash = await expectSettled(response);
    expect(await eventsOf(hash)).toEqual([
      ["Refunded", { channelId: opened.channelId, sender: accounts.relayer.address, amount: MIN_DEPOSIT }],
      ["ChannelClosed", { channelId: opened.channelId, config: opened.config }],
    ]);
    expect(await channelState(opened.channelId)).toEqual({ balance: 0n, totalClaimed: 0n });
    expect(await usdcOf(opened.payer.address)).toBe(payerBefore + MIN_DEPOSIT);
    await recordGas("refundWithSignature (closes the channel)", hash);

    const again = await expectSettled(await facilitator.settle(await topUpPayload(opened, 7_000n), requirements));
    expect(await eventNamesOf(again)).toEqual(["ChannelCreated", "Deposited"]);
    expect(await channelState(opened.channelId)).toEqual({ balance: 7_000n, totalClaimed: 0n });
  });

  it("shrinks a pending withdrawal by a partial refund and cancels it when a refund covers it", async () => {
    const opened = batch[4]!; // payers[4], salt 1: claimed 5,000
    const args = [opened.config, 20_000n] as const;
    await mined(as(opened.payer).writeContract({ ...escrow(), functionName: "initiateWithdraw", args }));
    const { initiatedAt } = await pendingWithdrawal(opened.channelId);
    expect(initiatedAt).toBeGreaterThan(0);

    await mined(as(receiver).writeContract({ ...escrow(), functionName: "refund", args: [opened.config, 5_000n] }));
    expect(await pendingWithdrawal(opened.channelId)).toEqual({ amount: 15_000n, initiatedAt });
    await mined(as(receiver).writeContract({ ...escrow(), functionName: "refund", args: [opened.config, 15_000n] }));
    expect(await pendingWithdrawal(opened.channelId)).toEqual({ amount: 0n, initiatedAt: 0 });
    expect(await channelState(opened.channelId)).toEqual({ balance: MIN_DEPOSIT - 20_000n, totalClaimed: 5_000n });
  });
});

// Last: anvil's clock moves forward here, after which the client's wall-clock deposit
// authorizations (validBefore = now + maxTimeoutSeconds) would look expired to the token.
describe("timed withdrawal", () => {
  const initiate = (config: ChannelConfig, amount: bigint, account: Address) =>
    reader().simulateContract({ ...escrow(), functionName: "initiateWithdraw", args: [config, amount], account });
  const finalize = (config: ChannelConfig, account: Address) =>
    reader().simulateContract({ ...escrow(), functionName: "finalizeWithdraw", args: [config], account });

  it("refuses withdrawals nobody may start or that exceed the unclaimed balance", async () => {
    const opened = batch[5]!; // payers[0], salt 2: claimed 6,000
    const available = MIN_DEPOSIT - 6_000n;
    const payer = opened.payer.address;
    expect(await revertOf(initiate(opened.config, 1_000n, stranger.address))).toBe("InvalidChannel");
    expect(await revertOf(initiate(opened.config, 0n, payer))).toBe("NothingToWithdraw");
    expect(await revertOf(initiate(opened.config, available + 1n, payer))).toBe("WithdrawAmountExceedsAvailable");
    await initiate(opened.config, available, payer);
    expect(await revertOf(finalize(opened.config, payer))).toBe("WithdrawalNotPending");
  });

  it("lets claims made during the delay win, then pays the payer exactly the unclaimed rest", async () => {
    const opened = batch[5]!; // payers[0], salt 2: claimed 6,000
    const payer = opened.payer.address;
    const untouched = await openChannel(accounts.payers[3], salt(88)); // never claimed: a withdrawal closes it
    const owedBefore = (await receiverState()).totalClaimed - (await receiverState()).totalSettled;

    const requested = MIN_DEPOSIT - 6_000n;
    const started = await mined(as(opened.payer).writeContract({
      ...escrow(),
      functionName: "initiateWithdraw",
      args: [opened.config, requested],
    }));
    const { blockNumber } = await receiptOf(chain, started);
    const initiatedAt = Number((await reader().getBlock({ blockNumber })).timestamp);
    expect(await eventsOf(started)).toEqual([
      ["WithdrawInitiated", { channelId: opened.channelId, amount: requested, finalizeAfter: initiatedAt + WITHDRAW_DELAY }],
    ]);
    expect(await pendingWithdrawal(opened.channelId)).toEqual({ amount: requested, initiatedAt });
    await recordGas("initiateWithdraw", started);
    await mined(as(untouched.payer).writeContract({
      ...escrow(),
      functionName: "initiateWithdraw",
      args: [untouched.config, MIN_DEPOSIT],
    }));

    expect(await revertOf(finalize(opened.config, payer))).toBe("WithdrawDelayNotElapsed");
    expect(await revertOf(finalize(opened.config, stranger.address))).toBe("NotAuthorizedToFinalizeWithdraw");
    expect(await revertOf(initiate(opened.config, 1n, payer))).toBe("WithdrawalAlreadyPending");

    // The server sees withdrawRequestedAt and claims its latest voucher before the delay runs out.
    const charged = 13_000n;
    const signature = await voucher(opened.payer, opened.channelId, charged);
    await expectSettled(await claimThroughFacilitator([claimRow(opened.config, charged, signature, charged)]));

    await advanceTime(chain, WITHDRAW_DELAY);
    const payerBefore = await usdcOf(payer);
    const hash = await mined(as(opened.payer).writeContract({
      ...escrow(),
      functionName: "finalizeWithdraw",
      args: [opened.config],
    }));
    const paid = MIN_DEPOSIT - charged;
    expect(await usdcOf(payer)).toBe(payerBefore + paid);
    expect(await usdcTransfers(chain, hash)).toEqual([{ from: contracts.escrow, to: payer, value: paid }]);
    expect(await eventsOf(hash)).toEqual([
      ["WithdrawFinalized", { channelId: opened.channelId, sender: payer, amount: paid }],
    ]);
    expect(await channelState(opened.channelId)).toEqual({ balance: charged, totalClaimed: charged });
    expect(await pendingWithdrawal(opened.channelId)).toEqual({ amount: 0n, initiatedAt: 0 });
    await recordGas("finalizeWithdraw", hash);

    // A voucher claimed too late finds everything unclaimed gone.
    const late = 20_000n;
    const lateSignature = await voucher(opened.payer, opened.channelId, late);
    expect(await claimRefusal([claimRow(opened.config, late, lateSignature, late)])).toBe("ClaimExceedsBalance");

    // The never-claimed channel empties completely and closes.
    const closed = await mined(as(untouched.payer).writeContract({
      ...escrow(),
      functionName: "finalizeWithdraw",
      args: [untouched.config],
    }));
    expect(await eventNamesOf(closed)).toEqual(["WithdrawFinalized", "ChannelClosed"]);
    expect(await channelState(untouched.channelId)).toEqual({ balance: 0n, totalClaimed: 0n });

    // What was claimed is still the receiver's to settle.
    const { totalClaimed, totalSettled } = await receiverState();
    const owed = owedBefore + (charged - 6_000n);
    expect(totalClaimed - totalSettled).toBe(owed);
    expect(await settleReceiver()).toMatchObject({ success: true, amount: owed.toString() });
  });
});
