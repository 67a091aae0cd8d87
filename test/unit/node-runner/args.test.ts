import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../node-runner/args.ts";

describe("command line", () => {
  it("defaults to start and maps flags to config fields", () => {
    expect(parseArgs(["--edge-url", "https://e.example", "--max-queue=4", "--config", "r.json"])).toEqual({
      command: "start",
      flags: { edgeUrl: "https://e.example", maxQueue: "4" },
      configFile: "r.json",
      force: false,
      json: false,
      problems: [],
    });
  });

  it("reads keygen's options", () => {
    expect(parseArgs(["keygen", "--key-file", "/tmp/k.json", "--force"])).toMatchObject({
      command: "keygen",
      flags: { keyFile: "/tmp/k.json" },
      force: true,
      problems: [],
    });
  });

  it("reports every problem at once", () => {
    expect(parseArgs(["--bogus", "1", "extra", "--name", "--force"]).problems).toEqual([
      "unknown option --bogus",
      'unexpected argument "extra"',
      "--name needs a value",
      "--force is not an option of `start`",
    ]);
    expect(parseArgs(["keygen", "--edge-url", "x"]).problems).toEqual(["--edge-url is not an option of `keygen`"]);
  });

  it("help wins over everything", () => {
    expect(parseArgs(["keygen", "-h"]).command).toBe("help");
    expect(parseArgs(["--help"]).command).toBe("help");
  });
});
