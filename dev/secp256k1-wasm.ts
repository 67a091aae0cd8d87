import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { SignatureRecoverer } from "../worker/chain/signatures/recoverer.ts";
import { compileModule, wasmRecoverer, type CompiledModule } from "../worker/chain/signatures/secp256k1-wasm.ts";

/**
 * The Worker's wasm recoverer, in Node: the same wrapper on the same binary, the module read from
 * disk instead of imported (Node has no CompiledWasm rule). For the bench and the tests that compare
 * it with noble. The file is found through the package's entry point, wherever npm put it (its
 * `exports` map does not name the .wasm).
 */
export function secp256k1WasmPath(): string {
  const entry = createRequire(import.meta.url).resolve("tiny-secp256k1"); // …/lib/cjs/index.cjs
  return join(dirname(entry), "..", "secp256k1.wasm");
}

export function loadSecp256k1Module(): CompiledModule {
  return compileModule(readFileSync(secp256k1WasmPath()));
}

export function nodeWasmRecoverer(): SignatureRecoverer {
  return wasmRecoverer(loadSecp256k1Module());
}
