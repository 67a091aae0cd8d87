import type { Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

/**
 * Anvil's (and Hardhat's) default mnemonic. startAnvil passes it explicitly so the keys below always
 * match the chain's funded accounts.
 */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Private keys of the first ten accounts of ANVIL_MNEMONIC.
 *
 * PUBLICLY KNOWN TEST KEYS. Every Foundry and Hardhat install prints them; bots sweep any funds sent
 * to these addresses on real networks within seconds. Never use them outside a local chain.
 */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const satisfies readonly Hex[];

export interface ChainAccounts {
  /** Deploys the SignatureChecker library, the FiatTokenV2_2 implementation and the proxy. */
  deployer: PrivateKeyAccount;
  /** FiatTokenProxy admin. The proxy never forwards this account's calls to the token. */
  proxyAdmin: PrivateKeyAccount;
  /** Token owner, masterMinter, pauser, blacklister, rescuer and, by default, the minter. */
  tokenOwner: PrivateKeyAccount;
  /** The edge's settlement key: submits transferWithAuthorization and pays the gas. */
  relayer: PrivateKeyAccount;
  /** The seller: x402 `payTo`. */
  payTo: PrivateKeyAccount;
  /** Agents that sign EIP-3009 authorizations. */
  payers: readonly [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
}

const [k0, k1, k2, k3, k4, k5, k6, k7, k8, k9] = ANVIL_KEYS;

export const accounts: ChainAccounts = Object.freeze({
  deployer: privateKeyToAccount(k0),
  proxyAdmin: privateKeyToAccount(k1),
  tokenOwner: privateKeyToAccount(k2),
  relayer: privateKeyToAccount(k3),
  payTo: privateKeyToAccount(k4),
  payers: Object.freeze([
    privateKeyToAccount(k5),
    privateKeyToAccount(k6),
    privateKeyToAccount(k7),
    privateKeyToAccount(k8),
    privateKeyToAccount(k9),
  ] as const),
});
