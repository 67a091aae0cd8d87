import fc from "fast-check";
import { hashTypedData, type Hex } from "viem";
import { afterEach, describe, expect, it, vi } from "vitest";
import { authorizationTypes } from "@x402/evm";
import { loadSecp256k1Module, nodeWasmRecoverer } from "../../../dev/secp256k1-wasm.ts";
import { isolateRecoverer, offerWasmModule } from "../../../worker/chain/signatures/isolate-recoverer.ts";
import { nobleRecoverer } from "../../../worker/chain/signatures/noble-recoverer.ts";
import { compileModule, wasmRecoverer } from "../../../worker/chain/signatures/secp256k1-wasm.ts";
import { typedDataDigest } from "../../../worker/chain/signatures/typed-data-digest.ts";
import { batchDomain, voucherTypes } from "../../../worker/payments/schemes/batch-settlement/batch-constants.ts";
import { CURVE_ORDER, honestCase, mutation } from "../../support/signature-cases.ts";

// The Worker recovers payment signers with libsecp256k1 in wasm, Node with noble: a payment must
// pass or fail the same way under both. Honest signatures must recover their signer; broken ones
// must be refused by both or recover the same address in both (high s does, by design of ECDSA).

const wasm = nodeWasmRecoverer();

describe("wasm and noble recover the same signer", () => {
  it("for random keys and digests", async () => {
    await fc.assert(
      fc.asyncProperty(honestCase, async (made) => {
        const { address, digest, signature } = await made;
        expect(await wasm.recoverAddress(digest, signature)).toBe(address);
        expect(await nobleRecoverer.recoverAddress(digest, signature)).toBe(address);
      }),
      { numRuns: 60 },
    );
  });

  it("for hostile signatures: both refuse, or both name the same address", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(honestCase, mutation, async (made, broken) => {
        const honest = await made;
        const { digest, signature } = broken.apply(honest.digest, honest.signature);
        const [byWasm, byNoble] = await Promise.all([wasm.recoverAddress(digest as Hex, signature as Hex), nobleRecoverer.recoverAddress(digest as Hex, signature as Hex)]);
        expect({ mutation: broken.name, byWasm }).toEqual({ mutation: broken.name, byWasm: byNoble });
        seen.add(`${broken.name.split(" ")[0]}:${byWasm === null ? "refused" : "recovered"}`);
      }),
      { numRuns: 300 },
    );
    // The run reached both outcomes where both exist (a property that only ever compared two nulls
    // would prove nothing about the checks).
    for (const outcome of ["none:recovered", "high-s:recovered", "random:recovered", "random:refused", "r:refused", "s:refused", "v:refused", "v:recovered"]) expect(seen).toContain(outcome);
  });

  it("for the edge cases by name", async () => {
    const honest = await fc.sample(honestCase, { numRuns: 1, seed: 42 })[0]!;
    const r = honest.signature.slice(2, 66);
    const s = honest.signature.slice(66, 130);
    const v = honest.signature.slice(130);
    const word = (n: bigint) => n.toString(16).padStart(64, "0");
    const cases: Array<[string, string, string | null]> = [
      ["as signed", honest.signature, honest.address],
      ["s = n − s, v flipped (high s)", `0x${r}${word(CURVE_ORDER - BigInt(`0x${s}`))}${v === "1b" ? "1c" : "1b"}`, honest.address],
      ["r = 0", `0x${word(0n)}${s}${v}`, null],
      ["s = 0", `0x${r}${word(0n)}${v}`, null],
      ["r = n", `0x${word(CURVE_ORDER)}${s}${v}`, null],
      ["s = n", `0x${r}${word(CURVE_ORDER)}${v}`, null],
      ["v = 2", `0x${r}${s}02`, null],
      ["v = 29", `0x${r}${s}1d`, null],
      ["64 bytes (EIP-2098 compact)", `0x${r}${s}`, null],
      ["66 bytes", `${honest.signature}00`, null],
      ["empty", "0x", null],
    ];
    for (const [name, signature, expected] of cases) {
      expect({ name, wasm: await wasm.recoverAddress(honest.digest, signature as Hex) }).toEqual({ name, wasm: expected });
      expect({ name, noble: await nobleRecoverer.recoverAddress(honest.digest, signature as Hex) }).toEqual({ name, noble: expected });
    }
    expect(await wasm.recoverAddress("0x1234", honest.signature)).toBeNull();
  });
});

describe("the isolate's recoverer", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is the wasm one once a module is offered, instantiated once", () => {
    let loads = 0;
    offerWasmModule(() => (loads++, loadSecp256k1Module()));
    expect(isolateRecoverer().name).toBe("libsecp256k1-wasm");
    expect(isolateRecoverer()).toBe(isolateRecoverer());
    expect(loads).toBe(1);
  });

  it("falls back to noble, saying so once, when the module cannot be instantiated", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // A valid module that is not libsecp256k1: instantiates, but exports none of what recovery needs.
    const empty = compileModule(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    offerWasmModule(() => empty);
    expect(isolateRecoverer()).toBe(nobleRecoverer);
    expect(isolateRecoverer()).toBe(nobleRecoverer);
    offerWasmModule(() => {
      throw new Error("no such file");
    });
    expect(isolateRecoverer()).toBe(nobleRecoverer);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]![0])).toMatch(/noble/);
    expect(() => wasmRecoverer(empty)).toThrow(/exports no/);
  });
});

describe("typedDataDigest", () => {
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
  const uint = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });

  it("is hashTypedData's digest, the domain separator cached or not", () => {
    fc.assert(
      fc.property(
        fc.record({ name: fc.string(), version: fc.constantFrom("1", "2", ""), chainId: fc.constantFrom(1, 8453, 31337), verifyingContract: address }),
        fc.record({ from: address, to: address, value: uint, validAfter: uint, validBefore: uint, nonce: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex) }),
        (domain, message) => {
          const typedData = { domain, types: authorizationTypes, primaryType: "TransferWithAuthorization" as const, message };
          // Twice: the second is served from the cache.
          expect(typedDataDigest(typedData)).toBe(hashTypedData(typedData));
          expect(typedDataDigest(typedData)).toBe(hashTypedData(typedData));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps domains apart (the escrow's per chain)", () => {
    const message = { channelId: `0x${"11".repeat(32)}` as Hex, maxClaimableAmount: 5n };
    const on = (chainId: number) => typedDataDigest({ domain: batchDomain(chainId), types: voucherTypes, primaryType: "Voucher", message });
    expect(on(1)).not.toBe(on(8453));
    expect(on(8453)).toBe(hashTypedData({ domain: batchDomain(8453), types: voucherTypes, primaryType: "Voucher", message }));
  });

  it("refuses what viem refuses", () => {
    const typedData = { domain: batchDomain(1), types: voucherTypes, primaryType: "Voucher" as const, message: { channelId: "0x12" as Hex, maxClaimableAmount: 5n } };
    expect(() => hashTypedData(typedData)).toThrow();
    expect(() => typedDataDigest(typedData)).toThrow();
  });
});
