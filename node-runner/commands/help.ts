import { CONFIG_DEFAULTS, CONFIG_FIELDS, CONFIG_FILE_ENV, type ConfigField } from "../config.ts";

const DESCRIPTIONS: Readonly<Record<ConfigField, string>> = {
  edgeUrl: "the edge's URL, e.g. https://edge.example.com (required); the runner dials <edge>/tunnel",
  keyFile: "Ed25519 key file (default ~/.edge402/runner-key.json)",
  ollamaHost: `Ollama's address (default ${CONFIG_DEFAULTS.ollamaHost}; forms like 127.0.0.1:11434 work)`,
  models: "comma list of models to offer (default: every model Ollama has)",
  concurrency: 'jobs at once per model, e.g. "qwen2.5:7b=2,all-minilm=4"; a bare number sets the default (1)',
  maxQueue: `jobs queued per model beyond concurrency (default ${CONFIG_DEFAULTS.maxQueue})`,
  jobTimeoutMs: `hard cap on one job; the edge's own timeout applies when smaller (default ${CONFIG_DEFAULTS.jobTimeoutMs})`,
  heartbeatMs: `ping interval; the link is dropped after two silent intervals (default ${CONFIG_DEFAULTS.heartbeatMs})`,
  graceMs: `on SIGINT/SIGTERM, how long running jobs may finish (default ${CONFIG_DEFAULTS.graceMs})`,
  modelPollMs: `how often Ollama's model list is checked (default ${CONFIG_DEFAULTS.modelPollMs})`,
  name: "label shown at the edge (default: this machine's host name)",
  logLevel: `debug, info, warn or error (default ${CONFIG_DEFAULTS.logLevel})`,
};

export function helpText(): string {
  const rows = (Object.keys(CONFIG_FIELDS) as ConfigField[]).map((field) => {
    const { flag, env } = CONFIG_FIELDS[field];
    return `  --${flag.padEnd(16)} ${env.padEnd(22)} ${DESCRIPTIONS[field]}`;
  });
  return [
    "node-runner: sell inference from this machine's Ollama through an edge402 edge",
    "",
    "Usage:",
    "  node-runner [start] [options]              run the daemon (default)",
    "  node-runner keygen [--key-file PATH] [--force]",
    "                                             create this runner's key; prints the public key",
    "  node-runner public-key [--key-file PATH]   print the public key and runner id of a key file",
    "  node-runner status [--key-file PATH] [--json]",
    "                                             what the daemon running with this key is doing: connection,",
    "                                             models, jobs now and served (exit 0 when connected, else 1)",
    "  node-runner install-service [--print] [--platform darwin|linux] [--force] [options for start]",
    "                                             write a launchd agent (macOS) or systemd user unit (Linux)",
    "                                             that runs `start` with these settings at login/boot, and print",
    "                                             the commands that enable it; --print writes nothing",
    "  node-runner --help | --version",
    "",
    "Options for start (flag, environment variable, meaning). Precedence: flags, then environment,",
    `then the JSON config file given by --config PATH or ${CONFIG_FILE_ENV} (keys are the field names:`,
    `${Object.keys(CONFIG_FIELDS).join(", ")}).`,
    ...rows,
    "",
    "Exit codes: 0 stopped normally, 1 failed, 2 configuration problem.",
    "SIGINT/SIGTERM drain: running jobs finish (up to the grace period); a second signal stops at once.",
  ].join("\n");
}
