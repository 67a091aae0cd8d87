import { LAUNCHD_LABEL, assertEnvName, assertServiceValue, type ServiceSettings } from "./service-settings.ts";

/**
 * A launchd user agent (~/Library/LaunchAgents): started at login and kept alive, logging to one file.
 * Pure: the same settings always give the same text.
 */
export function launchdPlist(settings: ServiceSettings): string {
  const string = (value: string, what: string) => {
    assertServiceValue(value, what);
    return `<string>${escapeXml(value)}</string>`;
  };
  const env = settings.environment.map(([name, value]) => {
    assertEnvName(name);
    return `      <key>${escapeXml(name)}</key>\n      ${string(value, name)}`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    // No "--" inside an XML comment: it would make the whole file malformed.
    "<!-- Written by `node-runner install-service`; run it again (forced) to change settings. -->",
    '<plist version="1.0">',
    "  <dict>",
    "    <key>Label</key>",
    `    <string>${LAUNCHD_LABEL}</string>`,
    "    <key>ProgramArguments</key>",
    "    <array>",
    `      ${string(settings.nodePath, "node path")}`,
    `      ${string(settings.runnerScript, "runner script path")}`,
    "      <string>start</string>",
    "    </array>",
    "    <key>EnvironmentVariables</key>",
    "    <dict>",
    ...env,
    "    </dict>",
    "    <key>RunAtLoad</key>",
    "    <true/>",
    "    <key>KeepAlive</key>",
    "    <true/>",
    // launchd's default is 20 s, shorter than the runner's default drain; then it would SIGKILL jobs.
    "    <key>ExitTimeOut</key>",
    `    <integer>${Math.trunc(settings.stopTimeoutSeconds)}</integer>`,
    "    <key>StandardOutPath</key>",
    `    ${string(settings.logFile, "log file")}`,
    "    <key>StandardErrorPath</key>",
    `    ${string(settings.logFile, "log file")}`,
    "  </dict>",
    "</plist>",
    "",
  ].join("\n");
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
