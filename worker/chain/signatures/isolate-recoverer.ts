import { nobleRecoverer } from "./noble-recoverer.ts";
import type { SignatureRecoverer } from "./recoverer.ts";
import { wasmRecoverer, type CompiledModule } from "./secp256k1-wasm.ts";

/**
 * The recoverer this isolate verifies payments with. The Worker entry offers the compiled wasm
 * module (offerWasmModule); it is instantiated once, at the first payment check rather than at
 * startup (its context is seeded with crypto.getRandomValues, which belongs in a request, and an
 * isolate that never checks a payment never pays for it). Anything that goes wrong there falls back
 * to noble — slower, same answers — and says so once in the log. Without an offer (Node: tests,
 * scripts, the bench unless it offers one) it is noble.
 */
let offered: (() => CompiledModule) | null = null;
let selected: SignatureRecoverer | null = null;

export function offerWasmModule(load: () => CompiledModule): void {
  offered = load;
  selected = null;
}

export function isolateRecoverer(): SignatureRecoverer {
  if (selected) return selected;
  if (!offered) return nobleRecoverer;
  try {
    selected = wasmRecoverer(offered());
  } catch (error) {
    console.warn(`secp256k1 wasm unavailable, verifying signatures with noble (pure JS): ${error instanceof Error ? error.message : String(error)}`);
    selected = nobleRecoverer;
  }
  return selected;
}
