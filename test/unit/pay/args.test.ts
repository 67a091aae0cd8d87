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
      refund: false,
      dryRun: true,
      stream: true,
      problems: [],
    });
  });

  it("reads the channel flags, and `refund <service>` or `<service> --refund` as the refund command", () => {
    expect(parseCommandLine(["chat", "{}", "--scheme", "exact", "--max-deposit=2", "--channels-dir", "/tmp/ch"])).toMatchObject({
      positionals: ["chat", "{}"],
      scheme: "exact",
      maxDeposit: "2",
      channelsDir: "/tmp/ch",
      refund: false,
      problems: [],
    });
    expect(parseCommandLine(["refund", "sentiment", "--amount", "0.5"])).toMatchObject({ positionals: ["sentiment"], amount: "0.5", refund: true, problems: [] });
    expect(parseCommandLine(["sentiment", "--refund"])).toMatchObject({ positionals: ["sentiment"], refund: true, problems: [] });
    expect(parseCommandLine(["refund", "sentiment", "{}", "x"]).refund).toBe(false);
    expect(parseCommandLine(["sentiment", "{}", "--refund"]).problems).toEqual(['unexpected argument "{}"']);
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
        mode: "call",
        scheme: "auto",
        maxDeposit: 1_000_000n,
        channelsDir: "/state/channels",
        refundAmount: null,
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

  it("channel settings: --scheme, --max-deposit, and where channel state lives", () => {
    const flags = resolveSettings(parseCommandLine(["chat", "{}", "--scheme", "batch-settlement", "--max-deposit", "2.5", "--channels-dir", "/tmp/ch/"]), {}, stack);
    expect(flags.ok && flags.settings).toMatchObject({ scheme: "batch-settlement", maxDeposit: 2_500_000n, channelsDir: "/tmp/ch" });
    const elsewhere = resolveSettings(parseCommandLine(["chat", "{}", "--edge", "https://edge.example"]), { HOME: "/home/agent" }, stack);
    expect(elsewhere.ok && elsewhere.settings.channelsDir).toBe("/home/agent/.edge402/channels");
    const bad = resolveSettings(parseCommandLine(["chat", "{}", "--scheme", "upto", "--max-deposit", "-1", "--amount", "1"]), {}, stack);
    expect(!bad.ok && bad.problems).toEqual([
      "--amount is for a refund (refund <service> --amount USDC)",
      '--max-deposit: "-1" is not a decimal amount like 0.01',
      '--scheme: "upto" is not a scheme: use auto, batch-settlement, exact',
    ]);
  });

  it("a refund: the service only, always by channel, optionally --amount", () => {
    const result = resolveSettings(parseCommandLine(["refund", "sentiment", "--amount", "0.25"]), {}, stack);
    expect(result.ok && result.settings).toMatchObject({ mode: "refund", service: "sentiment", body: "", scheme: "batch-settlement", refundAmount: 250_000n });
    const wrong = resolveSettings(parseCommandLine(["refund", "sentiment", "--dry-run", "--max-price", "1", "--amount", "0"]), {}, stack);
    expect(!wrong.ok && wrong.problems).toEqual(["--dry-run does not apply to a refund", "--max-price does not apply to a refund", "--amount: must be more than 0"]);
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
