import {
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  isAddressEqual,
  maxUint256,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { accounts } from "./accounts.ts";
import { fiatTokenAbi, fiatTokenProxyAbi } from "./fiat-token-abi.ts";
import { assertLocalChainId } from "./forbidden-chains.ts";
import { localPublicClient } from "./local-client.ts";
import { sendInOrder, type PlannedTransaction } from "./send-in-order.ts";
import { linkBytecode, loadStablecoinArtifact } from "./stablecoin-artifacts.ts";

export { authorizationState, mintUsdc, mintUsdcBatch, transferEvents, usdcBalanceOf } from "./usdc-actions.ts";
export type { MintOptions, TransferEvent, TransferEventsOptions } from "./usdc-actions.ts";
export { fundEth } from "./fund-eth.ts";

export interface DeployUsdcOptions {
  /** @default accounts.deployer */
  deployer?: LocalAccount;
  /** Must differ from every account that calls the token. @default accounts.proxyAdmin.address */
  proxyAdmin?: Address;
  /** Owner, masterMinter, pauser, blacklister, rescuer and lostAndFound. @default accounts.tokenOwner */
  tokenOwner?: LocalAccount;
  /** @default tokenOwner */
  minter?: LocalAccount;
  /** @default maxUint256 */
  minterAllowance?: bigint;
}

export interface UsdcDeployment {
  /** The proxy: the address x402 calls `asset` and signers use as `verifyingContract`. */
  address: Address;
  implementation: Address;
  signatureChecker: Address;
  proxyAdmin: Address;
  /** EIP-712 domain name, read back from the chain. */
  name: string;
  symbol: string;
  /** EIP-712 domain version, read back from the chain. */
  version: string;
  decimals: number;
  chainId: number;
  minter: Address;
}

export const USDC_NAME = "USD Coin";
export const USDC_SYMBOL = "USDC";
export const USDC_VERSION = "2";
export const USDC_CURRENCY = "USD";
export const USDC_DECIMALS = 6;

const SIGNATURE_CHECKER = "contracts/util/SignatureChecker.sol:SignatureChecker";
// Circle's DeployImpl.sol initialises the bare implementation with this address so nobody can
// initialise it later with values of their own.
const THROWAWAY_ADDRESS: Address = "0x0000000000000000000000000000000000000001";

// Fixed because sendInOrder cannot estimate ahead of state. Measured on anvil 1.7.1: library 427k,
// implementation 5.11M, proxy 493k, heaviest call (proxy initialize) 211k.
const GAS = {
  deploySignatureChecker: 700_000n,
  deployImplementation: 7_000_000n,
  deployProxy: 800_000n,
  call: 500_000n,
} as const;

/**
 * Deploys Circle's FiatTokenV2_2 behind a FiatTokenProxy the way Circle's
 * scripts/deploy/deploy-fiat-token.s.sol does: library, implementation (initialised with throwaway
 * values), proxy deployed by the deployer and handed to proxyAdmin with changeAdmin, then the four
 * initialisers through the proxy. Two differences, both for tests: masterMinter is the tokenOwner
 * account rather than a MasterMinter contract, and tokenOwner is also made rescuer.
 */
export async function deployUsdc(rpcUrl: string, options: DeployUsdcOptions = {}): Promise<UsdcDeployment> {
  const {
    deployer = accounts.deployer,
    proxyAdmin = accounts.proxyAdmin.address,
    tokenOwner = accounts.tokenOwner,
    minter = tokenOwner,
    minterAllowance = maxUint256,
  } = options;
  for (const [role, account] of [["deployer", deployer], ["tokenOwner", tokenOwner]] as const) {
    if (isAddressEqual(account.address, proxyAdmin)) {
      throw new Error(`${role} must not be the proxy admin: the proxy does not forward its admin's calls`);
    }
  }

  const client = localPublicClient(rpcUrl);
  const [chainId, firstNonce] = await Promise.all([
    client.getChainId(),
    client.getTransactionCount({ address: deployer.address, blockTag: "pending" }),
  ]);
  assertLocalChainId(chainId);
  // Addresses are known before anything is mined, so every step can be signed up front.
  const createdAt = (offset: number) =>
    getContractAddress({ from: deployer.address, nonce: BigInt(firstNonce + offset) });

  const signatureChecker = createdAt(0);
  const implementation = createdAt(1);
  const implementationSteps = [
    deploy(
      "deploy SignatureChecker",
      linkBytecode(loadStablecoinArtifact("signatureChecker"), {}),
      GAS.deploySignatureChecker,
    ),
    deploy(
      "deploy FiatTokenV2_2",
      linkBytecode(loadStablecoinArtifact("fiatTokenV2_2"), { [SIGNATURE_CHECKER]: signatureChecker }),
      GAS.deployImplementation,
    ),
    ...initializers(implementation, { name: "", symbol: "", currency: "", decimals: 0, roles: THROWAWAY_ADDRESS }),
  ];

  const proxy = createdAt(implementationSteps.length);
  const proxySteps = [
    deploy(
      "deploy FiatTokenProxy",
      encodeDeployData({
        abi: fiatTokenProxyAbi,
        bytecode: linkBytecode(loadStablecoinArtifact("fiatTokenProxy"), {}),
        args: [implementation],
      }),
      GAS.deployProxy,
    ),
    call(
      "changeAdmin",
      proxy,
      encodeFunctionData({ abi: fiatTokenProxyAbi, functionName: "changeAdmin", args: [proxyAdmin] }),
    ),
    // The deployer is no longer the proxy admin, so from here on its calls reach the token.
    ...initializers(proxy, {
      name: USDC_NAME,
      symbol: USDC_SYMBOL,
      currency: USDC_CURRENCY,
      decimals: USDC_DECIMALS,
      roles: tokenOwner.address,
    }),
  ];

  const receipts = await sendInOrder(rpcUrl, deployer, [...implementationSteps, ...proxySteps], { firstNonce });
  const creations = [
    [0, signatureChecker],
    [1, implementation],
    [implementationSteps.length, proxy],
  ] as const;
  for (const [index, expected] of creations) {
    const landed = receipts[index]?.contractAddress;
    if (landed == null || !isAddressEqual(landed, expected)) {
      throw new Error(`contract landed at ${landed}, not ${expected}: did something else use the deployer's nonces?`);
    }
  }

  await sendInOrder(rpcUrl, tokenOwner, [
    call(
      "updateRescuer",
      proxy,
      encodeFunctionData({ abi: fiatTokenAbi, functionName: "updateRescuer", args: [tokenOwner.address] }),
    ),
    call(
      "configureMinter",
      proxy,
      encodeFunctionData({
        abi: fiatTokenAbi,
        functionName: "configureMinter",
        args: [minter.address, minterAllowance],
      }),
    ),
  ]);

  const read = { address: proxy, abi: fiatTokenAbi } as const;
  const [name, symbol, version, decimals] = await Promise.all([
    client.readContract({ ...read, functionName: "name" }),
    client.readContract({ ...read, functionName: "symbol" }),
    client.readContract({ ...read, functionName: "version" }),
    client.readContract({ ...read, functionName: "decimals" }),
  ]);
  // x402 clients sign with this domain; anything else means every payment would fail to verify.
  if (name !== USDC_NAME || version !== USDC_VERSION) {
    throw new Error(`deployed token reports EIP-712 domain {name: ${name}, version: ${version}}`);
  }
  return {
    address: proxy,
    implementation,
    signatureChecker,
    proxyAdmin,
    name,
    symbol,
    version,
    decimals,
    chainId,
    minter: minter.address,
  };
}

interface TokenIdentity {
  name: string;
  symbol: string;
  currency: string;
  decimals: number;
  /** masterMinter, pauser, blacklister, owner and lostAndFound. */
  roles: Address;
}

/** initialize, initializeV2, initializeV2_1, initializeV2_2: the order every FiatToken goes through. */
function initializers(token: Address, identity: TokenIdentity): PlannedTransaction[] {
  const { name, symbol, currency, decimals, roles } = identity;
  return [
    call(
      "initialize",
      token,
      encodeFunctionData({
        abi: fiatTokenAbi,
        functionName: "initialize",
        args: [name, symbol, currency, decimals, roles, roles, roles, roles],
      }),
    ),
    call("initializeV2", token, encodeFunctionData({ abi: fiatTokenAbi, functionName: "initializeV2", args: [name] })),
    call(
      "initializeV2_1",
      token,
      encodeFunctionData({ abi: fiatTokenAbi, functionName: "initializeV2_1", args: [roles] }),
    ),
    call(
      "initializeV2_2",
      token,
      encodeFunctionData({ abi: fiatTokenAbi, functionName: "initializeV2_2", args: [[], symbol] }),
    ),
  ];
}

function deploy(label: string, data: Hex, gas: bigint): PlannedTransaction {
  return { label, data, gas };
}

function call(label: string, to: Address, data: Hex): PlannedTransaction {
  return { label: `${label} on ${to}`, to, data, gas: GAS.call };
}
