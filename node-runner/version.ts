import { readFileSync } from "node:fs";
import { z } from "zod";

const PackageJsonSchema = z.object({ version: z.string().min(1).max(32) });

/** The version the runner reports in `hello`: the project's package.json, read once. */
export function readRunnerVersion(): string {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return PackageJsonSchema.parse(raw).version;
  } catch {
    // A missing or odd package.json must not stop the daemon; the edge only logs the version.
    return "0.0.0-unknown";
  }
}
