import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, zeroAddress } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { accounts } from "../../../dev/chain/accounts.ts";
import { fiatTokenAbi, fiatTokenProxyAbi } from "../../../dev/chain/fiat-token-abi.ts";
import { localPublicClient } from "../../../dev/chain/local-client.ts";
import { DEFAULT_PAYER_FUNDS, startLocalChain, type LocalChain } from "../../../dev/chain/local-chain.ts";
import { revertReason } from "../../support/chain/revert-reason.ts";
import { deployUsdc, fundEth, mintUsdc, transferEvents, usdcBalanceOf } from "../../../dev/chain/usdc.ts";

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain({ chainId: 84532 });
});
afterAll(() => chain?.stop());

type Getter =
  | "name"
  | "symbol"
  | "currency"
  | "version"
  | "decimals"
  | "owner"
  | "masterMinter"
  | "pauser"
  | "blacklister"
  | "rescuer";

function read(functionName: Getter) {
  return localPublicClient(chain.rpcUrl).readContract({ address: chain.usdc.address, abi: fiatTokenAbi, functionName });
}

describe("deployUsdc", () => {
  it("exposes the EIP-712 domain x402 clients sign", async () => {
    expect(chain.usdc).toMatchObject({ name: "USD Coin", version: "2", decimals: 6, symbol: "USDC", chainId: 84532 });
    expect(await read("name")).toBe("USD Coin");
    expect(await read("version")).toBe("2");
    expect(await read("decimals")).toBe(6);
    expect(await read("symbol")).toBe("USDC");
    expect(await read("currency")).toBe("USD");
  });

  it("puts the proxy in front of the implementation, administered by proxyAdmin", async () => {
    const client = localPublicClient(chain.rpcUrl);
    // Only the admin reaches the proxy's own functions; anyone else would be forwarded to the token.
    const asAdmin = {
      address: chain.usdc.address,
      abi: fiatTokenProxyAbi,
      account: accounts.proxyAdmin.address,
    } as const;
    expect(await client.readContract({ ...asAdmin, functionName: "implementation" })).toBe(
      chain.usdc.implementation,
    );
    expect(await client.readContract({ ...asAdmin, functionName: "admin" })).toBe(accounts.proxyAdmin.address);
  });

  it("gives every token role to tokenOwner", async () => {
    for (const role of ["owner", "masterMinter", "pauser", "blacklister", "rescuer"] as const) {
      expect(await read(role)).toBe(accounts.tokenOwner.address);
    }
  });

  it("locks the bare implementation, as Circle's script does", async () => {
    const attacker = accounts.payTo.address;
    const error = await localPublicClient(chain.rpcUrl)
      .simulateContract({
        address: chain.usdc.implementation,
        abi: fiatTokenAbi,
        functionName: "initialize",
        args: ["Attacker Coin", "ATK", "USD", 6, attacker, attacker, attacker, attacker],
        account: attacker,
      })
      .catch((caught: unknown) => caught);
    expect(revertReason(error)).toBe("FiatToken: contract is already initialized");
  });

  it("refuses a proxy admin that would also have to call the token", async () => {
    await expect(deployUsdc(chain.rpcUrl, { proxyAdmin: accounts.deployer.address })).rejects.toThrow(/proxy admin/);
  });
});

describe("payer funding", () => {
  it("mints payerFunds to every payer, once", async () => {
    const payers = accounts.payers.map((payer) => payer.address);
    for (const payer of payers) {
      expect(await usdcBalanceOf(chain.rpcUrl, chain.usdc.address, payer)).toBe(DEFAULT_PAYER_FUNDS);
    }
    const mints = await transferEvents(chain.rpcUrl, chain.usdc.address, { from: zeroAddress });
    expect(mints.filter((event) => payers.includes(event.to)).map((event) => [event.to, event.value])).toEqual(
      payers.map((payer) => [payer, DEFAULT_PAYER_FUNDS]),
    );
  });

  it("mintUsdc adds exactly the amount and emits a mint Transfer", async () => {
    const fresh = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await mintUsdc(chain.rpcUrl, chain.usdc.address, fresh, 1_234_567n);
    expect(await usdcBalanceOf(chain.rpcUrl, chain.usdc.address, fresh)).toBe(1_234_567n);
    const [event, ...rest] = await transferEvents(chain.rpcUrl, chain.usdc.address, { to: fresh });
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ from: zeroAddress, to: fresh, value: 1_234_567n, txHash: hash });
  });

  it("fundEth sets the balance of a fresh address", async () => {
    const fresh = privateKeyToAccount(generatePrivateKey()).address;
    await fundEth(chain.rpcUrl, fresh, parseEther("1.5"));
    expect(await localPublicClient(chain.rpcUrl).getBalance({ address: fresh })).toBe(parseEther("1.5"));
  });
});
