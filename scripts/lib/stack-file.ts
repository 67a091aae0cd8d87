import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** EDGE402_STATE_DIR moves it (tests run a stack beside a developer's own). */
export const STATE_DIR = process.env.EDGE402_STATE_DIR ?? resolve(import.meta.dirname, "../../.edge402");
export const STACK_FILE = join(STATE_DIR, "stack.json");

/** What tools and tests need to talk to the running local stack (written when it is ready). */
export interface StackFile {
  edgeUrl: string;
  rpcUrl: string;
  chainId: number;
  network: string;
  usdc: string;
  payTo: string;
  /** The x402 batch-settlement escrow and its ERC-3009 deposit collector (canonical addresses, our contract); absent in older stack files. */
  batchSettlement?: { escrow: string; erc3009Collector: string };
  /** The address that signs the edge's channel claims and refunds (its key is a secret of this session). */
  receiverAuthorizer?: string;
  payerAddress: string;
  /** A publicly known anvil test key, funded with local USDC only. */
  payerKey: string;
  payerKeyNote: string;
  runnerIds: string[];
  adminToken: string;
  /** The operator console (sign in with adminToken); absent in older stack files. */
  dashboardUrl?: string;
  /** Bearer token for GET /metrics (a Prometheus scrape); absent in older stack files. */
  metricsToken?: string;
  ollamaHost: string;
  /** Process ids of the stack's parts, for tools that must check they are gone. */
  pids: { chain: number; edge: number; runner: number };
}

export function writeStackFile(stack: StackFile): void {
  mkdirSync(dirname(STACK_FILE), { recursive: true });
  writeFileSync(STACK_FILE, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
}

export function removeStackFile(): void {
  rmSync(STACK_FILE, { force: true });
}
