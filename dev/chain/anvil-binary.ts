import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// Same lookup as @foundry-rs/anvil's bin.mjs. We spawn the binary ourselves rather than bin.mjs so
// that signals reach anvil directly: a SIGKILL to the Node launcher would leave anvil orphaned.
const PLATFORM_PACKAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  darwin: { x64: "@foundry-rs/anvil-darwin-amd64", arm64: "@foundry-rs/anvil-darwin-arm64" },
  linux: { x64: "@foundry-rs/anvil-linux-amd64", arm64: "@foundry-rs/anvil-linux-arm64" },
  win32: { x64: "@foundry-rs/anvil-win32-amd64" },
};

const require = createRequire(import.meta.url);

let cached: string | undefined;

/** Absolute path of the anvil executable shipped by the installed `@foundry-rs/anvil`. */
export function resolveAnvilBinary(): string {
  if (cached !== undefined) return cached;
  const binaryName = process.platform === "win32" ? "anvil.exe" : "anvil";
  const platformPackage = PLATFORM_PACKAGES[process.platform]?.[process.arch];
  const candidates: string[] = [];
  if (platformPackage !== undefined) {
    try {
      candidates.push(require.resolve(`${platformPackage}/bin/${binaryName}`));
    } catch {
      // Optional dependency not installed for this platform; try the postinstall fallbacks.
    }
  }
  // When the platform package is missing, the package's postinstall downloads the binary next to
  // itself, while bin.mjs looks in ../dist; accept either.
  try {
    const launcherDir = dirname(require.resolve("@foundry-rs/anvil/package.json"));
    candidates.push(join(launcherDir, binaryName), join(launcherDir, "..", "dist", binaryName));
  } catch {
    // @foundry-rs/anvil itself is missing; the error below says so.
  }
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      `anvil binary not found for ${process.platform}/${process.arch}` +
        ` (expected ${platformPackage ?? "an unsupported platform"}, an optional dependency of @foundry-rs/anvil).` +
        ` Looked in: ${candidates.join(", ") || "nowhere"}`,
    );
  }
  cached = found;
  return found;
}
