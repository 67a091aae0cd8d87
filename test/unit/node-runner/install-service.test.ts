import { mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { installServiceCommand, type InstallServiceContext } from "../../../node-runner/commands/install-service.ts";
import { writeNewRunnerKey } from "../../../node-runner/key-file.ts";
import { main } from "../../../node-runner/main.ts";
import { parseInstallServiceArgs } from "../../../node-runner/service/install-args.ts";
import { launchdPlist } from "../../../node-runner/service/launchd-plist.ts";
import { serviceFilePath, type ServiceSettings } from "../../../node-runner/service/service-settings.ts";
import { systemdUnit } from "../../../node-runner/service/systemd-unit.ts";

const plain: ServiceSettings = {
  nodePath: "/usr/local/bin/node",
  runnerScript: "/opt/edge402/bin/node-runner.js",
  environment: [
    ["EDGE_URL", "https://edge.example.com"],
    ["RUNNER_KEY_FILE", "/home/ann/.edge402/runner-key.json"],
    ["OLLAMA_HOST", "http://127.0.0.1:11434"],
  ],
  stopTimeoutSeconds: 45,
  logFile: "/Users/ann/Library/Logs/edge402/node-runner.log",
};

/** Paths and values an operator can really have: spaces, &, <, quotes, %, $ and backslashes. */
const hostile: ServiceSettings = {
  ...plain,
  nodePath: "/Users/Ann & Bob/.nvm/versions/node/v20.19.0/bin/node",
  runnerScript: `/Users/Ann & Bob/code/<edge402> "main"/it's/bin/node-runner.js`,
  environment: [
    ["EDGE_URL", "https://edge.example.com"],
    ["RUNNER_KEY_FILE", `/Users/Ann & Bob/keys/"runner" 100%\\$HOME.json`],
    ["RUNNER_NAME", "mini <kitchen> & co"],
  ],
  logFile: "/Users/Ann & Bob/Library/Logs/edge402/node-runner.log",
};

describe("launchdPlist", () => {
  it("renders a user agent that runs `node-runner start` at load and keeps it alive", () => {
    expect(launchdPlist(plain)).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`node-runner install-service\`; run it again (forced) to change settings. -->
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>dev.edge402.node-runner</string>
    <key>ProgramArguments</key>
    <array>
      <string>/usr/local/bin/node</string>
      <string>/opt/edge402/bin/node-runner.js</string>
      <string>start</string>
    </array>
    <key>EnvironmentVariables</key>
    <dict>
      <key>EDGE_URL</key>
      <string>https://edge.example.com</string>
      <key>RUNNER_KEY_FILE</key>
      <string>/home/ann/.edge402/runner-key.json</string>
      <key>OLLAMA_HOST</key>
      <string>http://127.0.0.1:11434</string>
    </dict>
    <key>RunAtLoad</key>
    <true/>
    <key>KeepAlive</key>
    <true/>
    <key>ExitTimeOut</key>
    <integer>45</integer>
    <key>StandardOutPath</key>
    <string>/Users/ann/Library/Logs/edge402/node-runner.log</string>
    <key>StandardErrorPath</key>
    <string>/Users/ann/Library/Logs/edge402/node-runner.log</string>
  </dict>
</plist>
`);
  });

  it("has no \"--\" inside its comment (that makes the whole plist malformed; launchd would refuse it)", () => {
    for (const comment of launchdPlist(plain).match(/<!--[\s\S]*?-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain("--");
  });

  it("XML-escapes every value: &, <, >, quotes; spaces stay as they are", () => {
    const text = launchdPlist(hostile);
    expect(text).toContain("<string>/Users/Ann &amp; Bob/.nvm/versions/node/v20.19.0/bin/node</string>");
    expect(text).toContain("<string>/Users/Ann &amp; Bob/code/&lt;edge402&gt; &quot;main&quot;/it&apos;s/bin/node-runner.js</string>");
    expect(text).toContain("<string>/Users/Ann &amp; Bob/keys/&quot;runner&quot; 100%\\$HOME.json</string>");
    expect(text).toContain("<string>mini &lt;kitchen&gt; &amp; co</string>");
    // Outside the markup itself, no raw & or < is left.
    const content = text.replace(/<\/?[A-Za-z!?][^<>]*>/g, "").replace(/&(amp|lt|gt|quot|apos);/g, "");
    expect(content).not.toMatch(/[&<>]/);
  });
});

describe("systemdUnit", () => {
  it("renders a user unit restarted on failure, after the network, wanted by default.target", () => {
    expect(systemdUnit(plain)).toBe(`# Written by \`node-runner install-service\`; run it again with --force to change settings.
[Unit]
Description=edge402 node-runner (sells this machine's Ollama inference through an edge402 edge)
After=network-online.target

[Service]
Type=simple
ExecStart="/usr/local/bin/node" "/opt/edge402/bin/node-runner.js" start
Environment="EDGE_URL=https://edge.example.com"
Environment="RUNNER_KEY_FILE=/home/ann/.edge402/runner-key.json"
Environment="OLLAMA_HOST=http://127.0.0.1:11434"
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=2
TimeoutStopSec=45

[Install]
WantedBy=default.target
`);
  });

  it("quotes values with spaces, escapes \\ and \", doubles % (specifiers) and, in ExecStart, $", () => {
    const text = systemdUnit(hostile);
    expect(text).toContain(
      `ExecStart="/Users/Ann & Bob/.nvm/versions/node/v20.19.0/bin/node" "/Users/Ann & Bob/code/<edge402> \\"main\\"/it's/bin/node-runner.js" start`,
    );
    expect(text).toContain(`Environment="RUNNER_KEY_FILE=/Users/Ann & Bob/keys/\\"runner\\" 100%%\\\\$HOME.json"`);
    expect(text).toContain(`Environment="RUNNER_NAME=mini <kitchen> & co"`);
  });

  it("quotes a $ in ExecStart so systemd does not expand it", () => {
    expect(systemdUnit({ ...plain, runnerScript: "/srv/$HOME/bin/node-runner.js" })).toContain(`"/srv/$$HOME/bin/node-runner.js" start`);
  });
});

describe.each([
  ["launchdPlist", launchdPlist],
  ["systemdUnit", systemdUnit],
])("%s refuses what a service file cannot hold", (_name, render) => {
  it.each([
    ["a line break in a value", { ...plain, environment: [["EDGE_URL", "https://e.example\nExecStartPre=/bin/sh"]] as const }],
    ["a control character in a path", { ...plain, nodePath: "/usr/bin/no\u0007de" }],
    ["a bad variable name", { ...plain, environment: [["BAD NAME", "x"]] as const }],
  ])("%s", (_what, settings) => {
    expect(() => render(settings as ServiceSettings)).toThrow(RangeError);
  });
});

describe("serviceFilePath", () => {
  it("is a LaunchAgent on macOS and a systemd user unit on Linux (XDG_CONFIG_HOME honoured)", () => {
    expect(serviceFilePath("darwin", "/Users/ann")).toBe("/Users/ann/Library/LaunchAgents/dev.edge402.node-runner.plist");
    expect(serviceFilePath("linux", "/home/ann")).toBe("/home/ann/.config/systemd/user/edge402-runner.service");
    expect(serviceFilePath("linux", "/home/ann", { XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/systemd/user/edge402-runner.service");
    expect(serviceFilePath("linux", "/home/ann", { XDG_CONFIG_HOME: "relative" })).toBe("/home/ann/.config/systemd/user/edge402-runner.service");
  });
});

describe("parseInstallServiceArgs", () => {
  it("takes its own flags and hands the rest to start's parser", () => {
    expect(parseInstallServiceArgs(["--print", "--platform", "linux", "--force", "--edge-url", "https://e.example", "--max-queue=4", "--config", "r.json"])).toEqual({
      help: false,
      print: true,
      force: true,
      platform: "linux",
      flags: { edgeUrl: "https://e.example", maxQueue: "4" },
      configFile: "r.json",
      problems: [],
    });
  });

  it("reports every problem at once", () => {
    expect(parseInstallServiceArgs(["--platform", "windows", "--bogus", "x", "--name"]).problems).toEqual([
      '--platform must be darwin (launchd) or linux (systemd), not "windows"',
      "unknown option --bogus",
      "--name needs a value",
    ]);
    expect(parseInstallServiceArgs(["--platform"]).problems).toEqual(["--platform needs a value (darwin or linux)"]);
  });
});

describe("node-runner install-service", () => {
  let home: string;
  let keyFile: string;
  let keyD: string;
  let out: { stdout: string; stderr: string };
  let io: { stdout: (t: string) => void; stderr: (t: string) => void; env: Record<string, string> };
  let context: InstallServiceContext;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "install-service-"));
    keyFile = join(home, "keys dir", "runner-key.json");
    await writeNewRunnerKey(keyFile);
    keyD = (JSON.parse(await readFile(keyFile, "utf8")) as { d: string }).d;
    out = { stdout: "", stderr: "" };
    io = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env: { EDGE_URL: "https://edge.example.com", RUNNER_KEY_FILE: keyFile } };
    context = { home, cwd: home, hostname: "mini", nodePath: "/usr/local/bin/node", runnerScript: "/opt/edge402/bin/node-runner.js" };
  });

  const unitFile = () => join(home, ".config", "systemd", "user", "edge402-runner.service");
  const plistFile = () => join(home, "Library", "LaunchAgents", "dev.edge402.node-runner.plist");

  it("--print prints the unit and writes nothing", async () => {
    const before = await readdir(home);
    expect(await installServiceCommand(["--print", "--platform", "linux"], io, context)).toBe(0);
    expect(out.stdout).toBe(
      systemdUnit({
        nodePath: "/usr/local/bin/node",
        runnerScript: "/opt/edge402/bin/node-runner.js",
        environment: [
          ["EDGE_URL", "https://edge.example.com"],
          ["RUNNER_KEY_FILE", keyFile],
          ["OLLAMA_HOST", "http://127.0.0.1:11434"],
        ],
        stopTimeoutSeconds: 45,
        logFile: join(home, "Library", "Logs", "edge402", "node-runner.log"),
      }),
    );
    expect(await readdir(home)).toEqual(before);
  });

  it("writes a systemd user unit (0644) and prints the commands to enable it, without running them", async () => {
    expect(await installServiceCommand(["--platform", "linux"], io, context)).toBe(0);
    const info = await stat(unitFile());
    expect(info.mode & 0o777).toBe(0o644);
    expect(await readFile(unitFile(), "utf8")).toContain(`Environment="RUNNER_KEY_FILE=${keyFile}"`);
    expect(out.stdout).toContain(`Wrote ${unitFile()}`);
    expect(out.stdout).toContain("  systemctl --user daemon-reload\n  systemctl --user enable --now edge402-runner.service\n");
    expect(out.stdout).toContain("loginctl enable-linger");
  });

  it("writes a launchd agent (0644), creates its log folder, and prints launchctl bootstrap", async () => {
    expect(await installServiceCommand(["--platform", "darwin"], io, context)).toBe(0);
    expect((await stat(plistFile())).mode & 0o777).toBe(0o644);
    expect((await stat(join(home, "Library", "Logs", "edge402"))).isDirectory()).toBe(true);
    expect(await readFile(plistFile(), "utf8")).toContain("<key>RunAtLoad</key>");
    expect(out.stdout).toContain(`\n  launchctl bootstrap gui/$(id -u) ${plistFile()}\n`);
  });

  it("shell-quotes the printed path when the home folder has a space", async () => {
    const spaced = join(home, "Ann B");
    expect(await installServiceCommand(["--platform", "darwin"], io, { ...context, home: spaced })).toBe(0);
    expect(out.stdout).toContain(`launchctl bootstrap gui/$(id -u) '${join(spaced, "Library", "LaunchAgents", "dev.edge402.node-runner.plist")}'`);
  });

  it("never puts key material in the file, only the key file's path", async () => {
    for (const platform of ["linux", "darwin"]) {
      expect(await installServiceCommand(["--platform", platform, "--force"], io, context)).toBe(0);
    }
    for (const file of [unitFile(), plistFile()]) {
      const text = await readFile(file, "utf8");
      expect(text).toContain("runner-key.json");
      expect(text).not.toContain(keyD);
    }
    expect(out.stdout).not.toContain(keyD);
  });

  it("refuses to overwrite without --force, and replaces with it", async () => {
    expect(await installServiceCommand(["--platform", "linux"], io, context)).toBe(0);
    await writeFile(unitFile(), "# edited by hand\n");
    out.stderr = "";
    expect(await installServiceCommand(["--platform", "linux"], io, context)).toBe(2);
    expect(out.stderr).toBe(`node-runner install-service: ${unitFile()} already exists; pass --force to replace it\n`);
    expect(await readFile(unitFile(), "utf8")).toBe("# edited by hand\n");

    expect(await installServiceCommand(["--platform", "linux", "--force"], io, context)).toBe(0);
    expect(await readFile(unitFile(), "utf8")).toContain("[Service]");
    expect((await stat(unitFile())).mode & 0o777).toBe(0o644);
    expect((await readdir(join(home, ".config", "systemd", "user"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("lists every configuration problem, as start would, and exits 2 writing nothing", async () => {
    io.env = { RUNNER_MAX_QUEUE: "lots" };
    const before = await readdir(home);
    expect(await installServiceCommand(["--platform", "linux", "--key-file", join(home, "missing.json")], io, context)).toBe(2);
    expect(out.stderr).toBe(
      [
        "node-runner configuration has 3 problems:",
        '  - edgeUrl: required (the edge\'s URL, e.g. https://edge.example.com); set EDGE_URL, --edge-url, or "edgeUrl" in the config file',
        "  - maxQueue (env RUNNER_MAX_QUEUE): must be a whole number",
        `  - keyFile (--key-file): key file ${join(home, "missing.json")} does not exist; create one with \`node-runner keygen\``,
        "",
      ].join("\n"),
    );
    expect(await readdir(home)).toEqual(before);
  });

  it("carries every other setting given by flag or environment, as given, and the config file's path", async () => {
    const config = join(home, "runner.json");
    await writeFile(config, JSON.stringify({ graceMs: 60_000 }));
    io.env = { ...io.env, RUNNER_MODELS: "qwen2.5:7b", OLLAMA_HOST: "box:11434", PATH: "/usr/bin" };
    expect(await installServiceCommand(["--print", "--platform", "linux", "--concurrency", "qwen2.5:7b=2", "--config", "runner.json"], io, context)).toBe(0);
    const env = out.stdout.split("\n").filter((line) => line.startsWith("Environment="));
    expect(env).toEqual([
      'Environment="EDGE_URL=https://edge.example.com"',
      `Environment="RUNNER_KEY_FILE=${keyFile}"`,
      'Environment="OLLAMA_HOST=http://box:11434"',
      'Environment="RUNNER_MODELS=qwen2.5:7b"',
      'Environment="RUNNER_CONCURRENCY=qwen2.5:7b=2"',
      `Environment="EDGE402_RUNNER_CONFIG=${config}"`,
    ]);
    // The drain grace from the file sets how long systemd waits after SIGTERM.
    expect(out.stdout).toContain("TimeoutStopSec=75");
  });

  it("usage problems exit 2", async () => {
    expect(await installServiceCommand(["--platform", "bsd", "--nope"], io, context)).toBe(2);
    expect(out.stderr).toContain('--platform must be darwin (launchd) or linux (systemd), not "bsd"; unknown option --nope');
    expect(await installServiceCommand([], io, { ...context, platform: "win32" })).toBe(2);
    expect(out.stderr).toContain("win32 is not supported");
  });

  it("is reached from the node-runner command line, with HOME from the environment", async () => {
    const result = await main(["install-service", "--platform", "linux"], { ...io, env: { ...io.env, HOME: home }, onSignal: () => {} });
    expect(result).toBe(0);
    expect(await readFile(unitFile(), "utf8")).toContain("ExecStart=");
    expect(await main(["--help"], { ...io, onSignal: () => {} })).toBe(0);
    expect(out.stdout).toContain("node-runner install-service [--print] [--platform darwin|linux] [--force]");
  });
});
