import { describe, expect, it } from "vitest";
import { parseCommandLine, resolveSettings } from "../../../scripts/pay/args.ts";
import type { StackLoad } from "../../../scripts/pay/stack-defaults.ts";

const KEY = `0x${"11".repeat(32)}`;
const STACK_KEY = `0x${"22".repeat(32)}`;
const noStack: StackLoad = { status: "missing", path: "/state/stack.json" };
const stack: StackLoad = {
  status: "ok",
  path: "/state/stack.json",
  stack: { edgeUrl: "http://127.0.0.1:8787", rpcUrl: "http://127.0.0.1:8545", network: "eip155:31337", payerKey: STACK_KEY, payerKeyNote: "demo only" },
};

describe("parseCommandLine", () => {
  it("reads positionals and flags in any order, --flag value or --flag=value", () => {
    expect(parseCommandLine(["chat", "--max-price", "0.01", '{"a":1}', "--dry-run", "--edge=http://e.example", "--stream"])).toEqual({
      help: false,
      positionals: ["chat", '{"a":1}'],
      edge: "http://e.example",
      maxPrice: "0.01",
      dryRun: true,
      stream: true,
      problems: [],
    });
  });

  it("takes @file, @- and arguments after --", () => {
    expect(parseCommandLine(["embeddings", "@-"]).positionals).toEqual(["embeddings", "@-"]);
    expect(parseCommandLine(["--", "/v1/x", "-1"]).positionals).toEqual(["/v1/x", "-1"]);
  });

  it("reports every problem at once", () => {
    expect(parseCommandLine(["chat", "{}", "extra", "--bogus", "-x", "--max-price", "--dry-run=yes", "--edge", "a", "--edge", "b"]).problems).toEqual([
      "unknown option --bogus",
      "unknown option -x",
      "--max-price needs a value",
      "--dry-run takes no value",
      "--edge is given twice",
      'unexpected argument "extra"',
    ]);
  });

  it("-h and --help ask for help", () => {
    expect(parseCommandLine(["-h"]).help).toBe(true);
    expect(parseCommandLine(["chat", "--help"]).help).toBe(true);
  });
});

describe("resolveSettings", () => {
  it("takes the edge, key and RPC from stack.json when nothing else is given", () => {
    const result = resolveSettings(parseCommandLine(["chat", "{}"]), {}, stack);
    expect(result).toEqual({
      ok: true,
      settings: {
        service: "chat",
        body: "{}",
        edgeUrl: "http://127.0.0.1:8787",
        edgeSource: "stack.json",
        maxPrice: null,
        dryRun: false,
        stream: false,
        payer: { key: STACK_KEY, source: "stack.json", note: "demo only" },
        rpcUrl: "http://127.0.0.1:8545",
        demoNetwork: "eip155:31337",
      },
    });
  });

  it("prefers --edge over EDGE_URL over stack.json, and PAYER_KEY / RPC_URL over stack.json", () => {
    const env = { EDGE_URL: "https://env.example/", PAYER_KEY: KEY, RPC_URL: "https://rpc.example" };
    const fromEnv = resolveSettings(parseCommandLine(["chat", "{}"]), env, stack);
    expect(fromEnv.ok && fromEnv.settings).toMatchObject({ edgeUrl: "https://env.example", edgeSource: "EDGE_URL", payer: { key: KEY, source: "PAYER_KEY" }, rpcUrl: "https://rpc.example", demoNetwork: null });
    const fromFlag = resolveSettings(parseCommandLine(["chat", "{}", "--edge", "http://flag.example:9000/prefix/"]), env, stack);
    expect(fromFlag.ok && fromFlag.settings).toMatchObject({ edgeUrl: "http://flag.example:9000/prefix", edgeSource: "--edge" });
  });

  it("parses --max-price exactly into base units", () => {
    const result = resolveSettings(parseCommandLine(["chat", "{}", "--max-price", "0.001005"]), {}, stack);
    expect(result.ok && result.settings.maxPrice).toBe(1005n);
  });

  it("needs no payer key for a dry run", () => {
    const result = resolveSettings(parseCommandLine(["chat", "{}", "--dry-run", "--edge", "http://e.example"]), {}, noStack);
    expect(result.ok && result.settings.payer).toBeNull();
  });

  it("lists every problem, naming where each value came from, never echoing a key", () => {
    const result = resolveSettings(
      parseCommandLine(["--max-price", "1e-3", "--edge", "ftp://e.example", "--nope"]),
      { PAYER_KEY: "0xdeadbeef", RPC_URL: "not a url" },
      noStack,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        "unknown option --nope",
        "missing <service>: a name like chat, or a path like /v1/chat/completions",
        "missing <json | @file>: the request body",
        "--edge: the edge URL must be http:// or https://, not ftp://",
        '--max-price: "1e-3" is not a decimal amount like 0.01',
        "PAYER_KEY: must be a 0x-prefixed 32-byte hex private key",
        'RPC_URL: "not a url" is not a URL (expected e.g. http://127.0.0.1:8787)',
      ],
    });
    expect(JSON.stringify(result)).not.toContain("deadbeef");
  });

  it("says how to get an edge and a key when there is no stack", () => {
    const result = resolveSettings(parseCommandLine(["chat", "{}"]), {}, noStack);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      "no edge: pass --edge URL, set EDGE_URL, or start the local stack with `npm start` (no /state/stack.json)",
      "no payer key: set PAYER_KEY (0x… private key of a wallet holding USDC), or start the local stack with `npm start`",
    ]);
  });

  it("reports a broken stack.json only when a value would come from it", () => {
    const broken: StackLoad = { status: "invalid", path: "/state/stack.json", problem: "/state/stack.json is not valid JSON" };
    expect(resolveSettings(parseCommandLine(["chat", "{}"]), { EDGE_URL: "http://e.example", PAYER_KEY: KEY }, broken).ok).toBe(true);
    const result = resolveSettings(parseCommandLine(["chat", "{}"]), { PAYER_KEY: KEY }, broken);
    expect(!result.ok && result.problems[0]).toBe("/state/stack.json is not valid JSON");
  });
});
