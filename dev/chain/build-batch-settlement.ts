import { writeFileSync } from "node:fs";
import {
  ABI_MODULE_PATH,
  ARTIFACT_PATH,
  compileBatchSettlement,
  renderAbiModule,
  renderArtifact,
} from "./batch-settlement-build.ts";

// `npm run build:contracts`: recompiles contracts/batch-settlement/ and rewrites the committed outputs.
const build = compileBatchSettlement();
writeFileSync(ARTIFACT_PATH, renderArtifact(build));
writeFileSync(ABI_MODULE_PATH, renderAbiModule(build));
for (const [role, contract] of Object.entries(build.contracts)) {
  process.stdout.write(`${role}: ${(contract.deployedBytecode.length - 2) / 2} bytes of runtime code\n`);
}
process.stdout.write(`wrote ${ARTIFACT_PATH}\nwrote ${ABI_MODULE_PATH}\n(solc ${build.compiler})\n`);
