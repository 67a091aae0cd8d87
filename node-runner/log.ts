/**
 * One line per event on stderr: `<ISO time> <level> <message> key=value…`.
 * Callers pass only facts about the event (ids, counts, names). Key material, signatures, prompts,
 * images and model outputs never go through here, so a log file can be shared when asking for help.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogValue = string | number | boolean | null | undefined | readonly string[];
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Receives each finished line without its newline. Defaults to stderr. */
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger({ level = "info", write, now = Date.now }: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const out = write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const emit = (lineLevel: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    out(formatLogLine(new Date(now()), lineLevel, message, fields));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export function formatLogLine(time: Date, level: LogLevel, message: string, fields?: LogFields): string {
  let line = `${time.toISOString()} ${level} ${message}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

function formatValue(value: Exclude<LogValue, undefined>): string {
  const text = Array.isArray(value) ? value.join(",") : String(value);
  // Quote only when needed so the common case stays grep-friendly, and a value can never forge a field.
  return text === "" || /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** A logger that drops everything: the default for library use where the caller gave none. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
