import { getAddress, hexToBytes, keccak256, type Address } from "viem";
import { DIGEST_HEX, SIGNATURE_HEX, type SignatureRecoverer } from "./recoverer.ts";

/**
 * secp256k1 public-key recovery by libsecp256k1 compiled to WebAssembly — the binary tiny-secp256k1
 * ships (rust-secp256k1 over bitcoin-core's C library), driven by this wrapper rather than by its own
 * loader, which reads the file with `fs` and so cannot run in workerd. The caller hands over the
 * compiled module (the Worker imports the .wasm, wrangler's CompiledWasm rule; Node reads the file),
 * so this file has no idea where it came from and loads in either runtime.
 *
 * The binary's contract, learnt from its exports: fixed input buffers in its memory whose offsets are
 * exported as globals (HASH_INPUT 32 bytes, SIGNATURE_INPUT 64 bytes r ‖ s, PUBLIC_KEY_INPUT 65
 * bytes, where results come back); `recover(outputLength, recoveryId)` returns 1 with the key
 * written there, 0 when there is none (r or s out of range included). Its imports: a 32-bit random
 * for context randomisation and an error callback for misuse (which throws through it), so inputs are
 * checked here before they reach it.
 */

/** The order of the curve's group: r and s must lie in [1, n − 1]. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const UNCOMPRESSED_KEY_BYTES = 65;

/**
 * A compiled WebAssembly.Module. Typed loosely, with the few WebAssembly calls below, because the
 * Node tsconfig (ES2023 + node) declares no WebAssembly API; the runtime has it in both.
 */
export type CompiledModule = object;
interface WasmRuntime {
  Module: new (bytes: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const runtime = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;

/** Compiles a module from its bytes: for Node only (workerd forbids compiling at run time; the Worker imports it compiled). */
export function compileModule(bytes: Uint8Array): CompiledModule {
  return new runtime.Module(bytes);
}

interface Secp256k1Exports {
  memory: { buffer: ArrayBuffer };
  initializeContext(): void;
  recover(outputLength: number, recoveryId: number): number;
  /** Offsets in memory, as i32 globals. */
  HASH_INPUT: { value: number };
  SIGNATURE_INPUT: { value: number };
  PUBLIC_KEY_INPUT: { value: number };
}

/** A recoverer on one instance of `module`: instantiated now (throws if it cannot be), once per isolate. */
export function wasmRecoverer(module: CompiledModule): SignatureRecoverer {
  let exports = instantiate(module);
  return {
    name: "libsecp256k1-wasm",
    async recoverAddress(digest, signature) {
      const parts = recoverable(digest, signature);
      if (!parts) return null;
      try {
        return recoverWith(exports, parts);
      } catch {
        // The binary refused an input after all (its error callback threw through it): the
        // instance's own state may be mid-call, so later calls get a fresh one.
        exports = instantiate(module);
        return null;
      }
    },
  };
}

function instantiate(module: CompiledModule): Secp256k1Exports {
  const instance = new runtime.Instance(module, {
    "./rand.js": { generateInt32: () => crypto.getRandomValues(new Int32Array(1))[0]! },
    "./validate_error.js": {
      throwError: (code: number) => {
        throw new Error(`libsecp256k1 refused an input (code ${code})`);
      },
    },
  });
  const exports = instance.exports as unknown as Partial<Secp256k1Exports>;
  for (const name of ["initializeContext", "recover"] as const) if (typeof exports[name] !== "function") throw new Error(`secp256k1.wasm exports no ${name}()`);
  for (const name of ["HASH_INPUT", "SIGNATURE_INPUT", "PUBLIC_KEY_INPUT"] as const) if (typeof exports[name]?.value !== "number") throw new Error(`secp256k1.wasm exports no ${name} offset`);
  if (!(exports.memory?.buffer instanceof ArrayBuffer)) throw new Error("secp256k1.wasm exports no memory");
  const complete = exports as Secp256k1Exports;
  complete.initializeContext();
  return complete;
}

interface Recoverable {
  digest: Uint8Array;
  rs: Uint8Array;
  recoveryId: 0 | 1;
}

/**
 * The checks noble makes before recovering, made here because libsecp256k1 leaves them to its
 * caller: shapes, r and s in [1, n − 1], v one of 0/1 or 27/28 (Ethereum's). Recovery ids 2 and 3
 * (r ≥ n as an x coordinate) cannot be expressed in a 65-byte Ethereum signature.
 */
function recoverable(digest: string, signature: string): Recoverable | null {
  if (!DIGEST_HEX.test(digest) || !SIGNATURE_HEX.test(signature)) return null;
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  if (r === 0n || r >= CURVE_ORDER || s === 0n || s >= CURVE_ORDER) return null;
  const v = Number.parseInt(signature.slice(130), 16);
  const recoveryId = v === 0 || v === 27 ? 0 : v === 1 || v === 28 ? 1 : null;
  if (recoveryId === null) return null;
  const bytes = hexToBytes(signature as `0x${string}`);
  return { digest: hexToBytes(digest as `0x${string}`), rs: bytes.subarray(0, 64), recoveryId };
}

function recoverWith(exports: Secp256k1Exports, { digest, rs, recoveryId }: Recoverable): Address | null {
  // A fresh view each call: the memory's buffer is replaced if the instance ever grows it.
  const memory = new Uint8Array(exports.memory.buffer);
  const hashAt = exports.HASH_INPUT.value;
  const signatureAt = exports.SIGNATURE_INPUT.value;
  const keyAt = exports.PUBLIC_KEY_INPUT.value;
  memory.set(digest, hashAt);
  memory.set(rs, signatureAt);
  const found = exports.recover(UNCOMPRESSED_KEY_BYTES, recoveryId) === 1;
  // 0x04 ‖ x ‖ y; the address is the last 20 bytes of keccak256(x ‖ y).
  const key = found ? memory.slice(keyAt + 1, keyAt + UNCOMPRESSED_KEY_BYTES) : null;
  memory.fill(0, keyAt, keyAt + UNCOMPRESSED_KEY_BYTES);
  return key ? getAddress(`0x${keccak256(key).slice(26)}`) : null;
}
