import fc from "fast-check";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import secp256k1Wasm from "../../node_modules/tiny-secp256k1/lib/secp256k1.wasm";
import { isolateRecoverer } from "../../worker/chain/signatures/isolate-recoverer.ts";
import { nobleRecoverer } from "../../worker/chain/signatures/noble-recoverer.ts";
import { wasmRecoverer } from "../../worker/chain/signatures/secp256k1-wasm.ts";
import "../../worker/index.ts";
import { honestCase, mutation } from "../support/signature-cases.ts";

// In workerd itself: the .wasm import is a compiled module (wrangler's CompiledWasm rule), the
// Worker entry offers it, and the wrapper instantiates it here as it does in Node — the same answers
// as noble (the full property runs in Node: test/unit/payments/signature-recovery.test.ts).

describe("libsecp256k1 wasm in workerd", () => {
  it("is what the Worker entry verifies payments with", () => {
    expect(secp256k1Wasm).toBeInstanceOf(WebAssembly.Module);
    expect(isolateRecoverer().name).toBe("libsecp256k1-wasm");
  });

  it("agrees with noble on honest and hostile signatures", async () => {
    const wasm = wasmRecoverer(secp256k1Wasm);
    await fc.assert(
      fc.asyncProperty(honestCase, mutation, async (made, broken) => {
        const honest = await made;
        expect(await wasm.recoverAddress(honest.digest, honest.signature)).toBe(honest.address);
        const { digest, signature } = broken.apply(honest.digest, honest.signature);
        expect({ mutation: broken.name, address: await wasm.recoverAddress(digest as Hex, signature as Hex) }).toEqual({
          mutation: broken.name,
          address: await nobleRecoverer.recoverAddress(digest as Hex, signature as Hex),
        });
      }),
      { numRuns: 25 },
    );
  });
});
