// The settlement path x402's `exact` scheme relies on: a payer signs an EIP-3009 authorization
// offline, the relayer submits it and pays the gas. Circle's real FiatTokenV2_2 decides the outcome.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, http, type Hash, type LocalAccount, type WalletClient, type Account } from "viem";
import { accounts } from "../../../dev/chain/accounts.ts";
import { fiatTokenAbi } from "../../../dev/chain/fiat-token-abi.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";
import { startLocalChain, type LocalChain } from "../../../dev/chain/local-chain.ts";
import { revertReason } from "../../support/chain/revert-reason.ts";
import {
  randomAuthorizationNonce,
  signTransferAuthorization,
  type Eip712TokenDomain,
  type SignedTransferAuthorization,
  type TransferAuthorization,
} from "../../support/chain/transfer-authorization.ts";
import { authorizationState, transferEvents, usdcBalanceOf } from "../../../dev/chain/usdc.ts";

let chain: LocalChain;
let relayer: WalletClient<ReturnType<typeof http>, LocalChain["chain"], Account>;
let domain: Eip712TokenDomain;

beforeAll(async () => {
  chain = await startLocalChain();
  relayer = createWalletClient({ account: accounts.relayer, chain: chain.chain, transport: http(chain.rpcUrl) });
  domain = {
    name: chain.usdc.name,
    version: chain.usdc.version,
    chainId: chain.chainId,
    verifyingContract: chain.usdc.address,
  };
});
afterAll(() => chain?.stop());

const client = () => localPublicClient(chain.rpcUrl);
const balance = (who: LocalAccount) => usdcBalanceOf(chain.rpcUrl, chain.usdc.address, who.address);
const used = (signed: SignedTransferAuthorization) =>
  authorizationState(chain.rpcUrl, chain.usdc.address, signed.authorization.from, signed.authorization.nonce);

async function chainTime(): Promise<bigint> {
  return (await client().getBlock()).timestamp;
}

async function authorization(
  payer: LocalAccount,
  overrides: Partial<TransferAuthorization> = {},
): Promise<TransferAuthorization> {
  const now = await chainTime();
  return {
    from: payer.address,
    to: accounts.payTo.address,
    value: 10_000n,
    validAfter: 0n,
    validBefore: now + 600n,
    nonce: randomAuthorizationNonce(),
    ...overrides,
  };
}

type Overload = "v, r, s" | "bytes signature";

/** The relayer's submission; without `gas` viem estimates first, which surfaces the revert reason. */
function submit(
  signed: SignedTransferAuthorization,
  options: { overload?: Overload; gas?: bigint } = {},
): Promise<Hash> {
  const { from, to, value, validAfter, validBefore, nonce } = signed.authorization;
  const { v, r, s, signature } = signed;
  const common = {
    address: chain.usdc.address,
    abi: fiatTokenAbi,
    functionName: "transferWithAuthorization",
    gas: options.gas,
  } as const;
  return options.overload === "bytes signature"
    ? relayer.writeContract({ ...common, args: [from, to, value, validAfter, validBefore, nonce, signature] })
    : relayer.writeContract({ ...common, args: [from, to, value, validAfter, validBefore, nonce, v, r, s] });
}

async function rejection(signed: SignedTransferAuthorization): Promise<string | undefined> {
  const outcome: unknown = await submit(signed).then(
    (hash) => `unexpectedly accepted in ${hash}`,
    (error: unknown) => error,
  );
  return typeof outcome === "string" ? outcome : revertReason(outcome);
}

