import { bytesToHex, parseSignature, type Address, type Hex, type LocalAccount } from "viem";
import { transferWithAuthorizationTypes } from "../../../dev/chain/fiat-token-abi.ts";

export interface TransferAuthorization {
  from: Address;
  to: Address;
  value: bigint;
  /** Unix seconds; valid once block.timestamp > validAfter. */
  validAfter: bigint;
  /** Unix seconds; valid while block.timestamp < validBefore. */
  validBefore: bigint;
  nonce: Hex;
}

export interface Eip712TokenDomain {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Address;
}

export interface SignedTransferAuthorization {
  authorization: TransferAuthorization;
  /** 65 bytes, as x402 puts it in the payment payload. */
  signature: Hex;
  v: number;
  r: Hex;
  s: Hex;
}

/** A fresh bytes32 nonce, random like the ones x402 clients generate. */
export function randomAuthorizationNonce(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Signs an EIP-3009 TransferWithAuthorization as an x402 client does. `signer` normally equals
 * `authorization.from`; tests pass another account to produce a forged authorization.
 */
export async function signTransferAuthorization(
  signer: LocalAccount,
  domain: Eip712TokenDomain,
  authorization: TransferAuthorization,
): Promise<SignedTransferAuthorization> {
  const signature = await signer.signTypedData({
    domain,
    types: transferWithAuthorizationTypes,
    primaryType: "TransferWithAuthorization",
    message: authorization,
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { authorization, signature, r, s, v: v === undefined ? yParity + 27 : Number(v) };
}
