import { recoverAddress } from "viem";
import { DIGEST_HEX, SIGNATURE_HEX, type SignatureRecoverer } from "./recoverer.ts";

/**
 * viem's recovery (noble, pure JS): the reference the wasm one is compared with, and what runs
 * wherever the wasm does not (Node, or a Worker whose module failed to instantiate). Only the
 * shapes are checked here; r, s and v are left to noble, so the property test compares two
 * independent sets of checks.
 */
export const nobleRecoverer: SignatureRecoverer = {
  name: "noble",
  async recoverAddress(digest, signature) {
    if (!DIGEST_HEX.test(digest) || !SIGNATURE_HEX.test(signature)) return null;
    try {
      return await recoverAddress({ hash: digest, signature });
    } catch {
      return null;
    }
  },
};