describe("transferWithAuthorization on Circle's FiatTokenV2_2", () => {
  it.each<Overload>(["v, r, s", "bytes signature"])(
    "moves exactly value from payer to payTo, relayer pays gas (%s)",
    async (overload) => {
      const payer = accounts.payers[0];
      const payerEth = await client().getBalance({ address: payer.address });
      const [payerBefore, payToBefore] = [await balance(payer), await balance(accounts.payTo)];
      const signed = await signTransferAuthorization(payer, domain, await authorization(payer, { value: 12_345n }));
      expect(await used(signed)).toBe(false);

      const hash = await submit(signed, { overload });
      const receipt = await client().waitForTransactionReceipt({ hash });

      expect(receipt.status).toBe("success");
      expect(await balance(payer)).toBe(payerBefore - 12_345n);
      expect(await balance(accounts.payTo)).toBe(payToBefore + 12_345n);
      expect(await used(signed)).toBe(true);
      expect(await client().getBalance({ address: payer.address })).toBe(payerEth);
      expect(receipt.from.toLowerCase()).toBe(accounts.relayer.address.toLowerCase());
      const events = await transferEvents(chain.rpcUrl, chain.usdc.address, {
        fromBlock: receipt.blockNumber,
        from: payer.address,
      });
      expect(events).toEqual([
        {
          from: payer.address,
          to: accounts.payTo.address,
          value: 12_345n,
          txHash: hash,
          blockNumber: receipt.blockNumber,
          logIndex: expect.any(Number),
        },
      ]);
    },
  );

  it("rejects a replay, whether estimated or mined", async () => {
    const payer = accounts.payers[0];
    const signed = await signTransferAuthorization(payer, domain, await authorization(payer));
    await client().waitForTransactionReceipt({ hash: await submit(signed) });
    const payerAfterFirst = await balance(payer);

    expect(await rejection(signed)).toBe("FiatTokenV2: authorization is used or canceled");
    // With gas fixed there is no estimate to fail: the chain itself must refuse.
    const replay = await client().waitForTransactionReceipt({ hash: await submit(signed, { gas: 200_000n }) });
    expect(replay.status).toBe("reverted");
    expect(await balance(payer)).toBe(payerAfterFirst);
  });

  it("rejects an expired authorization", async () => {
    const payer = accounts.payers[1];
    const now = await chainTime();
    const signed = await signTransferAuthorization(
      payer,
      domain,
      await authorization(payer, { validAfter: now - 3_600n, validBefore: now - 60n }),
    );
    expect(await rejection(signed)).toBe("FiatTokenV2: authorization is expired");
    expect(await used(signed)).toBe(false);
  });

  it("rejects an authorization that is not yet valid", async () => {
    const payer = accounts.payers[1];
    const now = await chainTime();
    const signed = await signTransferAuthorization(
      payer,
      domain,
      await authorization(payer, { validAfter: now + 3_600n, validBefore: now + 7_200n }),
    );
    expect(await rejection(signed)).toBe("FiatTokenV2: authorization is not yet valid");
    expect(await used(signed)).toBe(false);
  });

  it("rejects a payer without enough USDC, leaving the nonce unused", async () => {
    const payer = accounts.payers[2];
    const held = await balance(payer);
    const signed = await signTransferAuthorization(payer, domain, await authorization(payer, { value: held + 1n }));
    expect(await rejection(signed)).toBe("ERC20: transfer amount exceeds balance");
    expect(await used(signed)).toBe(false);
    expect(await balance(payer)).toBe(held);
  });

  type Forge = (payer: LocalAccount, honest: TransferAuthorization) => Promise<SignedTransferAuthorization>;
  /** Signs `honest`, then submits it with `change` applied: what a tampering relayer would try. */
  async function altered(payer: LocalAccount, honest: TransferAuthorization, change: Partial<TransferAuthorization>) {
    const signed = await signTransferAuthorization(payer, domain, honest);
    return { ...signed, authorization: { ...honest, ...change } };
  }
  const forgeries: Array<[string, Forge]> = [
    ["signed by another key", (_, honest) => signTransferAuthorization(accounts.payers[3], domain, honest)],
    ["value raised after signing", (payer, honest) => altered(payer, honest, { value: honest.value * 100n })],
    ["payee swapped after signing", (payer, honest) => altered(payer, honest, { to: accounts.relayer.address })],
    ["signed for Base mainnet's chainId", (payer, honest) =>
      signTransferAuthorization(payer, { ...domain, chainId: 8453 }, honest)],
    ["signed for EIP-712 version 1", (payer, honest) =>
      signTransferAuthorization(payer, { ...domain, version: "1" }, honest)],
    ["signed for another token contract", (payer, honest) =>
      signTransferAuthorization(payer, { ...domain, verifyingContract: accounts.payTo.address }, honest)],
  ];

  it.each(forgeries)("rejects a forged authorization: %s", async (_, forge) => {
    const payer = accounts.payers[1];
    const before = await balance(payer);
    const signed = await forge(payer, await authorization(payer));
    expect(await rejection(signed)).toBe("FiatTokenV2: invalid signature");
    expect(await used(signed)).toBe(false);
    expect(await balance(payer)).toBe(before);
  });
});
