#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx's loader is registered for this process,
// then the CLI is imported relative to this file, so it works from any working directory.
import { register } from "tsx/esm/api";

register();
await import(new URL("../scripts/mcp-pay.ts", import.meta.url).href);
