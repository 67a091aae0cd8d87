import { assertEnvName, assertServiceValue, type ServiceSettings } from "./service-settings.ts";

/**
 * A systemd user unit (~/.config/systemd/user): started with the user's manager (at boot with
 * lingering), restarted when it fails. Pure: the same settings always give the same text.
 */
export function systemdUnit(settings: ServiceSettings): string {
  const env = settings.environment.map(([name, value]) => {
    assertEnvName(name);
    assertServiceValue(value, name);
    return `Environment=${quoteUnitValue(`${name}=${value}`)}`;
  });
  const exec = [settings.nodePath, settings.runnerScript].map((path, i) => {
    assertServiceValue(path, i === 0 ? "node path" : "runner script path");
    return quoteExecArg(path);
  });
  return [
    "# Written by `node-runner install-service`; run it again with --force to change settings.",
    "[Unit]",
    "Description=edge402 node-runner (sells this machine's Ollama inference through an edge402 edge)",
    // A user manager has no network-online.target of its own; the ordering is harmless and the runner
    // reconnects with backoff until the network and the edge answer.
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec.join(" ")} start`,
    ...env,
    "Restart=on-failure",
    "RestartSec=5",
    // Exit code 2 is a configuration problem: restarting cannot fix it.
    "RestartPreventExitStatus=2",
    // SIGTERM makes the runner drain running jobs first.
    `TimeoutStopSec=${Math.trunc(settings.stopTimeoutSeconds)}`,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

/** A double-quoted unit-file value: C-style escapes for `\` and `"`, `%%` so no specifier expands. */
export function quoteUnitValue(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

/** An ExecStart argument: quoted like any value, and `$$` so systemd does not expand variables. */
export function quoteExecArg(value: string): string {
  return quoteUnitValue(value).replace(/\$/g, "$$$$");
}
