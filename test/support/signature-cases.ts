import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

// Signatures for comparing two secp256k1 recoverers (worker/chain/signatures/): honest ones by
// random keys over random digests, and the same ones broken the ways a hostile payer would — high s,
// r or s zero or ≥ n, every other v byte, r off the curve, wrong lengths, non-hex. No Node APIs:
// the workerd test uses these too.

export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const word = (n: bigint): string => n.toString(16).padStart(64, "0");
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const scalar = fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n });
/** Values r or s must not take: 0, n, just above n, the largest 256-bit number. */
const outOfRange = fc.oneof(fc.constant(0n), fc.constant(CURVE_ORDER), fc.bigInt({ min: CURVE_ORDER, max: (1n << 256n) - 1n }));

export interface SignedCase {
  privateKey: Hex;
  address: Hex;
  digest: Hex;
  signature: Hex;
}

/** A random key's 65-byte signature (r ‖ s ‖ v, v = 27/28 as viem writes it) of a random digest. */
export const honestCase: fc.Arbitrary<Promise<SignedCase>> = fc.tuple(scalar, bytes32).map(async ([key, digestBytes]) => {
  const privateKey = `0x${word(key)}` as Hex;
  const account = privateKeyToAccount(privateKey);
  const digest = bytesToHex(digestBytes);
  return { privateKey, address: account.address, digest, signature: await account.sign({ hash: digest }) };
});

/** How an honest (digest, signature) is broken; `apply` returns what the recoverers are given. */
export type Mutation = { name: string; apply: (digest: Hex, signature: Hex) => { digest: string; signature: string } };

const parts = (signature: Hex) => ({ r: BigInt(`0x${signature.slice(2, 66)}`), s: BigInt(`0x${signature.slice(66, 130)}`), v: Number.parseInt(signature.slice(130, 132), 16) });
const join = (r: bigint, s: bigint, v: number) => `0x${word(r)}${word(s)}${v.toString(16).padStart(2, "0")}`;

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ name: "none", apply: (digest, signature) => ({ digest, signature }) }),
  // (r, n − s) with the other parity is the same signature in high-s form: both must recover the
  // same key (neither enforces low s); with the same parity it names another key.
  fc.boolean().map<Mutation>((flip) => ({
    name: `high-s${flip ? " (parity flipped)" : ""}`,
    apply: (digest, signature) => {
      const { r, s, v } = parts(signature);
      return { digest, signature: join(r, CURVE_ORDER - s, flip ? v ^ 1 : v) };
    },
  })),
  fc.tuple(fc.constantFrom("r", "s"), outOfRange).map<Mutation>(([which, value]) => ({
    name: `${which} = ${value === 0n ? "0" : value === CURVE_ORDER ? "n" : "≥ n"}`,
    apply: (digest, signature) => {
      const { r, s, v } = parts(signature);
      return { digest, signature: which === "r" ? join(value, s, v) : join(r, value, v) };
    },
  })),
  fc.integer({ min: 0, max: 255 }).map<Mutation>((v) => ({ name: `v = ${v}`, apply: (digest, signature) => ({ digest, signature: `${signature.slice(0, 130)}${v.toString(16).padStart(2, "0")}` }) })),
  // A random r is an x coordinate on the curve about half the time: both must tell which half.
  scalar.map<Mutation>((r) => ({ name: "random r", apply: (digest, signature) => ({ digest, signature: join(r, parts(signature).s, parts(signature).v) }) })),
  fc.tuple(fc.constantFrom("digest", "signature"), fc.integer({ min: 0, max: 140 })).map<Mutation>(([which, length]) => ({
    name: `${which} of ${length} hex digits`,
    apply: (digest, signature) => {
      const resize = (hex: string) => `0x${hex.slice(2).padEnd(length, "a").slice(0, length)}`;
      return which === "digest" ? { digest: resize(digest), signature } : { digest, signature: resize(signature) };
    },
  })),
  fc.tuple(fc.integer({ min: 2, max: 131 }), fc.constantFrom("g", "G", " ", "x", "é")).map<Mutation>(([at, char]) => ({
    name: `non-hex "${char}" at ${at}`,
    apply: (digest, signature) => ({ digest, signature: `${signature.slice(0, at)}${char}${signature.slice(at + 1)}` }),
  })),
  fc.constant<Mutation>({ name: "upper-case hex", apply: (digest, signature) => ({ digest: `0x${digest.slice(2).toUpperCase()}`, signature: `0x${signature.slice(2).toUpperCase()}` }) }),
  fc.constant<Mutation>({ name: "v as 0/1", apply: (digest, signature) => ({ digest, signature: join(parts(signature).r, parts(signature).s, parts(signature).v >= 27 ? parts(signature).v - 27 : parts(signature).v) }) }),
);
