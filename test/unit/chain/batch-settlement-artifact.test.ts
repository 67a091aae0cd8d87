import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ABI_MODULE_PATH,
  ARTIFACT_PATH,
  compileBatchSettlement,
  renderAbiModule,
  renderArtifact,
} from "../../../dev/chain/batch-settlement-build.ts";
import { batchSettlementRuntimeCode } from "../../../dev/chain/batch-settlement.ts";

// The runtime code anvil gets is the committed artifact, not a fresh compile (solc-js takes seconds).
// This is what keeps the two the same: after any change under contracts/batch-settlement/, run
// `npm run build:contracts` and commit what it writes.
describe("batch-settlement artifacts", () => {
  it("are exactly what the committed sources compile to", () => {
    const build = compileBatchSettlement();
    const stale = (path: string) => `${path} is stale: npm run build:contracts`;
    expect(readFileSync(ARTIFACT_PATH, "utf8"), stale(ARTIFACT_PATH)).toBe(renderArtifact(build));
    expect(readFileSync(ABI_MODULE_PATH, "utf8"), stale(ABI_MODULE_PATH)).toBe(renderAbiModule(build));
    expect(batchSettlementRuntimeCode()).toEqual({
      escrow: build.contracts.escrow.deployedBytecode,
      erc3009Collector: build.contracts.erc3009Collector.deployedBytecode,
    });
  });
});
